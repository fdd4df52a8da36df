"""The delay charts are valid PNGs, the same bytes for the same figures."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from PIL import Image

from connectors.documents.charts import cumulative_delays, funnel_chart, waterfall
from models.pipeline_delays import Step, Target, Timeline, funnel, measure

T0 = datetime(2026, 9, 1, tzinfo=UTC)
TARGETS = [Target("projets", Step.DEPOT, Step.PRESELECTION, 21, "Présélection (triple évaluation)"),
           Target("projets", Step.PRESELECTION, Step.AUDITION, 14, "Soutenance"),
           Target("projets", Step.AUDITION, Step.DECISION, 31, "Comité de sélection"),
           Target("missions", Step.MISSION_OUVERTE, Step.AUDITION, 21, "Entretien de mission")]


def timelines() -> list[Timeline]:
    found = []
    for n in range(40):
        d = {Step.DEPOT: T0, Step.PRESELECTION: T0 + timedelta(days=10 + n % 15),
             Step.AUDITION: T0 + timedelta(days=30 + n % 9) if n % 3 else None,
             Step.DECISION: T0 + timedelta(days=61) if n % 2 else None}
        found.append(Timeline("projets", n, d))
    return found


def png(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.verify()
    return image.size


def test_each_chart_is_a_png_and_the_same_twice():
    now = T0 + timedelta(days=70)
    measures = measure(timelines(), TARGETS, now)  # missions: no data at all
    counts = funnel(timelines())
    for draw, arg in ((cumulative_delays, measures), (waterfall, measures),
                      (funnel_chart, counts)):
        first = draw(arg)
        width, height = png(first)
        assert width > 300 and height > 150
        assert draw(arg) == first
        assert b"Matplotlib" not in first  # no software version in the file


def test_charts_without_any_data():
    for data in (cumulative_delays([]), waterfall([]), funnel_chart({})):
        png(data)
