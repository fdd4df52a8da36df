"""The financial annex against a table computed by hand, for each kind, experience band
and quotité, with the figures of config/eig.yaml (employer cost 1.85 × net, DINUM
co-finances 50 % of a convention budgétaire)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from models.convention_finance import (
    EigSlot,
    PayBand,
    QuotiteError,
    contract_terms,
    financial_annex,
)
from settings.config import load_config
from settings.environment import PROJECT_ROOT


@pytest.fixture(scope="module")
def frameworks():
    config = load_config(PROJECT_ROOT / "config" / "eig.yaml").conventions
    return {kind: f.framework(kind) for kind, f in config.frameworks.items()}


# kind, band, quotité → monthly net, fixed net, variable, total net, employer cost, DINUM part
HAND_COMPUTED = [
    ("budgetaire", "moins-5-ans", "1", "3500.00", "35000.00", "0.00", "35000.00",
     "64750.00", "32375.00"),
    ("budgetaire", "plus-5-ans", "1", "4000.00", "40000.00", "0.00", "40000.00",
     "74000.00", "37000.00"),
    ("partenariat", "moins-10-ans", "1", "4250.00", "51000.00", "3060.00", "54060.00",
     "100011.00", None),
    ("partenariat", "moins-10-ans", "0.8", "3400.00", "40800.00", "2448.00", "43248.00",
     "80008.80", None),
    ("partenariat", "plus-10-ans", "1", "5000.00", "60000.00", "6000.00", "66000.00",
     "122100.00", None),
    ("partenariat", "plus-10-ans", "0.8", "4000.00", "48000.00", "4800.00", "52800.00",
     "97680.00", None),
]


@pytest.mark.parametrize(("kind", "band", "quotite", "monthly", "fixed", "variable", "total",
                          "cost", "dinum"), HAND_COMPUTED)
def test_each_kind_band_and_quotite_matches_the_hand_computed_table(
        frameworks, kind, band, quotite, monthly, fixed, variable, total, cost, dinum):
    framework = frameworks[kind]
    annex = financial_annex(framework, [EigSlot(1, "designer", D(quotite), band)],
                            framework.duration_months)
    line = annex.lines[0]
    assert line.months == (10 if kind == "budgetaire" else 12)
    assert (line.monthly_net, line.fixed_net, line.variable, line.total_net,
            line.employer_cost) == (D(monthly), D(fixed), D(variable), D(total), D(cost))
    if dinum is None:
        assert line.dinum_part is None and annex.totals.dinum_part is None
    else:
        assert line.dinum_part == D(dinum)
        assert line.administration_part == D(cost) - D(dinum)


def test_a_two_eig_convention_totals_its_lines(frameworks):
    framework = frameworks["partenariat"]
    annex = financial_annex(framework, [EigSlot(1, "designer", D(1), "moins-10-ans"),
                                        EigSlot(2, "data", D("0.8"), "plus-10-ans")], 12)
    totals = annex.totals
    assert totals.fixed_net == D("99000.00")        # 51 000 + 48 000
    assert totals.variable == D("7860.00")          # 3 060 + 4 800
    assert totals.total_net == D("106860.00")
    assert totals.employer_cost == D("197691.00")   # 100 011 + 97 680


def test_the_budgetaire_split_adds_up_over_two_eig(frameworks):
    annex = financial_annex(frameworks["budgetaire"], [
        EigSlot(1, "designer", D(1), "moins-5-ans"), EigSlot(2, "dev", D(1), "plus-5-ans")], 10)
    assert annex.totals.employer_cost == D("138750.00")
    assert annex.totals.dinum_part == D("69375.00")
    assert annex.totals.dinum_part + annex.totals.administration_part == D("138750.00")


def test_an_unknown_experience_is_costed_at_the_highest_band(frameworks):
    line = financial_annex(frameworks["partenariat"], [EigSlot(1, "designer")], 12).lines[0]
    assert line.assumed and line.band.key == "plus-10-ans"
    assert line.total_net == D("66000.00")


def test_the_convention_budgetaire_is_full_time_only(frameworks):
    with pytest.raises(QuotiteError, match="4/5 non prévue"):
        financial_annex(frameworks["budgetaire"], [EigSlot(1, "designer", D("0.8"))], 10)


def test_cents_are_rounded_half_up_on_each_line(frameworks):
    framework = frameworks["partenariat"]
    odd = type(framework)(**{**framework.__dict__, "employer_cost_rate": D("1.857"),
                             "bands": (PayBand("x", "x", D("4250"), D("0.06")),)})
    line = financial_annex(odd, [EigSlot(1, "designer", D("0.8"), "x")], 12).lines[0]
    assert line.employer_cost == D("80311.54")      # 43 248 × 1.857 = 80 311.536


def test_unfixed_figures_are_listed_to_confirm(frameworks):
    notes = financial_annex(frameworks["budgetaire"], [EigSlot(1, "d")], 10).to_confirm
    assert any("coût employeur" in n and "1,85" in n for n in notes)
    assert any("cofinancée par la DINUM : 50\u00a0%" in n for n in notes)
    assert any("5 ans d'expérience" in n for n in notes)
    confirmed = type(frameworks["budgetaire"])(**{
        **frameworks["budgetaire"].__dict__, "employer_cost_confirmed": True,
        "dinum_share_confirmed": True, "boundary_confirmed": True})
    assert financial_annex(confirmed, [EigSlot(1, "d")], 10).to_confirm == ()


def test_experience_years_pick_the_band(frameworks):
    framework = frameworks["partenariat"]
    assert framework.band_for_years(9).key == "moins-10-ans"
    assert framework.band_for_years(10).key == "plus-10-ans"


def test_a_retained_candidates_contract_terms(frameworks):
    terms = contract_terms("partenariat", frameworks["partenariat"], 12, "4/5")
    assert (terms["tranche"], terms["net_mensuel"], terms["quotite_libelle"]) == (
        frameworks["partenariat"].bands[-1].label, "4000.00", "4/5")
    assert terms["type"] == "partenariat" and terms["duree_mois"] > 0
    unknown = contract_terms("partenariat", frameworks["partenariat"], None, "temps plein")
    assert unknown["tranche"] == frameworks["partenariat"].bands[-1].label
    full_time_only = contract_terms("budgetaire", frameworks["budgetaire"], 2, "4/5")
    assert any("quotité 4/5 non prévue" in note for note in full_time_only["a_confirmer"])
    # the candidate's own pay: indicative while their band or quotité is unsettled
    assert unknown["indicatif"] and full_time_only["indicatif"]
    settled = replace(frameworks["partenariat"], boundary_confirmed=True)
    assert not contract_terms("partenariat", settled, 12, "4/5")["indicatif"]
    assert contract_terms("partenariat", frameworks["partenariat"], 12, "4/5")["indicatif"]
