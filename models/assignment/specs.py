"""Plain input and output data of the evaluator assignment (no I/O, no solver).

The flow builds the specs from the store; everything else in this package is a
function of these values only, so a run can be replayed from its inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROJECTS = "projets"
CANDIDATES = "candidats"


@dataclass(frozen=True)
class EvaluatorSpec:
    email: str  # identity
    organisation: str  # administration / employer, normalised lower-case
    ministry: str | None
    profiles: frozenset[str]  # e.g. {"produit", "design"}, {"technique", "data"}
    tracks: frozenset[str]  # {"projets", "candidats"}
    senior: bool  # former EIG, coach, jury member
    capacity: int  # slots left in the window (open assignments already deducted)
    available: bool  # over the evaluation window
    themes: frozenset[str] = frozenset()  # expertise
    ministries: frozenset[str] = frozenset()  # expertise
    conflict_organisations: frozenset[str] = frozenset()
    conflict_dossiers: frozenset[int] = frozenset()
    conflict_people: frozenset[str] = frozenset()  # names/emails, lower-case


@dataclass(frozen=True)
class DossierSpec:
    number: int
    track: str  # "projets" | "candidats"
    needed: int  # evaluators still to assign (k minus those it has)
    organisation: str | None = None  # projects: the administration; candidates: None
    ministry: str | None = None
    theme: str | None = None
    specialty_family: str | None = None  # candidates: "produit" | "technique"
    employer: str | None = None  # candidates: current employer (a conflict)
    people: frozenset[str] = frozenset()  # names/emails of people on the dossier
    assigned: frozenset[str] = frozenset()  # evaluators it already has (fixed, never moved)
    former: frozenset[str] = frozenset()  # who left it (declined, replaced): never asked again


@dataclass(frozen=True)
class Weights:
    """Objective weights: small integers so both solvers optimise the same exact value.

    The load cost is convex (as in HotCRP): the n-th assignment of an evaluator
    costs `load_step * (n - 1)`, so spreading work always beats piling it on
    someone, unless their expertise is worth more than the extra load.
    """

    theme: int = 3
    ministry: int = 2
    profile: int = 3
    load_step: int = 1


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Pick:
    """One evaluator picked for one dossier, and why (the stored row is
    ``models.tables.Assignment``)."""

    dossier: int
    evaluator: str
    affinity: int
    rank: int  # affinity rank among the dossier's feasible evaluators (1 = best)
    load_before: int  # the evaluator's load when this assignment is counted
    reasons: dict[str, Any] = field(default_factory=dict)


@dataclass
class AssignmentResult:
    assignments: list[Pick]
    alternates: dict[int, list[str]]
    unassigned: dict[int, str]
    solver: str  # "min_cost_flow" | "highs" | "mix_flow" | "greedy"
    objective: float
    input_hash: str
    seed: int
    # "OPTIMAL"; "GAP_OK" (within 0.05 % of the bound); "TIME_LIMIT" (improved, not
    # proven); "FLOW" (the exact model could not improve the flow's in time); "HEURISTIC".
    status: str = ""
    bound: float | None = None  # proven upper bound of the objective (same seats), if any
    gap: float | None = None  # (bound - objective) / max(1, |objective|)
