"""An evaluator who left a dossier (declined, or replaced when late) is never asked on it
again: a late one's form may still come in, and two forms of one evaluator for one
dossier stopped the scoring (found by the season simulation)."""

from __future__ import annotations

from models.assignment.eligibility import pair_feasible
from models.evaluation_inputs import dossier_spec
from tests.unit.assignment_fakes import evaluator


def test_a_former_evaluator_is_not_feasible_again():
    fields = {"administration": "Agence A", "ministere": "M", "theme": "santé"}
    late = evaluator("late@eval.example", "Agence B", tracks=frozenset({"projets"}))
    fresh = dossier_spec(7, "projets", fields, {}, 3, (), {})
    left = dossier_spec(7, "projets", fields, {}, 3, ["other@eval.example"], {},
                        former=["late@eval.example", "other@eval.example"])
    assert pair_feasible(late, fresh)
    assert not pair_feasible(late, left)
    assert left.former == frozenset({"late@eval.example"})  # the team is not "former"
    assert left.needed == 2  # who left does not count toward the three
