"""draft-conventions: the convention of every lauréat project, as an editable .docx and a
PDF preview, numbered and versioned, sent to the administration and the programme team.

The story of a run: find the lauréats of approved committees (or the one dossier the
operator names, with overrides), work out each draft's content — parties, mission, EIG,
dates, the financial annex — and compare its SHA-256 with the last version. Unchanged:
nothing happens. Changed or new: the .docx and PDF are rendered, stored as a new version
(old ones kept) and, in the same transaction, the emails (and optionally a DS message)
are recorded in the outbox, keyed by dossier and version; then delivered.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import MISSING, BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.documents import convention_pdfs, render_docx
from connectors.store import outbox
from flows.guard import stage_lease
from flows.handover import hand_over
from flows.reporting import conclude, publish_table
from flows.runtime import Runtime, open_runtime
from models.convention_draft import (
    ConventionInputError,
    DraftSettings,
    Laureat,
    Overrides,
    content_digest,
    content_to_json,
    convention_content,
    convention_number,
)
from models.convention_finance import QUOTITES, ConventionKind
from models.deliberation import CommitteeStatus
from models.french import compte
from models.outbox import Kind, ds_key, mail_key
from models.tables import CommitteeSession, Convention, ConventionVersion, Dossier


class TypeConvention(StrEnum):
    """The run form's choice of framework, worded as the operator reads it (the
    configuration's keys, ``budgetaire`` and ``partenariat``, are accepted too)."""

    BUDGETAIRE = "Convention budgétaire (cadre fixe)"
    PARTENARIAT = "Convention de partenariat (cadre adaptable)"

    @property
    def kind(self) -> ConventionKind:
        return "budgetaire" if self is TypeConvention.BUDGETAIRE else "partenariat"

    @classmethod
    def _missing_(cls, value: object) -> TypeConvention | None:
        return {"budgetaire": cls.BUDGETAIRE, "partenariat": cls.PARTENARIAT}.get(
            str(value))


class Quotite(StrEnum):
    """An EIG's working time (``models.convention_finance.QUOTITES``)."""

    TEMPS_PLEIN = "temps plein"
    QUATRE_CINQUIEMES = "4/5"


DossierNumber = Annotated[int, Field(ge=1)]
Months = Annotated[int, Field(gt=0, le=36)]
EigCount = Annotated[int, Field(ge=1, le=2)]

FORM: dict[str, tuple[str, str]] = {
    "dossier": ("Dossier lauréat (numéro)", "Vide : tous les lauréats des comités approuvés. "
                "Indiqué : ce seul dossier, avec les modifications ci-dessous."),
    "type_convention": ("Type de convention", "Vide : selon le mois du comité (promotion "
                        "annuelle : convention budgétaire)."),
    "date_debut": ("Date de début", "Vide : début de la promotion, ou le 1er du mois deux "
                   "mois après le comité."),
    "duree_mois": ("Durée (mois)", "Vide : celle du cadre."),
    "nombre_eig": ("Nombre d'EIG", "1 ou 2 ; vide : celui du dossier."),
    "quotite": ("Quotité", "De chaque EIG (de l'EIG n° 1 si la suivante est indiquée) ; "
                "vide : temps plein. La convention budgétaire est à temps plein uniquement."),
    "quotite_eig_2": ("Quotité de l'EIG n° 2", "Si elle diffère de celle de l'EIG n° 1."),
    "experience": ("Tranche d'expérience", "Clé de tranche du cadre (ex. moins-10-ans), de "
                   "chaque EIG ou de l'EIG n° 1 ; vide : inconnue, chiffrée sur la tranche "
                   "haute."),
    "experience_eig_2": ("Tranche d'expérience de l'EIG n° 2", "Si elle diffère de celle "
                         "de l'EIG n° 1."),
    "coach": ("Coach", "Vide : celui de la configuration."),
    "signataire": ("Signataire pour l'administration", "Nom et qualité de la personne "
                   "habilitée à signer, si le dossier ne l'indique pas."),
}
"""The run form's French title and help of each parameter."""


def form(name: str) -> Any:
    """A run-form parameter: empty by default, with its French title and help.

    The default is pydantic's ``MISSING``, which the schema leaves out: Prefect's form
    then shows an empty field and sends nothing for it (a ``None`` default would either
    offer a « None » type to switch from, or fill the field with a null its type refuses).
    Prefect titles a parameter by its name and keeps only a Field's description and
    schema extras: the title goes in the extras."""
    title, description = FORM[name]
    return Field(default=MISSING, description=description, json_schema_extra={"title": title})


