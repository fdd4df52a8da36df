"""Helpers for tests and benchmarks that drive the sandbox: a settable clock, and the
client's query documents with the fragments they use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from graphql import FragmentDefinitionNode, FragmentSpreadNode, Node, parse, print_ast, visit
from graphql.language import Visitor

QUERIES_DIR = Path(__file__).resolve().parent.parent / "ds" / "queries"


@dataclass
class FakeClock:
    """A clock for ``SandboxState(now=...)`` that only moves when told to."""

    current: datetime = field(default_factory=lambda: datetime(2026, 1, 15, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


def _spreads(node: Node) -> set[str]:
    names: set[str] = set()

    class Collect(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
            names.add(spread.name.value)

    visit(node, Collect())
    return names


def with_fragments(document: str, fragments: str) -> str:
    """``document`` plus the fragments it uses, transitively (graphql rejects unused ones)."""
    available = {d.name.value: d for d in parse(fragments).definitions
                 if isinstance(d, FragmentDefinitionNode)}
    needed: set[str] = set()
    pending = _spreads(parse(document))
    while pending:
        name = pending.pop()
        if name in needed:
            continue
        needed.add(name)
        pending |= _spreads(available[name])
    return "\n\n".join([document, *(print_ast(available[n]) for n in sorted(needed))])


def query_document(name: str, queries_dir: Path = QUERIES_DIR) -> str:
    """The client's document ``<name>.graphql`` ready to send (fragments appended)."""
    fragments = (queries_dir / "fragments.graphql").read_text(encoding="utf-8")
    return with_fragments((queries_dir / f"{name}.graphql").read_text(encoding="utf-8"),
                          fragments)
