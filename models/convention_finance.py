"""The financial annex of a convention: pay by experience band, quotité, duration and
variable part, per EIG and for the whole convention.

Money is ``Decimal`` rounded to the cent (half up) at each line, so the totals are the
sums of what the annex shows. Figures the programme has not fixed (employer cost, the
co-financing share, the band boundary) come from configuration and are listed in
``Annex.to_confirm`` so the draft marks them "à confirmer".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from models.french import nombre_fr, pourcentage

ConventionKind = Literal["budgetaire", "partenariat"]
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PayBand:
    """Net monthly pay at full time for an experience band; ``below_years`` is the band's
    upper bound (None: no bound, the highest band)."""

    key: str
    label: str
    monthly_net: Decimal
    variable_rate: Decimal = Decimal(0)
    below_years: int | None = None


@dataclass(frozen=True)
class Framework:
    """One of the two conventions, with its figures."""

    kind: ConventionKind
    label: str
    cadre: str
    employer: Literal["administration", "dinum"]
    duration_months: int
    renewable: bool
    quotites: tuple[Decimal, ...]
    bands: tuple[PayBand, ...]
    employer_cost_rate: Decimal
    dinum_share: Decimal | None = None
    employer_cost_confirmed: bool = False
    dinum_share_confirmed: bool = False
    boundary_confirmed: bool = False

    def band(self, key: str | None) -> PayBand:
        """The band of that key; None (experience unknown) gives the highest band."""
        if key is None:
            return self.bands[-1]
        for band in self.bands:
            if band.key == key:
                return band
        raise KeyError(f"{self.kind}: no experience band {key!r} "
                       f"(bands: {', '.join(b.key for b in self.bands)})")

    def band_for_years(self, years: int) -> PayBand:
        for band in self.bands:
            if band.below_years is None or years < band.below_years:
                return band
        return self.bands[-1]


@dataclass(frozen=True)
class EigSlot:
    """One EIG wanted: profile, quotité (1 or 0.8) and experience band (None: unknown)."""

    rank: int
    profile: str
    quotite: Decimal = Decimal(1)
    band: str | None = None


@dataclass(frozen=True)
class AnnexLine:
    rank: int
    profile: str
    band: PayBand
    assumed: bool  # experience unknown: costed at the highest band
    quotite: Decimal
    monthly_net_full: Decimal
    monthly_net: Decimal
    months: int
    fixed_net: Decimal
    variable_rate: Decimal
    variable: Decimal
    total_net: Decimal
    employer_cost: Decimal
    dinum_part: Decimal | None
    administration_part: Decimal | None


@dataclass(frozen=True)
class AnnexTotals:
    fixed_net: Decimal
    variable: Decimal
    total_net: Decimal
    employer_cost: Decimal
    dinum_part: Decimal | None
    administration_part: Decimal | None


@dataclass(frozen=True)
class Annex:
    framework: Framework
    lines: tuple[AnnexLine, ...]
    totals: AnnexTotals
    to_confirm: tuple[str, ...]


class QuotiteError(ValueError):
    """A quotité the framework does not allow (the convention budgétaire is full time)."""


def annex_line(framework: Framework, slot: EigSlot, months: int) -> AnnexLine:
    """One EIG's figures over ``months``: net pay at the quotité, the variable part as a
    share of the fixed net, the employer cost, and the co-financing split if any."""
    if slot.quotite not in framework.quotites:
        allowed = " ou ".join(quotite_label(q) for q in framework.quotites)
        raise QuotiteError(f"{framework.label} : quotité {quotite_label(slot.quotite)} "
                           f"non prévue (autorisée : {allowed})")
    band = framework.band(slot.band)
    monthly = cents(band.monthly_net * slot.quotite)
    fixed = monthly * months
    variable = cents(fixed * band.variable_rate)
    total = fixed + variable
    cost = cents(total * framework.employer_cost_rate)
    dinum = cents(cost * framework.dinum_share) if framework.dinum_share is not None else None
    return AnnexLine(
        rank=slot.rank, profile=slot.profile, band=band, assumed=slot.band is None,
        quotite=slot.quotite, monthly_net_full=band.monthly_net, monthly_net=monthly,
        months=months, fixed_net=fixed, variable_rate=band.variable_rate, variable=variable,
        total_net=total, employer_cost=cost, dinum_part=dinum,
        administration_part=cost - dinum if dinum is not None else None)


def financial_annex(framework: Framework, slots: list[EigSlot], months: int) -> Annex:
    lines = tuple(annex_line(framework, slot, months) for slot in slots)
    split = framework.dinum_share is not None
    totals = AnnexTotals(
        fixed_net=sum((line.fixed_net for line in lines), Decimal(0)),
        variable=sum((line.variable for line in lines), Decimal(0)),
        total_net=sum((line.total_net for line in lines), Decimal(0)),
        employer_cost=sum((line.employer_cost for line in lines), Decimal(0)),
        dinum_part=sum((line.dinum_part or Decimal(0) for line in lines), Decimal(0))
        if split else None,
        administration_part=sum((line.administration_part or Decimal(0) for line in lines),
                                Decimal(0)) if split else None)
    return Annex(framework, lines, totals, to_confirm(framework))


def to_confirm(framework: Framework) -> tuple[str, ...]:
    """The configured figures the programme has not fixed, as the draft words them."""
    notes = []
    if not framework.employer_cost_confirmed:
        notes.append(f"coût employeur estimé à {_ratio(framework.employer_cost_rate)} fois "
                     "la rémunération nette (charges et cotisations)")
    if framework.dinum_share is not None and not framework.dinum_share_confirmed:
        notes.append(f"part cofinancée par la DINUM : {_percent(framework.dinum_share)} du "
                     "coût employeur")
    if not framework.boundary_confirmed:
        bounds = [b for b in framework.bands if b.below_years is not None]
        if bounds:
            notes.append("limite entre tranches d'expérience : " + ", ".join(
                f"{b.below_years} ans d'expérience" for b in bounds))
    return tuple(notes)


QUOTITES = {"temps plein": Decimal(1), "4/5": Decimal("0.8")}
"""The quotités a mission or a convention may name, as fractions of a full time."""


def quotite_label(quotite: Decimal) -> str:
    if quotite == 1:
        return "temps plein"
    if quotite == Decimal("0.8"):
        return "4/5"
    return f"{_percent(quotite)}"


def contract_terms(kind: str, framework: Framework, years: int | None,
                   quotite: str) -> dict[str, Any]:
    """The figures of a retained candidate's contract (JSON-able, stored with the
    placement): the framework, the pay band of their years of experience (the highest
    band when unknown), the net monthly pay at the mission's ``quotite`` (a key of
    ``QUOTITES``).

    What the programme has not fixed yet is for the programme team, never for the
    candidate: ``a_confirmer`` lists it (employer cost, co-financing, band boundary,
    an unforeseen quotité); ``indicatif`` says only whether the candidate's own pay may
    still change (their band or quotité is not settled), which is all they are told."""
    band = framework.band_for_years(years) if years is not None else framework.bands[-1]
    share = QUOTITES[quotite]
    notes = list(to_confirm(framework))
    foreseen = share in framework.quotites
    if not foreseen:
        notes.append(f"quotité {quotite} non prévue par la {framework.label}")
    bounded = any(b.below_years is not None for b in framework.bands)
    return {"type": kind, "type_libelle": framework.label, "cadre": framework.cadre,
            "net_mensuel": str(cents(band.monthly_net * share)),
            "taux_variable": str(band.variable_rate), "duree_mois": framework.duration_months,
            "quotite_libelle": quotite_label(share), "tranche": band.label,
            "a_confirmer": notes,
            "indicatif": years is None or not foreseen
            or (bounded and not framework.boundary_confirmed)}


def _ratio(value: Decimal) -> str:
    return nombre_fr(value, 3).rstrip("0").rstrip(",")


def _percent(value: Decimal) -> str:
    return pourcentage(value)