FIELDS = {name: form(name) for name in FORM}


class ConventionParameters(BaseModel):
    """What an operator asks of draft-conventions: every lauréat, or one dossier with
    overrides (``draft_conventions``'s parameters, those given)."""

    dossier: DossierNumber | None = None
    type_convention: TypeConvention | None = None
    date_debut: date | None = None
    duree_mois: Months | None = None
    nombre_eig: EigCount | None = None
    quotite: Quotite | None = None
    quotite_eig_2: Quotite | None = None
    experience: str | None = None
    experience_eig_2: str | None = None
    coach: str | None = None
    signataire: str | None = None

    def overrides(self) -> Overrides:
        return Overrides(
            kind=self.type_convention.kind if self.type_convention else None,
            start=self.date_debut, duration_months=self.duree_mois,
            quotites=_per_eig(self.quotite and QUOTITES[self.quotite],
                              self.quotite_eig_2 and QUOTITES[self.quotite_eig_2],
                              QUOTITES[Quotite.TEMPS_PLEIN]),
            bands=_per_eig(self.experience, self.experience_eig_2, None),
            coach=self.coach, nombre_eig=self.nombre_eig,
            signatory=self.signataire)


def asked(**parameters: Any) -> ConventionParameters:
    """The flow's parameters the operator gave (those left empty arrive as ``MISSING``)."""
    return ConventionParameters(**{name: value for name, value in parameters.items()
                                   if value is not MISSING})


def _per_eig(first: Any, second: Any, default: Any) -> tuple[Any, ...] | None:
    """One value for every EIG, or one each when the second differs; None: no change."""
    if second is None:
        return None if first is None else (first,)
    return (default if first is None else first, second)


@dataclass(frozen=True)
class Selected:
    laureat: Laureat
    session_id: int


@dataclass(frozen=True)
class DraftOutcome:
    dossier: int
    numero: str | None
    kind: str | None
    version: int | None
    status: Literal["new", "unchanged", "problem"]
    files: dict[str, str]
    problem: str | None = None


# -- gathering --------------------------------------------------------------------------


def selected_laureats(session: Session, rt: Runtime, dossier: int | None = None
                      ) -> list[Selected]:
    """Lauréats of approved committees of the conventions track (the latest decision of
    each dossier counts)."""
    track = rt.config.conventions.track
    committee = rt.config.deliberation.committees.get(track, "comité de sélection")
    latest: dict[int, tuple[CommitteeSession, dict[str, Any]]] = {}
    for row in session.scalars(select(CommitteeSession).where(
            CommitteeSession.track == track, CommitteeSession.status == CommitteeStatus.APPROVED)
            .order_by(CommitteeSession.session_date)):
        for decision in row.decisions or []:
            latest[int(decision["dossier"])] = (row, decision)
    chosen = {n: v for n, v in latest.items() if v[1]["decision"] == "laureat"}
    if dossier is not None:
        if dossier not in chosen:
            raise LookupError(f"dossier {dossier} : pas lauréat d'un comité approuvé "
                              f"({track}) ; pas de convention")
        chosen = {dossier: chosen[dossier]}
    dossiers = {int(d.number): d for d in session.scalars(
        select(Dossier).where(Dossier.number.in_(chosen)))}
    return [Selected(Laureat(number, dossiers[number].fields or {}, row.session_date,
                             committee), row.id)
            for number, (row, _) in sorted(chosen.items()) if number in dossiers]


def draft_settings(rt: Runtime) -> DraftSettings:
    conventions = rt.config.conventions
    return DraftSettings(
        dinum=conventions.dinum.model_dump(), default_coach=conventions.default_coach,
        start_delay_months=conventions.start_delay_months,
        promotion_start={kind: f.start for kind, f in conventions.frameworks.items()})


# -- one draft --------------------------------------------------------------------------


def _convention_row(session: Session, rt: Runtime, selected: Selected,
                    overrides: Overrides) -> Convention:
    """The dossier's convention, numbered on first sight; the overrides merged in."""
    number = selected.laureat.number
    row = session.get(Convention, number)
    now = rt.clock()
    if row is None:
        year = selected.laureat.decided_on.year
        prefix = f"{rt.config.conventions.numbering_prefix}-{year}-"
        taken = session.scalar(select(func.count()).select_from(Convention).where(
            Convention.numero.like(f"{prefix}%"))) or 0
        row = Convention(dossier_number=number, numero=convention_number(
            rt.config.conventions.numbering_prefix, year, taken + 1), kind="",
            overrides={}, session_id=selected.session_id, created_at=now, updated_at=now)
        session.add(row)
    merged = Overrides.from_json(row.overrides).merged(overrides)
    row.overrides = merged.as_json()
    row.kind = merged.kind or rt.config.conventions.kind_for(
        selected.laureat.decided_on.month)
    row.updated_at = now
    return row


