"""Triple evaluation: optimal, explainable assignment of evaluators to dossiers.

Pure domain logic (no I/O): the flow builds `EvaluatorSpec`/`DossierSpec` from the
store, calls `check_capacity` then `solve`, and records the result; `replace`
handles an evaluator who drops out; `greedy` is the benchmark's baseline.
"""

from models.assignment.api import check_capacity, greedy, replace, solve
from models.assignment.eligibility import affinity, conflict_reason, pair_feasible
from models.assignment.specs import (
    DEFAULT_WEIGHTS,
    AssignmentResult,
    DossierSpec,
    EvaluatorSpec,
    Pick,
    Weights,
)

__all__ = [
    "DEFAULT_WEIGHTS",
    "Pick",
    "AssignmentResult",
    "DossierSpec",
    "EvaluatorSpec",
    "Weights",
    "affinity",
    "check_capacity",
    "conflict_reason",
    "greedy",
    "pair_feasible",
    "replace",
    "solve",
]
