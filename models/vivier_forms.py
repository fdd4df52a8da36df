"""A vivier candidate's own updates: the « vivier » démarche's form, read and checked.

Each person entering the vivier gets, in their decision message, a DS prefill link to the
vivier démarche carrying their candidature's number and a signed token
(``<dossier>.<HMAC-SHA256>``): the démarche is open to anyone with the link, so a form
counts only if its token was made by us for that very vivier entry — nobody updates
someone else. They may file it again at any time; the latest answer wins.

A form says either « I stay » (consent renewed: the retention of their data restarts),
with what changes — availability date, wishes, quotité; a blank champ leaves the value
as it was —, or « I leave » (consent withdrawn: out of the vivier and of every mission
search at once). A form that cannot count gets one French line naming the field and
the rule, and is set aside (quarantined) until the person files a correct one.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from models.evaluation_token import signature
from models.french import compte, date_fr
from models.mission_match import vivier_profile

_VERSION = "eig-vivier-v1"
_FORMAT = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{24})", re.ASCII)

WISHES = ("voeux_thematiques", "voeux_localisations", "voeux_administrations", "quotite")
"""The wishes a form may change (with ``disponibilite``), as the vivier profile names them."""
CHOICES = ("voeux_thematiques", "voeux_localisations", "quotite")
"""The wishes chosen among the démarche's options."""


class VivierFormStatus(StrEnum):
    APPLIED = "applied"  # its answer is the vivier entry's (until a later one)
    SUPERSEDED = "superseded"  # valid, but an answer given later already applies
    INVALID = "invalid"  # quarantined: the field and the rule say why


LEFT_VIVIER = "la personne candidate a quitté le vivier du programme"
"""Why a candidate's booked entretiens de mission were cancelled when they withdrew their
consent (the reason their jury and the administration's contact read)."""


def _mac(secret: bytes, dossier_number: int) -> str:
    return signature(secret, _VERSION, dossier_number)


def make_vivier_token(secret: bytes, dossier_number: int) -> str:
    """The token of the vivier entry of candidature ``dossier_number``."""
    return f"{dossier_number}.{_mac(secret, dossier_number)}"


def verify_vivier_token(secret: bytes, token: str | None, dossier_number: int) -> bool:
    """Whether ``token`` was made for exactly this vivier entry."""
    match = _FORMAT.fullmatch(token or "")
    if not match or int(match.group(1)) != dossier_number:
        return False
    return hmac.compare_digest(match.group(2), _mac(secret, dossier_number))


@dataclass(frozen=True)
class VivierAnswer:
    """A valid form: who (``dossier``: the candidature), stay or leave, and what changes
    (only the champs the person filled)."""

    dossier: int
    stays: bool
    changes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VivierReading:
    answer: VivierAnswer | None
    field: str | None = None
    problem: str | None = None  # for the team: form, field and rule
    dossier: int | None = None  # the candidature the form names, even when invalid
    rule: str | None = None  # for the person: the rule alone


LABELS = {
    "dossier_candidature": "Numéro de votre dossier de candidature",
    "jeton": "Jeton du vivier",
    "consentement": "Je souhaite rester dans le vivier des EIG",
    "disponibilite": "Date de disponibilité",
    "voeux_thematiques": "Thématiques souhaitées",
    "voeux_localisations": "Localisations souhaitées",
    "voeux_administrations": "Administrations souhaitées",
    "quotite": "Quotité souhaitée",
}
"""The champs as the person reads them in the form."""


def changes_read(changes: Mapping[str, Any]) -> list[dict[str, str]]:
    """What an answer changes, as the person reads it: label and value, in French."""
    out = []
    for key, value in changes.items():
        if key == "disponibilite":
            text = date_fr(date.fromisoformat(str(value)[:10]))
        elif isinstance(value, list | tuple):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        out.append({"label": LABELS.get(key, key), "value": text})
    return out


