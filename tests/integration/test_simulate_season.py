"""simulate-season end to end: a short season of the real flows on the DS sandbox, its
report's files consistent with its store, and two variants side by side."""

from __future__ import annotations

import csv
import statistics
from datetime import datetime
from pathlib import Path

import pytest

from eig.season_flow import SimulationParameters, comparison_rows, simulate_season
from models.paris_time import PARIS
from models.pipeline_delays import Step, days_between

SHORT = dict(weeks=3, projects_per_week=4, campaign_size=6, roster=30, capacity=6,
             missions=False, seed=3)


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _moment(text: str) -> datetime | None:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=PARIS) if text else None


@pytest.mark.xdist_group("simulation")
def test_a_short_season_and_its_report(tmp_path: Path):
    summary = simulate_season(SimulationParameters(**SHORT, sortie=str(tmp_path),
                                                   variantes=["roster=20,capacity=4"]))
    assert set(summary["variants"]) == {"De base", "Variante 1 (roster=20,capacity=4)"}
    report = summary["report"]
    files = {name: Path(path) for name, path in summary["variants"]["De base"]["files"].items()}
    for name in ("courbes", "cascade", "entonnoir"):
        assert files[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert files["csv"].read_bytes()[:3] == b"\xef\xbb\xbf"  # a BOM, for French spreadsheets
    rows = _read(files["csv"])
    filed = report.run.arrivals["projets"] + report.run.arrivals["candidats"]
    dossiers = [r for r in rows if r["Parcours"] in ("Projets", "Candidatures")]
    assert len(dossiers) == filed > 0  # every dossier filed in DS, one row each
    # the median présélection delay is the one the CSV's dates give
    measured = next(m for m in report.measures
                    if m.target.track == "projets" and m.target.end == Step.PRESELECTION)
    delays = [days_between(_moment(r["Dépôt"]), _moment(r["Présélection (triple évaluation)"]))
              for r in dossiers if r["Parcours"] == "Projets"
              and r["Présélection (triple évaluation)"]]
    assert measured.done == len(delays) > 0
    assert measured.p50 == pytest.approx(statistics.median(delays), abs=0.003)
    assert report.run.reactions["answer"] > 0
    assert "Saison simulée" in files["resume"].read_text(encoding="utf-8")
    # the variant, side by side: one column per season
    compared = comparison_rows(summary["reports"])
    assert set(compared[0]) == {"Indicateur", "De base", "Variante 1 (roster=20,capacity=4)"}
    assert (tmp_path / "roster=20_capacity=4" / "dossiers-dates.csv").exists()
