"""Who the pipeline acts as in DS: the instructeur behind an email.

Every dossier mutation but labels and uploads takes an `instructeurId` that must belong to
the dossier's groupe instructeur. We configure an email (stable, readable) and look the id
up once per run in `demarche.groupeInstructeurs`, so a misconfigured account fails before
any mutation is sent, with a message saying where to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._documents import load_document
from ._error_mapping import describe_operation
from ._exceptions import DSInstructeurError, DSNotFoundError
from ._pages import GraphQLExecutor
from ._snapshot import DossierSnapshot


@dataclass(frozen=True)
class GroupeRef:
    """A groupe instructeur the instructeur belongs to."""

    id: str
    number: int
    label: str
    closed: bool = False


@dataclass(frozen=True)
class Instructeur:
    """An instructeur of a démarche: DS's profile id and the groupes he belongs to."""

    id: str
    email: str
    demarche_number: int
    groupes: tuple[GroupeRef, ...]

    def in_groupe(self, groupe_id: str) -> bool:
        return any(groupe.id == groupe_id for groupe in self.groupes)

    def check_can_instruct(self, snapshot: DossierSnapshot) -> None:
        """Raise `DSInstructeurError` unless he belongs to the dossier's groupe: DS would
        refuse the mutation ("L’instructeur n’a pas les droits d’accès à ce dossier")."""
        if self.in_groupe(snapshot.groupe_instructeur_id):
            return
        mine = ", ".join(f"n°{g.number} {g.label!r}" for g in self.groupes) or "none"
        raise DSInstructeurError(
            f"the account {self.email} cannot instruct dossier {snapshot.number}: it is in "
            f"groupe instructeur n°{snapshot.groupe_instructeur_number}, and the account "
            f"only in {mine}: add it to that groupe in DS > démarche "
            f"{snapshot.demarche_number} > groupes instructeurs"
        )


def find_instructeur(client: GraphQLExecutor, demarche_number: int, email: str) -> Instructeur:
    """The instructeur with this email (case-insensitive) in any groupe instructeur of the
    démarche, closed groupes included (their dossiers can still be instructed).

    Raises `DSInstructeurError` when the email is in no groupe, `DSNotFoundError` when the
    démarche is unknown, and any `DSError` of the request.
    """
    variables = {"number": demarche_number}
    data = client.execute("demarche_instructeurs", variables)
    demarche = data.get("demarche")
    if not isinstance(demarche, dict):
        context = describe_operation(
            load_document("demarche_instructeurs").operation_name, variables
        )
        raise DSNotFoundError(f"{context}: DS answered no démarche: check the number", errors=[])
    wanted = email.strip().casefold()
    found_id: str | None = None
    groupes: list[GroupeRef] = []
    for groupe in demarche.get("groupeInstructeurs") or []:
        for profile in groupe.get("instructeurs") or []:
            if str(profile.get("email", "")).strip().casefold() == wanted:
                found_id = found_id or str(profile["id"])
                groupes.append(
                    GroupeRef(
                        id=str(groupe["id"]),
                        number=int(groupe["number"]),
                        label=str(groupe.get("label", "")),
                        closed=bool(groupe.get("closed", False)),
                    )
                )
                break
    if found_id is None:
        raise DSInstructeurError(
            f"the account {email} is not an instructeur of démarche {demarche_number}: add "
            "it in DS > démarche > groupes instructeurs"
        )
    return Instructeur(
        id=found_id, email=email, demarche_number=demarche_number, groupes=tuple(groupes)
    )


def groupe_instructeur_emails(
    client: GraphQLExecutor, demarche_number: int, groupe_number: int
) -> tuple[str, list[str]]:
    """The label and the instructeurs' emails of one groupe instructeur of the démarche
    (a roster may take its evaluators from there). `DSNotFoundError` when either is unknown.
    """
    variables = {"number": demarche_number}
    demarche = client.execute("demarche_instructeurs", variables).get("demarche")
    for groupe in (demarche or {}).get("groupeInstructeurs") or []:
        if int(groupe["number"]) == groupe_number:
            emails = sorted({str(p["email"]).strip().lower()
                             for p in groupe.get("instructeurs") or []})
            return str(groupe.get("label", "")), emails
    context = describe_operation(load_document("demarche_instructeurs").operation_name, variables)
    raise DSNotFoundError(
        f"{context}: démarche {demarche_number} has no groupe instructeur n°{groupe_number}",
        errors=[])
