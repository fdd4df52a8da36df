"""What a convention draft says, from the lauréat's dossier, the committee's decision, the
framework and the operator's overrides: the context of ``templates/documents/convention``.

The content is plain data (no version, no generation time), so its SHA-256 tells whether
a regenerated draft differs from the last version.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from models.convention_finance import (
    Annex,
    ConventionKind,
    EigSlot,
    Framework,
    QuotiteError,
    financial_annex,
    quotite_label,
)

EMPLOYER_LABELS = {
    "administration": "l'administration d'accueil, qui recrute et emploie les EIG ; la DINUM "
                      "cofinance",
    "dinum": "la DINUM, qui recrute et emploie les EIG ; l'administration les accueille",
}


class ConventionInputError(ValueError):
    """The dossier or the overrides cannot make a convention: names dossier, field, rule."""

    def __init__(self, dossier: int, field: str, rule: str, detail: str) -> None:
        super().__init__(f"dossier {dossier}, champ {field} ({rule}) : {detail}")
        self.dossier, self.field, self.rule, self.detail = dossier, field, rule, detail


@dataclass(frozen=True)
class Overrides:
    """What an operator may change from the UI or the CLI; None keeps the default."""

    kind: ConventionKind | None = None
    start: date | None = None
    duration_months: int | None = None
    quotites: tuple[Decimal, ...] | None = None
    bands: tuple[str | None, ...] | None = None
    coach: str | None = None
    nombre_eig: int | None = None
    signatory: str | None = None  # the administration's signatory, when the dossier lacks it

    def as_json(self) -> dict[str, Any]:
        return {key: value for key, value in {
            "kind": self.kind, "start": self.start.isoformat() if self.start else None,
            "duration_months": self.duration_months,
            "quotites": [str(q) for q in self.quotites] if self.quotites else None,
            "bands": list(self.bands) if self.bands else None, "coach": self.coach,
            "nombre_eig": self.nombre_eig, "signatory": self.signatory}.items()
            if value is not None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Overrides:
        data = data or {}
        return cls(
            kind=data.get("kind"),
            start=date.fromisoformat(data["start"]) if data.get("start") else None,
            duration_months=data.get("duration_months"),
            quotites=tuple(Decimal(q) for q in data["quotites"]) if data.get("quotites")
            else None,
            bands=tuple(data["bands"]) if data.get("bands") else None,
            coach=data.get("coach"), nombre_eig=data.get("nombre_eig"),
            signatory=data.get("signatory"))

    def merged(self, newer: Overrides) -> Overrides:
        """These overrides with ``newer``'s set values on top (the last word wins)."""
        return Overrides(**{name: getattr(newer, name) if getattr(newer, name) is not None
                            else getattr(self, name) for name in self.__dataclass_fields__})


@dataclass(frozen=True)
class Laureat:
    """A lauréat project as the store knows it, with the committee that selected it (the
    committee's motivation and the evaluators' words stay out of the convention: it
    describes the project in the applicant's own words)."""

    number: int
    fields: Mapping[str, Any]
    decided_on: date
    committee: str


@dataclass(frozen=True)
class DraftSettings:
    """The configuration a draft needs (from ``settings.config.ConventionsConfig``)."""

    dinum: Mapping[str, str]
    default_coach: str
    start_delay_months: int
    promotion_start: Mapping[str, str | None] = field(default_factory=dict)  # kind → "MM-DD"


def start_date(decided_on: date, fixed: str | None, delay_months: int) -> date:
    """A fixed promotion start (``MM-DD``, the next one after the decision), or the first
    day of the month ``delay_months`` after it."""
    if fixed:
        month, day = (int(part) for part in fixed.split("-"))
        start = date(decided_on.year, month, day)
        return start if start > decided_on else date(decided_on.year + 1, month, day)
    return add_months(decided_on.replace(day=1), delay_months)


def add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def end_date(start: date, months: int) -> date:
    """The last day of a contract of ``months`` months starting on ``start`` (from 31
    January, one month ends on the last day of February)."""
    anniversary = add_months(start, months)
    return anniversary if anniversary.day < start.day else anniversary - timedelta(days=1)