def read_vivier_form(form: int, fields: Mapping[str, Any], secret: bytes, *,
                     members: set[int] | frozenset[int], answered_on: date,
                     options: Mapping[str, Sequence[str]]) -> VivierReading:
    """Read form n° ``form`` (its mapped champs) answered on ``answered_on`` (Paris):
    ``members`` are the candidatures in the vivier now; ``options`` the démarche's
    choices per wish (a wish without options is not checked)."""
    raw = fields.get("dossier_candidature")
    number = raw if isinstance(raw, int) and not isinstance(raw, bool) else None

    def bad(name: str, rule: str) -> VivierReading:
        return VivierReading(None, name, f"formulaire du vivier n° {form}, champ {name} : "
                             f"{rule}", number, rule)

    if number is None:
        return bad("dossier_candidature", "numéro de candidature absent")
    if not verify_vivier_token(secret, fields.get("jeton"), number):
        return bad("jeton", f"jeton absent ou modifié : il n'a pas été émis pour la "
                   f"candidature n° {number}")
    if number not in members:
        return bad("dossier_candidature", f"la candidature n° {number} n'est pas (ou plus) "
                   "au vivier")
    consent = fields.get("consentement")
    if not isinstance(consent, bool):
        return bad("consentement", "réponse oui ou non attendue")
    if not consent:
        return VivierReading(VivierAnswer(number, False), dossier=number)
    changes: dict[str, Any] = {}
    available = fields.get("disponibilite")
    if available not in (None, ""):
        try:
            day = available if isinstance(available, date) else date.fromisoformat(
                str(available)[:10])
        except ValueError:
            return bad("disponibilite", f"date illisible (« {available} »)")
        if day < answered_on:
            return bad("disponibilite", f"date passée (le {date_fr(day)}, pour un "
                       f"formulaire du {date_fr(answered_on)}) : une date à venir est "
                       "attendue")
        changes["disponibilite"] = day.isoformat()
    for name in WISHES:
        value = fields.get(name)
        if value in (None, "", []):
            continue
        chosen = value if isinstance(value, list) else [value]
        allowed = options.get(name)
        if name in CHOICES and allowed:
            unknown = [v for v in chosen if v not in allowed]
            if unknown:
                return bad(name, f"« {unknown[0]} » n'est pas parmi les choix proposés")
        changes[name] = value
    return VivierReading(VivierAnswer(number, True, changes), dossier=number)


def updated_profile(profile: Mapping[str, Any], changes: Mapping[str, Any],
                    source: str, at: str) -> dict[str, Any]:
    """The vivier profile with ``changes`` applied (read as the candidature's champs are)
    and where its latest answer comes from (``source``, ISO ``at``). JSON-able."""
    fresh = vivier_profile(changes)
    out = dict(profile)
    for key in changes:
        out[key] = fresh.get(key)
        if key == "disponibilite":
            out["disponibilite_iso"] = fresh.get("disponibilite_iso")
    out["mise_a_jour"] = {"source": source, "at": at}
    return json.loads(json.dumps(out, default=str))


def last_answer_at(profile: Mapping[str, Any] | None) -> str | None:
    """When the answer the profile holds was given (ISO), None: at the candidature."""
    latest = (profile or {}).get("mise_a_jour") or {}
    return latest.get("at") if isinstance(latest, Mapping) else None


def vivier_line(report: dict[str, Any]) -> str | None:
    """One French line for what the vivier's forms changed (None: nothing new)."""
    new = [r for r in report["rejected"] if r.get("new", True)]
    counts = [(len(report["updated"]), "situation mise à jour", "situations mises à jour"),
              (len(report["withdrawn"]), "consentement retiré", "consentements retirés"),
              (len(report["from_candidature"]), "candidature modifiée",
               "candidatures modifiées"),
              (len(new), "formulaire mis de côté (eig quarantine)",
               "formulaires mis de côté (eig quarantine)")]
    said = [compte(n, one, many) for n, one, many in counts if n]
    said += [f"le dossier {b['dossier']}, qui a retiré son consentement : "
             f"{'son entretien' if len(b['missions']) == 1 else 'ses entretiens'} de mission "
             f"(mission {', '.join(map(str, b['missions']))}) "
             f"{'annulé' if len(b['missions']) == 1 else 'annulés'}, jury et administration "
             "prévenus" for b in report.get("cancelled", [])]
    said += [f"le dossier {n}, sous contrat, a retiré son consentement au vivier : son "
             "contrat n'en dépend pas" for n in report.get("engaged", [])]
    return f"Vivier : {', '.join(said)}." if said else None
