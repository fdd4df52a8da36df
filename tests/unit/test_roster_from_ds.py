"""Evaluators from a DS groupe instructeur: those not in the file get the defaults, and
every row is validated like a file row."""

import pytest

from models.roster import RosterValidationError, parse_roster
from models.roster_from_ds import rows_for_groupe

PROFILES = ["produit", "technique", "design", "data", "juridique"]
TRACKS = ["projets", "candidats"]


def test_instructeurs_absent_from_the_file_join_with_the_defaults():
    rows = rows_for_groupe(["ada.lovelace@dinum.example", "deja@vu.example"], "Jury 2026",
                           known={"deja@vu.example"}, first_line=14,
                           profiles=["technique"], tracks=["projets"], capacity=4)
    assert [line for line, _ in rows] == [14]
    [evaluator] = parse_roster(rows, allowed_profiles=PROFILES, allowed_tracks=TRACKS)
    assert (evaluator.email, evaluator.name) == ("ada.lovelace@dinum.example", "Ada Lovelace")
    assert evaluator.profiles == ("technique",) and evaluator.monthly_capacity == 4
    assert "Jury 2026" in evaluator.organisation


def test_bad_defaults_are_reported_with_their_line():
    rows = rows_for_groupe(["x@dinum.example"], "G", set(), 30, profiles=["magie"],
                           tracks=["projets"], capacity=2)
    with pytest.raises(RosterValidationError, match="ligne 30"):
        parse_roster(rows, allowed_profiles=PROFILES, allowed_tracks=TRACKS)
