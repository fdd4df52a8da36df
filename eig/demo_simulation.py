"""The demo's simulation chapter: a few weeks of the real pipeline on a sandbox of its own,
with evaluators who answer late, decline or never answer, and the report of its delays."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from settings.environment import PROJECT_ROOT

Echo = Any
DEMO_SEASON = dict(weeks=4, projects_per_week=4, campaign_size=8, roster=30, capacity=6,
                   missions=False, seed=42)


def simulation_story(echo: Echo) -> dict[str, bool]:
    from eig.season_flow import SimulationParameters, simulate_season
    from eig.season_report import summary_lines

    folder = PROJECT_ROOT / "var" / "demo" / "simulation"
    echo("\n== 34. Simuler une saison (eig simulate) : quatre semaines des vrais flows sur un "
         "bac à sable à part, des évaluateurs qui répondent, déclinent, tardent ou se taisent")
    summary = simulate_season(SimulationParameters(**DEMO_SEASON, sortie=str(folder)))
    report = summary["report"]
    for line in summary_lines(report):
        if line:
            echo(line)
    files = summary["variants"]["De base"]["files"]
    echo(f"Rapport : {Path(files['csv']).parent} (dossiers-dates.csv, delais-cumules.png, "
         "delais-par-etape.png, entonnoir.png, resume.md)")
    filed = report.run.arrivals["projets"] + report.run.arrivals["candidats"]
    rows = Path(files["csv"]).read_text(encoding="utf-8-sig").count("\n") - 1
    return {"une saison simulée avec les vrais flows mesure ses délais (rapport, CSV d'une "
            "ligne par dossier, graphiques)":
            filed > 0 and rows == filed and all(Path(p).exists() for p in files.values())}
