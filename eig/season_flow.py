"""simulate-season: a season of the real pipeline on the DS sandbox, with its report;
variants side by side (``variantes``), or the smallest setting that holds the promises
(``balayage``). Everything lives in its output folder: the user's store is never read."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prefect import flow
from pydantic import Field

from eig.season import Season
from eig.season_report import SeasonReport, build_report, markdown, summary_lines
from flows.reporting import conclude, publish_markdown, publish_table
from models.french import compte, entier, nombre_fr, pourcentage
from models.pipeline_report import days_fr
from models.season import SeasonParameters, apply_variant, parse_sweep, parse_variant

Echo = Callable[[str], None]


class SimulationParameters(SeasonParameters):
    """Run form of simulate-season: the season, and what to compare."""

    variantes: list[str] = Field(default_factory=list, title="Variantes",
                                 description="Chacune « clé=valeur,… », par exemple "
                                 "roster=120,capacity=4,ladder=-3/1/4/5 ; même graine.")
    balayage: str | None = Field(default=None, title="Balayage",
                                 description="« clé=min..max », par exemple roster=40..160 : "
                                 "le plus petit réglage qui tient les délais.")
    sortie: str | None = Field(default=None, title="Dossier de sortie",
                               description="Vide : un dossier temporaire.")

    def season(self) -> SeasonParameters:
        return SeasonParameters(**self.model_dump(include=set(SeasonParameters.model_fields)))


def run_variant(params: SeasonParameters, folder: Path, echo: Echo) -> SeasonReport:
    return build_report(Season(params, folder, echo=echo).run())


def sweep(base: SeasonParameters, key: str, low: int, high: int, folder: Path,
          echo: Echo) -> tuple[int | None, dict[int, SeasonReport]]:
    """The smallest ``key`` in [low, high] whose season holds the promises (bisection:
    assumes more is never worse), with every season run."""
    runs: dict[int, SeasonReport] = {}

    def holds(value: int) -> bool:
        if value not in runs:
            echo(f"Balayage : {key} = {value}")
            runs[value] = run_variant(apply_variant(base, {key: value}),
                                      folder / f"{key}-{value}", echo)
        return runs[value].verdict.holds

    if not holds(high):
        return None, runs
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return high, runs


COMPARED = (
    ("Triples évaluations des projets dans le délai", "triple_projets", "share"),
    ("Triples évaluations des candidatures dans le délai", "triple_candidats", "share"),
    ("95 % des projets présélectionnés en", "p95_projets", "days"),
    ("95 % des candidatures évaluées en", "p95_candidats", "days"),
    ("Projets décidés au premier comité", "first_committee", "pair"),
    ("Tâches par évaluateur et par mois (moyenne)", "load_mean", "number"),
    ("Tâches par évaluateur et par mois (max)", "load_max", "int"),
    ("Mois-évaluateurs au-delà de la capacité", "over_capacity", "share"),
    ("Les promesses tiennent", "holds", "bool"),
)


def comparison_rows(reports: dict[str, SeasonReport]) -> list[dict[str, Any]]:
    """One row per figure, one column per variant (the side-by-side view)."""
    figures = {name: report.figures() for name, report in reports.items()}
    rows = []
    for label, key, kind in COMPARED:
        row: dict[str, Any] = {"Indicateur": label}
        for name, values in figures.items():
            row[name] = _shown(values.get(key), kind)
        rows.append(row)
    return rows


def _shown(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "share":
        return pourcentage(round(value, 3))
    if kind == "days":
        return days_fr(value)
    if kind == "pair":
        return f"{entier(value[0])} sur {entier(value[1])}"
    if kind == "number":
        return nombre_fr(value, 1)
    if kind == "bool":
        return "oui" if value else "non"
    return entier(int(value))


def variant_name(text: str, index: int = 0) -> str:
    """A column's label: « De base », « Variante 1 (roster=120,capacity=4) »."""
    return f"Variante {index} ({text.replace('_', '-')})" if text else "De base"


def swept_name(key: str, value: int) -> str:
    name = key.replace("_", "-")
    return f"{name[:1].upper()}{name[1:]} = {value}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9=.-]+", "_", text.lower()).strip("_") or "base"


def simulate(params: SimulationParameters, echo: Echo) -> dict[str, Any]:
    """The season, its variants or its sweep; the report of each, compared."""
    folder = Path(params.sortie) if params.sortie else Path(
        tempfile.mkdtemp(prefix="eig-saison-"))
    base = params.season()
    reports: dict[str, SeasonReport] = {}
    smallest = None
    if params.balayage:
        key, low, high = parse_sweep(params.balayage)
        smallest, swept = sweep(base, key, low, high, folder, echo)
        reports = {swept_name(key, value): report for value, report in sorted(swept.items())}
    else:
        for index, text in enumerate(["", *params.variantes]):
            overrides = parse_variant(text) if text else {}
            name = variant_name(text, index)
            echo(f"Saison {name}…")
            reports[name] = run_variant(apply_variant(base, overrides), folder / _slug(text),
                                        echo)
    return {"folder": str(folder), "reports": reports, "smallest": smallest,
            "sweep": params.balayage}


def headline(outcome: dict[str, Any]) -> str:
    reports: dict[str, SeasonReport] = outcome["reports"]
    if outcome["sweep"]:
        key = outcome["sweep"].partition("=")[0]
        smallest = outcome["smallest"]
        return (f"Balayage {outcome['sweep']} : " + (
            f"le plus petit réglage qui tient les délais est {key} = {smallest}"
            if smallest is not None else "aucune valeur ne tient les délais")
            + f" ({compte(len(reports), 'saison simulée', 'saisons simulées')}).")
    first = next(iter(reports.values()))
    lines = summary_lines(first)
    return lines[-1] if len(reports) == 1 else (
        f"{compte(len(reports), 'variante comparée', 'variantes comparées')} : "
        + ", ".join(f"{name} {'tient' if r.verdict.holds else 'ne tient pas'}"
                    for name, r in reports.items()) + ".")


@flow(name="simulate-season", timeout_seconds=3600,
      description="Simule une saison avec les vrais flows sur le bac à sable DS (dépôts, "
      "évaluateurs, jury, comités) et mesure les délais promis ; compare des variantes ou "
      "cherche le plus petit vivier qui les tient.")
def simulate_season(params: SimulationParameters = SimulationParameters()  # noqa: B008 (frozen model)
                    ) -> dict[str, Any]:
    from prefect import get_run_logger

    logger = get_run_logger()
    outcome = simulate(params, logger.info)
    reports: dict[str, SeasonReport] = outcome["reports"]
    for name, report in reports.items():
        key = re.sub(r"[^a-z0-9]+", "-", f"simulate-season-{_slug(name)}")[:60].strip("-")
        publish_markdown(key, markdown(report))
    if len(reports) > 1:
        publish_table("simulate-season-variantes", comparison_rows(reports),
                      headline(outcome))
    return conclude({"folder": outcome["folder"], "smallest": outcome["smallest"],
                     "variants": {name: {"figures": r.figures(), "files": r.files,
                                         "advice": list(r.verdict.advice)}
                                  for name, r in reports.items()},
                     # the reports themselves, for the caller in this process (eig simulate)
                     "reports": reports, "report": next(iter(reports.values()))},
                    headline(outcome))
