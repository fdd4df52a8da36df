"""Charts as PNG bytes (matplotlib, no display): the score distributions of a track; the
pipeline's delays (cumulative curves, waterfall, funnel). The same chart gives the same
bytes (no date nor software in the PNG)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from models.french import compte, entier, nombre_fr, pourcentage
from models.pipeline_delays import Step, StepMeasure, step_label


def score_distributions_png(title: str, scores: Mapping[str, Sequence[int]], scale_min: int,
                            scale_max: int) -> bytes:
    """One small bar chart per criterion: how many evaluations gave each score.

    ``scores``: criterion label → every score given (valid evaluations of the track).
    A bare ``Figure`` on the Agg canvas with a fixed layout: no pyplot (its import and
    figure manager) and no tight_layout pass, a few times faster for the same chart.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = list(scores) or ["—"]
    columns = 3
    rows = (len(labels) + columns - 1) // columns
    height = 2.6 * rows + 0.5
    figure = Figure(figsize=(4 * columns, height))
    FigureCanvasAgg(figure)
    figure.subplots_adjust(left=0.05, right=0.98, bottom=0.8 / height, top=1 - 0.9 / height,
                           wspace=0.12, hspace=0.55)
    axes = figure.subplots(rows, columns, squeeze=False, sharey=True)
    values = list(range(scale_min, scale_max + 1))
    for index, axis in enumerate(axes.flat):
        if index >= len(labels):
            axis.set_visible(False)
            continue
        given = list(scores.get(labels[index], ()))
        counts = [given.count(v) for v in values]
        axis.bar(values, counts, color="#000091")
        axis.set_title(f"{labels[index]} (n = {len(given)})", fontsize=9)
        axis.set_xticks(values)
        axis.tick_params(labelsize=8)
    figure.suptitle(title, fontsize=11)
    return _png(figure)


# -- the delays of the pipeline (models.pipeline_delays) ------------------------------------

