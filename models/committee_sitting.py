"""Who sat on a comité de sélection: its president, the members present, the quorum.

A decision of the committee is valid only when it sat with its quorum and was presided
by one of the members present; the relevé states all three and the approval is refused
otherwise (nothing is published).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sitting:
    """``members``: the committee as configured (empty: not configured, anyone named
    sits); ``present``: who the approval says was there."""

    president: str
    present: tuple[str, ...]
    members: tuple[str, ...]
    quorum: int

    @property
    def quorum_reached(self) -> bool:
        return len(set(self.present)) >= self.quorum


def sitting_problem(sitting: Sitting) -> str | None:
    """Why the sitting cannot decide, in one French sentence (None: it can)."""
    president = sitting.president.strip()
    if not president:
        return "la présidence de séance n'est pas renseignée"
    strangers = [p for p in sitting.present if sitting.members and p not in sitting.members]
    if strangers:
        return (f"{', '.join(strangers)} : pas {_plural(len(strangers), 'membre', 'membres')} "
                "du comité (config : deliberation.composition)")
    if not sitting.quorum_reached:
        n = len(set(sitting.present))
        return (f"quorum non atteint : {n} {_plural(n, 'membre présent', 'membres présents')}"
                f", {sitting.quorum} requis")
    if president not in sitting.present:
        return f"la présidence ({president}) doit être assurée par un membre présent"
    return None


def default_sitting(members: Sequence[str], quorum: int) -> Sitting:
    """Everyone present, the first member presiding: what the demo and tests approve with."""
    return Sitting(president=members[0] if members else "", present=tuple(members),
                   members=tuple(members), quorum=quorum)


def _plural(n: int, one: str, many: str) -> str:
    return one if n < 2 else many