def eig_slots(number: int, fields: Mapping[str, Any], framework: Framework,
              overrides: Overrides) -> list[EigSlot]:
    """The 1 or 2 EIG wanted, each with a profile, a quotité and an experience band."""
    wanted = overrides.nombre_eig if overrides.nombre_eig is not None else fields.get(
        "nombre_eig")
    if wanted not in (1, 2):
        raise ConventionInputError(number, "nombre_eig", "1 ou 2",
                                   f"nombre d'EIG souhaités {wanted!r} : 1 ou 2 attendu")
    profiles = [str(p) for p in fields.get("profils") or [] if str(p).strip()]
    if not profiles:
        raise ConventionInputError(number, "profils", "obligatoire",
                                   "aucun profil recherché : au moins un attendu")
    if wanted == 1:
        per_eig = [" / ".join(profiles)]
    else:  # two EIG: one profile each, the rest shared by the second
        per_eig = [profiles[0], " / ".join(profiles[1:]) or profiles[0]]
    quotites = _per_eig(overrides.quotites, wanted, Decimal(1), number, "quotite")
    bands = _per_eig(overrides.bands, wanted, None, number, "experience")
    for band in bands:
        if band is not None and band not in {b.key for b in framework.bands}:
            raise ConventionInputError(number, "experience", "tranche connue",
                                       f"tranche {band!r} inconnue pour la {framework.label} "
                                       f"({', '.join(b.key for b in framework.bands)})")
    return [EigSlot(rank, profile, quotite, band) for rank, (profile, quotite, band)
            in enumerate(zip(per_eig, quotites, bands, strict=True), start=1)]


def _per_eig(values: Sequence[Any] | None, wanted: int, default: Any, number: int,
             name: str) -> list[Any]:
    if not values:
        return [default] * wanted
    if len(values) == 1:
        return list(values) * wanted
    if len(values) != wanted:
        raise ConventionInputError(number, name, "une valeur par EIG",
                                   f"{len(values)} valeurs pour {wanted} EIG")
    return list(values)


def convention_content(laureat: Laureat, framework: Framework, overrides: Overrides,
                       settings: DraftSettings, numero: str) -> dict[str, Any]:
    """The draft's context, every figure computed; raises ConventionInputError."""
    fields, number = laureat.fields, laureat.number
    for name in ("administration", "intitule", "porteur"):
        if not str(fields.get(name) or "").strip():
            raise ConventionInputError(number, name, "obligatoire", "champ vide")
    slots = eig_slots(number, fields, framework, overrides)
    months = overrides.duration_months or framework.duration_months
    if months <= 0:
        raise ConventionInputError(number, "duree_mois", "positive", f"{months} mois")
    try:
        annex = financial_annex(framework, slots, months)
    except QuotiteError as exc:
        raise ConventionInputError(number, "quotite", "quotité du cadre", str(exc)) from None
    start = overrides.start or start_date(laureat.decided_on,
                                          settings.promotion_start.get(framework.kind),
                                          settings.start_delay_months)
    location = str(fields.get("localisation") or "")
    return {
        "numero": numero, "dossier": number,
        "type": framework.kind, "type_libelle": framework.label, "cadre": framework.cadre,
        "dinum": dict(settings.dinum),
        "administration": {
            "nom": str(fields["administration"]), "ministere": str(fields.get("ministere") or ""),
            "porteur": str(fields["porteur"]), "email": str(fields.get("email") or ""),
            "signataire": signatory(fields, overrides), "localisation": location},
        "employeur": framework.employer, "employeur_libelle": EMPLOYER_LABELS[framework.employer],
        "contrat": {"libelle": _contract_label(framework, months, slots)},
        "sponsor": str(fields.get("sponsor") or ""),
        "coach": overrides.coach or settings.default_coach,
        "equipe": [{"nom": str(row.get("nom") or ""), "role": str(row.get("role") or ""),
                    "email": str(row.get("email") or "")}
                   for row in fields.get("equipe") or [] if isinstance(row, Mapping)],
        "mission": {"intitule": str(fields["intitule"]), "theme": str(fields.get("theme") or ""),
                    "paragraphes": paragraphs(fields.get("description")),
                    "objectif": " ".join(paragraphs(fields.get("probleme_actionnable"))),
                    "localisation": location},
        "eig": [{"rang": line.rank, "profil": line.profile, "quotite": line.quotite,
                 "quotite_libelle": quotite_label(line.quotite),
                 "experience_libelle": "à déterminer au recrutement" if line.assumed
                 else line.band.label} for line in annex.lines],
        "dates": {"debut": start, "fin": end_date(start, months), "duree_mois": months,
                  "renouvelable": framework.renewable,
                  "renouvellement": _renewal_text(framework, months)},
        "decision": {"comite": laureat.committee, "date": laureat.decided_on},
        "annexe": annex_context(annex),
    }


