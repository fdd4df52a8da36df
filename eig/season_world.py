"""The simulated season's world: a folder of its own (store, documents, configuration,
roster), the environment the flows read, a clock that only moves when told."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from eig.demo_roster import write_demo_roster
from eig.prefect_env import environment
from models.evaluator_behaviour import Absence
from models.season import SeasonParameters


@dataclass
class SeasonClock:
    """Simulated time: stands still until ``set`` moves it (never backwards). The
    sandbox and every flow read it; nothing depends on the wall clock."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = max(self.now, moment.astimezone(UTC))


def season_config(source: Path, params: SeasonParameters, folder: Path) -> Path:
    """The configuration of the run: the user's, with the simulation's overrides (due
    date, ladder) and the paces of DS and of the hearings' solver lifted (the sandbox is
    not DS; a quarter of a deterministic unit for the hearings' solver, run three times a
    week on a handful of new hearings each time)."""
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    raw["sync"]["requests_per_minute"] = 1_000_000
    raw["hearings"]["solver_time_limit_seconds"] = 0.25
    for track in ("projets", "candidats"):
        if params.due_days is not None:
            raw["tracks"][track]["due_days"] = params.due_days
    if params.ladder is not None:
        steps = raw["evaluation"]["ladder"]
        if len(params.ladder) != len(steps):
            raise ValueError(f"l'échelle de relance a {len(steps)} étapes "
                             f"({', '.join(s['name'] for s in steps)}) : "
                             f"{len(params.ladder)} jours donnés")
        for step, day in zip(steps, params.ladder, strict=True):
            step["days"] = day
    path = folder / "eig.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def season_roster(folder: Path, params: SeasonParameters,
                  absences: dict[str, tuple[Absence, ...]]) -> Path:
    """``params.roster`` synthetic evaluators (the demo's generator, in the format of
    config/evaluateurs.example.csv), with their declared absences."""
    path = write_demo_roster(folder / "evaluateurs.csv", params.roster, seed=params.seed,
                             capacity=params.capacity)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    rows[0].append("indisponibilites")
    for row in rows[1:]:
        row.append(";".join(f"{a}..{b}" for a, b in absences.get(row[0], ())))
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    return path


def roster_emails(params: SeasonParameters) -> list[str]:
    """The roster's addresses (as ``write_demo_roster`` names them)."""
    return [f"evaluateur{n:03d}@eig.example" for n in range(params.roster)]


@contextmanager
def season_environment(values: dict[str, str]) -> Iterator[None]:
    """The EIG_… variables of the run, restored afterwards (the user's store is never
    touched)."""
    with environment(values):
        yield
