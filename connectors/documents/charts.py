"""Charts as PNG bytes (matplotlib, no display): the score distributions of a track."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence


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
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()
