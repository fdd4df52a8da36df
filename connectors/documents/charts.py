"""Charts as PNG bytes (matplotlib, no display): the score distributions of a track."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence


def score_distributions_png(title: str, scores: Mapping[str, Sequence[int]], scale_min: int,
                            scale_max: int) -> bytes:
    """One small bar chart per criterion: how many evaluations gave each score.

    ``scores``: criterion label → every score given (valid evaluations of the track).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = list(scores) or ["—"]
    columns = 3
    rows = (len(labels) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.6 * rows),
                                squeeze=False, sharey=True)
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
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return buffer.getvalue()