BLUE, LIGHT_BLUE, RED, GREY = "#000091", "#a9a9f5", "#e1000f", "#666666"
TRACK_TITLES = {"projets": "Projets", "candidats": "Candidatures", "missions": "Missions"}


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Any) -> bytes:
    """The figure as PNG, the same bytes for the same chart (no software nor date)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    return buffer.getvalue()


def _french_axis(axis: Any, which: str = "x", percent: bool = False) -> None:
    from matplotlib.ticker import FuncFormatter

    formatter = FuncFormatter(lambda v, _: pourcentage(v) if percent else nombre_fr(v))
    (axis.xaxis if which == "x" else axis.yaxis).set_major_formatter(formatter)


def _days(days: float) -> str:
    return compte(round(days), "jour")


def _title(measure: StepMeasure) -> str:
    track = TRACK_TITLES.get(measure.target.track, measure.target.track)
    return f"{track} — {measure.target.label} (n = {entier(measure.done)})"


def cumulative_delays(measures: Sequence[StepMeasure]) -> bytes:
    """One panel per step: the share of dossiers that made it within x days (a rising
    curve), the promised delay as a red vertical line."""
    shown = list(measures) or []
    columns = 3 if len(shown) > 2 else max(len(shown), 1)
    rows = max((len(shown) + columns - 1) // columns, 1)
    height = 2.9 * rows + 0.6
    figure = _figure(4.4 * columns, height)
    figure.subplots_adjust(left=0.07, right=0.98, bottom=0.75 / height,
                           top=1 - 0.75 / height, wspace=0.25, hspace=0.6)
    axes = figure.subplots(rows, columns, squeeze=False)
    for index, axis in enumerate(axes.flat):
        if index >= len(shown):
            axis.set_visible(False)
            continue
        measure = shown[index]
        days = list(measure.durations)
        if days:
            shares = [(i + 1) / len(days) for i in range(len(days))]
            axis.step([0.0, *days], [0.0, *shares], where="post", color=BLUE)
        else:
            axis.text(0.5, 0.5, "Aucun dossier n'a franchi l'étape", ha="center",
                      va="center", transform=axis.transAxes, fontsize=8, color=GREY)
        axis.axvline(measure.target.days, color=RED, linestyle="--", linewidth=1.2)
        axis.text(measure.target.days, 0.04, f" délai : {_days(measure.target.days)}",
                  color=RED, fontsize=7)
        axis.set_xlim(0, max([measure.target.days * 1.5, *days]) * 1.05)
        axis.set_ylim(0, 1.02)
        axis.set_title(_title(measure), fontsize=8.5)
        axis.set_xlabel("jours", fontsize=8)
        axis.tick_params(labelsize=7.5)
        _french_axis(axis, "x")
        _french_axis(axis, "y", percent=True)
        axis.grid(alpha=0.3)
    figure.suptitle("Délais par étape : part des dossiers ayant franchi l'étape en x jours",
                    fontsize=10.5)
    return _png(figure)


def waterfall(measures: Sequence[StepMeasure]) -> bytes:
    """Per track, its steps one after the other: each bar starts where the previous
    step's median ends; dark, the median (p50); light, the 90th percentile (p90); the red
    tick, the promised delay."""
    tracks = list(dict.fromkeys(m.target.track for m in measures)) or ["—"]
    height = sum(0.55 * max(sum(m.target.track == t for m in measures), 1) + 0.9
                 for t in tracks) + 0.8
    figure = _figure(10, height)
    figure.subplots_adjust(left=0.3, right=0.97, bottom=0.7 / height, top=1 - 0.6 / height,
                           hspace=0.9)
    ratios = [max(sum(m.target.track == t for m in measures), 1) for t in tracks]
    axes = figure.subplots(len(tracks), 1, squeeze=False, gridspec_kw={"height_ratios": ratios})
    for axis, track in zip(axes[:, 0], tracks, strict=True):
        steps = [m for m in measures if m.target.track == track]
        left = 0.0
        for row, measure in enumerate(steps):
            p50, p90 = measure.p50 or 0.0, measure.p90 or 0.0
            axis.barh(row, p90, left=left, color=LIGHT_BLUE, height=0.6)
            axis.barh(row, p50, left=left, color=BLUE, height=0.6)
            axis.plot([left + measure.target.days] * 2, [row - 0.4, row + 0.4], color=RED,
                      linewidth=2)
            said = ("aucune donnée" if measure.p50 is None else
                    f"médiane {nombre_fr(p50, 1)} j · {pourcentage(0.9)} en {nombre_fr(p90, 1)} j")
            axis.text(left + max(p90, measure.target.days) + 0.5, row, said, va="center",
                      fontsize=7.5)
            left += p50
        axis.set_yticks(range(len(steps)))
        axis.set_yticklabels([f"{m.target.label} ({_days(m.target.days)})"
                              for m in steps], fontsize=8)
        axis.invert_yaxis()
        axis.set_title(TRACK_TITLES.get(track, track), fontsize=9, loc="left")
        axis.set_xlabel("jours depuis l'entrée dans le parcours (médianes bout à bout)",
                        fontsize=7.5)
        axis.tick_params(axis="x", labelsize=7.5)
        _french_axis(axis, "x")
        axis.grid(axis="x", alpha=0.3)
        axis.set_xlim(0, max(axis.get_xlim()[1], 1) * 1.45)
    figure.suptitle(f"Délais : médiane (foncé), {pourcentage(0.9)} des dossiers (clair) ; en "
                    "rouge, le délai promis", fontsize=10)
    return _png(figure)


def funnel_chart(funnel: Mapping[str, Mapping[Step, int]]) -> bytes:
    """Per track, how many dossiers reached each step (a funnel, widest at the top)."""
    tracks = list(funnel) or ["—"]
    height = sum(0.45 * max(len(funnel.get(t, {})), 1) + 0.9 for t in tracks) + 0.6
    figure = _figure(8, height)
    figure.subplots_adjust(left=0.25, right=0.95, bottom=0.3 / height, top=1 - 0.6 / height,
                           hspace=0.8)
    ratios = [max(len(funnel.get(t, {})), 1) for t in tracks]
    axes = figure.subplots(len(tracks), 1, squeeze=False, gridspec_kw={"height_ratios": ratios})
    for axis, track in zip(axes[:, 0], tracks, strict=True):
        counts = funnel.get(track, {})
        widest = max(counts.values(), default=0) or 1
        for row, count in enumerate(counts.values()):
            axis.barh(row, count, left=(widest - count) / 2, color=BLUE, height=0.7)
            axis.text(widest / 2, row, entier(count), ha="center", va="center",
                      color="white" if count > widest * 0.15 else BLUE, fontsize=8,
                      fontweight="bold")
        axis.set_yticks(range(len(counts)))
        axis.set_yticklabels([step_label(track, s) for s in counts], fontsize=8)
        axis.invert_yaxis()
        axis.set_xticks([])
        axis.set_xlim(0, widest)
        for side in ("top", "right", "bottom"):
            axis.spines[side].set_visible(False)
        axis.set_title(TRACK_TITLES.get(track, track), fontsize=9, loc="left")
    figure.suptitle("Entonnoir : dossiers ayant atteint chaque étape", fontsize=10.5)
    return _png(figure)
