"""The sweep: the smallest roster whose season holds the promises, by bisection."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import eig.season_flow as season_flow
from models.season import SeasonParameters


def test_sweep_finds_the_smallest_roster_that_holds(monkeypatch, tmp_path: Path):
    seen: list[int] = []

    def fake_run(params: SeasonParameters, folder: Path, echo) -> SimpleNamespace:
        seen.append(params.roster)
        return SimpleNamespace(verdict=SimpleNamespace(holds=params.roster >= 97))

    monkeypatch.setattr(season_flow, "run_variant", fake_run)
    smallest, runs = season_flow.sweep(SeasonParameters(), "roster", 40, 160, tmp_path,
                                       lambda _: None)
    assert smallest == 97 and seen[0] == 160 and len(seen) <= 9
    assert season_flow.sweep(SeasonParameters(), "roster", 40, 90, tmp_path,
                             lambda _: None)[0] is None