def signatory(fields: Mapping[str, Any], overrides: Overrides) -> str:
    """Who signs for the administration: the operator's word, else the dossier's
    ``signataire``; empty when unknown (the draft leaves a marked blank). Never the
    porteur, who leads the project but does not commit the administration."""
    return (overrides.signatory or str(fields.get("signataire") or "")).strip()


def annex_context(annex: Annex) -> dict[str, Any]:
    framework = annex.framework
    assumed = any(line.assumed for line in annex.lines)
    return {
        "lignes": [{
            "rang": line.rank, "profil": line.profile, "tranche_libelle": line.band.label,
            "hypothese": line.assumed, "quotite_libelle": quotite_label(line.quotite),
            "net_mensuel_plein": line.monthly_net_full, "net_mensuel": line.monthly_net,
            "mois": line.months, "net_fixe": line.fixed_net, "taux_variable": line.variable_rate,
            "part_variable": line.variable, "net_total": line.total_net,
            "cout_employeur": line.employer_cost, "part_dinum": line.dinum_part,
            "part_administration": line.administration_part} for line in annex.lines],
        "totaux": {"net_fixe": annex.totals.fixed_net, "part_variable": annex.totals.variable,
                   "net_total": annex.totals.total_net,
                   "cout_employeur": annex.totals.employer_cost,
                   "part_dinum": annex.totals.dinum_part,
                   "part_administration": annex.totals.administration_part},
        "grille": [{"tranche_libelle": band.label, "net_mensuel": band.monthly_net,
                    "taux_variable": band.variable_rate} for band in framework.bands],
        "taux_cout_employeur": framework.employer_cost_rate,
        "taux_part_dinum": framework.dinum_share,
        "a_confirmer": list(annex.to_confirm),
        "hypothese": "L'expérience des EIG n'étant connue qu'au recrutement, les montants "
                     "sont calculés sur la tranche la plus haute (plafond)." if assumed else "",
    }


def paragraphs(text: Any) -> list[str]:
    """A free-text answer as paragraphs (blank lines separate them; single newlines join)."""
    blocks = str(text or "").replace("\r\n", "\n").split("\n\n")
    return [" ".join(line.strip() for line in block.splitlines() if line.strip())
            for block in blocks if block.strip()]


def _contract_label(framework: Framework, months: int, slots: list[EigSlot]) -> str:
    quotites = " ou ".join(dict.fromkeys(quotite_label(s.quotite) for s in slots))
    if framework.employer == "administration":
        return (f"agent contractuel de l'administration, contrat à durée déterminée de "
                f"{months} mois à {quotites}")
    return (f"agent contractuel de la DINUM, contrat de projet d'une durée de {months} mois"
            f"{', renouvelable' if framework.renewable else ''}, à {quotites}")


def _renewal_text(framework: Framework, months: int) -> str:
    if framework.renewable:
        return (f"La convention peut être renouvelée pour {months} mois par avenant, d'un "
                "commun accord, au vu du bilan de la mission.")
    return "La convention n'est pas renouvelable ; elle prend fin au terme du contrat."


def content_digest(content: Mapping[str, Any]) -> str:
    """SHA-256 of the content as canonical JSON: equal content, equal digest."""
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False,
                                     separators=(",", ":"), default=str).encode()).hexdigest()


def convention_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:04d}"


DATE_KEYS = frozenset({"debut", "fin", "date"})
MONEY_KEYS = frozenset({
    "quotite", "net_mensuel_plein", "net_mensuel", "net_fixe", "taux_variable",
    "part_variable", "net_total", "cout_employeur", "part_dinum", "part_administration",
    "taux_cout_employeur", "taux_part_dinum"})


def content_to_json(content: Mapping[str, Any]) -> dict[str, Any]:
    """The content as JSON-safe data (dates ISO, decimals as strings), for the store."""
    return json.loads(json.dumps(content, default=str))


def content_from_json(data: Any, key: str | None = None) -> Any:
    """The stored content with its dates and decimals back (for templates)."""
    if isinstance(data, dict):
        return {k: content_from_json(v, k) for k, v in data.items()}
    if isinstance(data, list):
        return [content_from_json(v, key) for v in data]
    if isinstance(data, str) and key in DATE_KEYS:
        return date.fromisoformat(data)
    if isinstance(data, str) and key in MONEY_KEYS:
        return Decimal(data)
    return data