@dataclass
class PendingDraft:
    """A changed convention between its content and its stored version: the PDF
    previews of a batch are rendered together, side by side."""

    selected: Selected
    numero: str
    kind: str
    version: int
    digest: str
    content: dict[str, Any]
    docx: bytes
    title: str


def prepare_one(rt: Runtime, selected: Selected, overrides: Overrides,
                settings: DraftSettings) -> DraftOutcome | PendingDraft:
    """The dossier's outcome when nothing is to render (unchanged, a problem), else its
    new version's content and .docx."""
    number = selected.laureat.number
    with rt.sessions.begin() as session:
        row = _convention_row(session, rt, selected, overrides)
        numero, kind = row.numero, row.kind
        merged = Overrides.from_json(row.overrides)
        last = session.scalar(select(ConventionVersion).where(
            ConventionVersion.dossier_number == number)
            .order_by(ConventionVersion.version.desc()).limit(1))
        last_digest, last_version = (last.digest, last.version) if last else (None, 0)
        last_files = dict(last.files) if last else {}
        framework_config = rt.config.conventions.frameworks.get(kind)
        try:
            if framework_config is None:
                raise ConventionInputError(number, "type", "cadre configuré",
                                           f"aucun cadre {kind!r} dans la configuration")
            content = convention_content(selected.laureat, framework_config.framework(kind),
                                         merged, settings, numero)
        except ConventionInputError as exc:
            row.problem = str(exc)
            return DraftOutcome(number, numero, kind, last_version or None, "problem",
                                last_files, str(exc))
        row.problem = None
    digest = content_digest(content)
    if digest == last_digest:
        return DraftOutcome(number, numero, kind, last_version, "unchanged", last_files)
    version = last_version + 1
    context = {**content, "version": version, "genere_le": rt.clock()}
    return PendingDraft(selected, numero, kind, version, digest, content,
                        render_docx("convention", context),
                        f"Projet de convention {numero} — version {version}")


def store_one(rt: Runtime, draft: PendingDraft, pdf: bytes) -> DraftOutcome:
    """The new version, its files and its sending, in one transaction."""
    number = draft.selected.laureat.number
    files = _write_files(rt, draft.numero, draft.version, draft.docx, pdf)
    with rt.sessions.begin() as session:
        stored = ConventionVersion(dossier_number=number, version=draft.version,
                                   digest=draft.digest, content=content_to_json(draft.content),
                                   docx=draft.docx, pdf=pdf, files=files,
                                   created_at=rt.clock())
        session.add(stored)
        session.flush()
        _record_sending(session, rt, number, draft.version, draft.numero, pdf)
    return DraftOutcome(number, draft.numero, draft.kind, draft.version, "new", files)


def _write_files(rt: Runtime, numero: str, version: int, docx: bytes, pdf: bytes
                 ) -> dict[str, str]:
    folder = Path(rt.settings.documents_dir) / "conventions" / numero
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"docx": folder / f"{numero}-v{version}.docx",
             "pdf": folder / f"{numero}-v{version}.pdf"}
    paths["docx"].write_bytes(docx)
    paths["pdf"].write_bytes(pdf)
    return {kind: str(path) for kind, path in paths.items()}


def _record_sending(session: Session, rt: Runtime, number: int, version: int, numero: str,
                    pdf: bytes) -> None:
    """The draft's email (composed at send time from the stored version) and, if
    configured, a DS message to the dossier with the PDF."""
    now = rt.clock()
    outbox.record_effect(session, mail_key("convention", number, f"v{version}"), Kind.EMAIL,
                         "convention", {"dossier": number, "version": version}, now)
    if rt.config.conventions.attach_in_ds:
        body = (f"Projet de convention {numero} (version {version}) : vous le trouverez "
                "en pièce jointe ; la version modifiable vous a été envoyée par courriel.")
        outbox.record_effect(session, ds_key("message", number, f"convention-v{version}"),
                             Kind.DS, "message", {
                                 "dossier": number, "body": body, "attachment": {
                                     "filename": f"{numero}-v{version}.pdf",
                                     "content_type": "application/pdf",
                                     "content_b64": base64.b64encode(pdf).decode()}}, now)


