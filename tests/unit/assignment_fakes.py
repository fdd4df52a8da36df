"""Small builders shared by the assignment tests."""

from models.assignment import EvaluatorSpec


def evaluator(email: str, organisation: str, **overrides) -> EvaluatorSpec:
    """An available evaluator of both tracks with 5 slots, unless told otherwise."""
    fields = dict(ministry=None, profiles=frozenset(), tracks=frozenset({"projets", "candidats"}),
                  senior=False, capacity=5, available=True)
    fields.update(overrides)
    return EvaluatorSpec(email=email, organisation=organisation, **fields)
