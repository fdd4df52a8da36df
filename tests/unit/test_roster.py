"""The evaluator roster: normalisation, every rule with its line and column, availability."""

from datetime import date

import pytest

from models.roster import (
    DateRange,
    Evaluator,
    RosterError,
    RosterValidationError,
    capacity_for,
    is_available,
    normalise_key,
    parse_roster,
    to_record,
)

PROFILES = ["produit", "technique", "design", "data", "juridique"]
TRACKS = ["projets", "candidats"]


def row(**overrides):
    base = {
        "courriel": "camille.martin@dinum.example",
        "nom": "Camille Martin",
        "organisation": "DINUM",
        "profils": "produit",
        "parcours": "projets",
        "capacite_mensuelle": "3",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def parse(*rows):
    return parse_roster(list(rows), allowed_profiles=PROFILES, allowed_tracks=TRACKS)


def errors_of(*rows) -> list[RosterError]:
    with pytest.raises(RosterValidationError) as caught:
        parse(*rows)
    return caught.value.errors


def where(errors):
    return [(e.line, e.field, e.rule) for e in errors]


def test_a_full_row_is_normalised_and_keeps_what_people_read():
    [ev] = parse((2, row(
        courriel="  Camille.MARTIN@Dinum.Example ",
        nom="Camille   Martin",
        organisation="Ministère de l'Intérieur",
        ministere="Ministère de l’Intérieur et des Outre-mer",
        profils="Produit | DESIGN;produit",
        parcours="candidats;projets",
        seniorite="ancien EIG|jury",
        capacite_mensuelle="4",
        indisponibilites="2027-02-10..2027-02-12;2026-12-20..2027-01-05;2027-03-01",
        thematiques="santé|accessibilité",
        conflits_organisations="ANCT|Agence nationale de la cohésion des territoires",
        conflits_dossiers="12034|12077",
        conflits_personnes="Élodie Rousseau|Lea.Petit@Education.example",
    )))
    assert ev.line == 2
    assert ev.email == "camille.martin@dinum.example"
    assert ev.name == "Camille Martin"
    assert ev.organisation == "Ministère de l'Intérieur"
    assert ev.organisation_key == "ministere de l interieur"
    assert ev.ministry_key == "ministere de l interieur et des outre mer"
    assert ev.profiles == ("produit", "design")  # the allowed spelling, deduplicated
    assert ev.tracks == ("candidats", "projets")
    assert ev.senior is True
    assert ev.seniority == ("ancien EIG", "jury")
    assert ev.monthly_capacity == 4
    assert ev.unavailable == (
        DateRange(date(2026, 12, 20), date(2027, 1, 5)),
        DateRange(date(2027, 2, 10), date(2027, 2, 12)),
        DateRange(date(2027, 3, 1), date(2027, 3, 1)),
    )
    assert ev.themes == ("santé", "accessibilité")
    assert ev.conflict_dossiers == (12034, 12077)
    assert ev.conflict_people == ("Élodie Rousseau", "Lea.Petit@Education.example")
    assert ev.conflict_people_keys == {"elodie rousseau", "lea.petit@education.example"}
    assert normalise_key("Agence Nationale de la Cohésion des Territoires") in (
        ev.conflict_organisation_keys)


def test_yaml_shaped_values_lists_ints_and_dates():
    [ev] = parse((9, row(
        profils=["technique", "data"], parcours=["candidats"], capacite_mensuelle=0,
        indisponibilites=[date(2027, 3, 1), {"debut": date(2027, 4, 1), "fin": "2027-04-03"}],
        conflits_dossiers=[12034],
    )))
    assert ev.profiles == ("technique", "data")
    assert ev.monthly_capacity == 0
    assert ev.unavailable == (DateRange(date(2027, 3, 1), date(2027, 3, 1)),
                              DateRange(date(2027, 4, 1), date(2027, 4, 3)))
    assert ev.conflict_dossiers == (12034,)


def test_no_seniority_label_means_not_senior_and_optional_columns_may_be_absent():
    [ev] = parse((2, row()))
    assert (ev.senior, ev.seniority, ev.ministry, ev.ministry_key) == (False, (), None, None)
    assert ev.unavailable == () and ev.conflict_organisation_keys == frozenset()


def test_column_names_are_matched_without_case_or_accents():
    raw = row()
    raw["Capacité mensuelle"] = raw.pop("capacite_mensuelle")
    raw["Ministère"] = "Ministère de la Culture"
    [ev] = parse((2, raw))
    assert ev.monthly_capacity == 3 and ev.ministry == "Ministère de la Culture"


def test_message_names_line_field_rule_and_value():
    [error] = errors_of((7, row(capacite_mensuelle="trois")))
    assert error == RosterError(7, "capacite_mensuelle", "integer",
                                "doit être un entier positif ou nul (reçu 'trois')")
    assert error.describe() == (
        "ligne 7, champ 'capacite_mensuelle' : doit être un entier positif ou nul (reçu 'trois')")


@pytest.mark.parametrize(
    ("overrides", "field", "rule", "seen"),
    [
        ({"courriel": "camille.martin@dinum"}, "courriel", "email", "camille.martin@dinum"),
        ({"courriel": "camille martin@dinum.example"}, "courriel", "email", "camille martin"),
        ({"courriel": "camille.martin.dinum.example"}, "courriel", "email", "martin.dinum"),
        ({"capacite_mensuelle": "-1"}, "capacite_mensuelle", "integer", "'-1'"),
        ({"capacite_mensuelle": -2}, "capacite_mensuelle", "integer", "-2"),
        ({"capacite_mensuelle": "2.5"}, "capacite_mensuelle", "integer", "2.5"),
        ({"capacite_mensuelle": True}, "capacite_mensuelle", "integer", "True"),
        ({"profils": "produit|ux"}, "profils", "allowed", "'ux'"),
        ({"parcours": "projets;vivier"}, "parcours", "allowed", "'vivier'"),
        ({"indisponibilites": "2027-01-05..2026-12-20"}, "indisponibilites", "range",
         "2027-01-05..2026-12-20"),
        ({"indisponibilites": "20/12/2026..05/01/2027"}, "indisponibilites", "date", "20/12"),
        ({"indisponibilites": "2026-12-20..2026-13-01"}, "indisponibilites", "date", "13-01"),
        ({"indisponibilites": "20261220"}, "indisponibilites", "date", "20261220"),
        ({"conflits_dossiers": "12034|douze"}, "conflits_dossiers", "integer", "douze"),
        ({"conflits_personnes": "jean@"}, "conflits_personnes", "email", "jean@"),
        ({"nom": None}, "nom", "required", "obligatoire"),
        ({"organisation": "  "}, "organisation", "required", "obligatoire"),
        ({"profils": " | "}, "profils", "required", "obligatoire"),
        ({"parcours": []}, "parcours", "required", "obligatoire"),
        ({"capacite": "3"}, "capacite", "unknown", "colonne inconnue"),
    ],
)
def test_each_bad_value_is_refused_with_its_line_and_column(overrides, field, rule, seen):
    errors = errors_of((2, row()), (5, row(**{"courriel": "autre@dinum.example", **overrides})))
    assert where(errors) == [(5, field, rule)]
    assert seen in errors[0].message


def test_unknown_profile_lists_the_allowed_ones():
    [error] = errors_of((4, row(profils="ux")))
    assert "data, design, juridique, produit, technique" in error.message


def test_duplicate_email_names_both_lines_whatever_the_case():
    errors = errors_of(
        (2, row()),
        (3, row(courriel="lea.petit@education.example")),
        (9, row(courriel="Camille.Martin@DINUM.example", nom="Autre")),
    )
    assert where(errors) == [(9, "courriel", "duplicate")]
    assert "ligne 2" in errors[0].message and errors[0].line == 9


def test_every_error_of_every_row_is_reported_at_once_and_nothing_is_returned():
    rows = [
        (2, row()),
        (3, row(courriel="pas-une-adresse", capacite_mensuelle="-3")),
        (4, row(courriel="b@x.example", profils="ux", parcours="vivier")),
        (5, row(courriel="c@x.example")),
        (6, row(courriel="c@x.example", indisponibilites="2027-02-12..2027-02-10")),
    ]
    with pytest.raises(RosterValidationError) as caught:
        parse(*rows)
    assert where(caught.value.errors) == [
        (3, "courriel", "email"),
        (3, "capacite_mensuelle", "integer"),
        (4, "profils", "allowed"),
        (4, "parcours", "allowed"),
        (6, "indisponibilites", "range"),
        (6, "courriel", "duplicate"),
    ]
    text = str(caught.value)
    assert "6 erreurs" in text and "aucun évaluateur importé" in text
    assert "- ligne 3, champ 'courriel' : adresse électronique invalide (reçu 'pas-une-adresse')" \
        in text.splitlines()


def test_an_empty_roster_is_empty():
    assert parse() == []


def evaluator(*ranges: tuple[date, date], capacity: int = 3) -> Evaluator:
    [ev] = parse((2, row(capacite_mensuelle=capacity,
                         indisponibilites=[f"{a}..{b}" for a, b in ranges])))
    return ev


@pytest.mark.parametrize(
    ("start", "end", "available"),
    [
        (date(2026, 12, 1), date(2026, 12, 19), True),   # ends the day before
        (date(2026, 12, 1), date(2026, 12, 20), False),  # touches the first day
        (date(2027, 1, 5), date(2027, 1, 20), False),    # touches the last day
        (date(2027, 1, 6), date(2027, 2, 9), True),      # between the two ranges
        (date(2026, 12, 24), date(2026, 12, 26), False),  # inside
        (date(2026, 11, 1), date(2027, 3, 1), False),    # around
        (date(2027, 2, 11), date(2027, 2, 11), False),   # one day, inside the second range
        (date(2027, 2, 13), date(2027, 3, 13), True),    # after everything
    ],
)
def test_availability_over_a_window(start, end, available):
    ev = evaluator((date(2026, 12, 20), date(2027, 1, 5)), (date(2027, 2, 10), date(2027, 2, 12)))
    assert is_available(ev, start, end) is available


def test_no_unavailability_means_always_available_and_a_reversed_window_is_a_bug():
    ev = evaluator()
    assert is_available(ev, date(2027, 1, 1), date(2027, 12, 31))
    with pytest.raises(ValueError):
        is_available(ev, date(2027, 2, 1), date(2027, 1, 1))


def test_capacity_left_never_goes_below_zero():
    ev = evaluator(capacity=3)
    assert [capacity_for(ev, n) for n in (0, 1, 3, 5)] == [3, 2, 0, 0]
    assert capacity_for(evaluator(capacity=0), 0) == 0
    with pytest.raises(ValueError):
        capacity_for(ev, -1)


def test_evaluator_is_frozen():
    ev = evaluator()
    with pytest.raises(AttributeError):
        ev.monthly_capacity = 10  # type: ignore[misc]


def test_record_is_json_ready_with_iso_ranges():
    import json

    [ev] = parse((3, row(seniorite="coach", indisponibilites="2027-02-10..2027-02-12",
                         conflits_dossiers="12034")))
    record = json.loads(json.dumps(to_record(ev)))
    assert record["unavailable"] == [["2027-02-10", "2027-02-12"]]
    assert record["conflict_dossiers"] == [12034]
    assert (record["email"], record["senior"], record["seniority"]) == (
        "camille.martin@dinum.example", True, ["coach"])
    assert record["monthly_capacity"] == 3 and record["line"] == 3