@task(name="draft-conventions-batch", cache_policy=NO_CACHE)
def draft_batch(rt: Runtime, batch: list[Selected], overrides: Overrides) -> list[DraftOutcome]:
    """A batch of lauréats; a dossier that cannot be drafted is reported, the rest go on."""
    logger = get_run_logger()
    settings = draft_settings(rt)
    prepared = [prepare_one(rt, selected, overrides, settings) for selected in batch]
    pending = [p for p in prepared if isinstance(p, PendingDraft)]
    pdfs = dict(zip((id(p) for p in pending),
                    convention_pdfs([(p.docx, p.title) for p in pending]), strict=True))
    outcomes = []
    for item in prepared:
        outcome = store_one(rt, item, pdfs[id(item)]) if isinstance(item, PendingDraft) \
            else item
        if outcome.problem:
            logger.warning("convention non rédigée : %s", outcome.problem)
        outcomes.append(outcome)
    return outcomes


# -- the flow ---------------------------------------------------------------------------


@flow(name="draft-conventions", timeout_seconds=1800,
      description="Rédige la convention (Word + aperçu PDF) de "
      "chaque projet lauréat, numérotée et versionnée, et l'envoie à l'administration et à "
      "l'équipe du programme.")
def draft_conventions(
    dossier: DossierNumber | MISSING = FIELDS["dossier"],
    type_convention: TypeConvention | MISSING = FIELDS["type_convention"],
    date_debut: date | MISSING = FIELDS["date_debut"],
    duree_mois: Months | MISSING = FIELDS["duree_mois"],
    nombre_eig: EigCount | MISSING = FIELDS["nombre_eig"],
    quotite: Quotite | MISSING = FIELDS["quotite"],
    quotite_eig_2: Quotite | MISSING = FIELDS["quotite_eig_2"],
    experience: str | MISSING = FIELDS["experience"],
    experience_eig_2: str | MISSING = FIELDS["experience_eig_2"],
    coach: str | MISSING = FIELDS["coach"],
    signataire: str | MISSING = FIELDS["signataire"],
) -> dict[str, Any]:
    """Every field empty (the schedule, the committee's event): each lauréat's draft, as
    it stands. A dossier, and what to change of its convention: that one draft."""
    params = asked(**locals())
    overrides = params.overrides()
    if params.dossier is None and overrides != Overrides():
        raise ValueError("les modifications (type, dates, quotité…) portent sur un dossier : "
                         "indiquez le dossier")
    with open_runtime() as rt, stage_lease(rt, "draft-conventions"):
        with rt.sessions() as session:
            selected = selected_laureats(session, rt, params.dossier)
        outcomes: list[DraftOutcome] = []
        for start in range(0, len(selected), BATCH):
            outcomes += draft_batch(rt, selected[start:start + BATCH], overrides)
        handed = hand_over(rt, "draft-conventions")
    new = sum(o.status == "new" for o in outcomes)
    headline = (f"Conventions : {compte(len(selected), 'lauréat')}, "
                f"{compte(new, 'nouvelle version', 'nouvelles versions')}, "
                f"{compte(sum(o.status == 'unchanged' for o in outcomes), 'inchangée')}, "
                f"{sum(o.status == 'problem' for o in outcomes)} à corriger ; "
                f"{compte(handed.get('email', 0), 'courriel confié', 'courriels confiés')} à la "
                "livraison.")
    publish_table(
        "draft-conventions",
        [{"Dossier": o.dossier, "Numéro": o.numero or "—", "Type": o.kind or "—",
          "Version": o.version or "—", "Statut": STATUS_LABELS[o.status],
          "Word": o.files.get("docx", "—"), "PDF": o.files.get("pdf", "—"),
          "Problème": o.problem or ""} for o in outcomes], headline,
        empty="Aucun lauréat")
    return conclude({"laureats": len(selected),
                     "new": [{"dossier": o.dossier, "numero": o.numero, "version": o.version,
                              "files": o.files} for o in outcomes if o.status == "new"],
                     "unchanged": sum(o.status == "unchanged" for o in outcomes),
                     "problems": [{"dossier": o.dossier, "problem": o.problem}
                                  for o in outcomes if o.status == "problem"],
                     "handed_over": handed}, headline)


BATCH = 50
STATUS_LABELS = {"new": "nouvelle version", "unchanged": "inchangée", "problem": "à corriger"}

