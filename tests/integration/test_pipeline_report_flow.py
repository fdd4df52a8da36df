"""pipeline-report on a store the flows built: the late dossier, the next committee and
whom it will see, the charts, and the team's email on Mondays, once a week."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from flows.pipeline_report import PipelineReportParameters, pipeline_report
from flows.runtime import use_clock
from models.tables import Effect
from tests.integration import test_deliberate_flow as committee_world
from tests.integration.chase_helpers import attachments, effect_key, text_of
from tests.integration.delivery_helpers import deliver_all

# four projets deposited on 23 November, three evaluated three times on 3 December
clock, sandbox, scored = committee_world.clock, committee_world.sandbox, committee_world.scored

MONDAY = datetime(2026, 12, 21, 6, 0, tzinfo=UTC)  # 7 h in Paris
TUESDAY = datetime(2026, 12, 22, 6, 0, tzinfo=UTC)
NEXT_MONDAY = datetime(2026, 12, 28, 6, 0, tzinfo=UTC)


def report_keys(store) -> list[str]:
    with store.sessions() as session:
        return list(session.scalars(select(Effect.key).where(
            Effect.key.like("mail:pipeline-report:%")).order_by(Effect.id)))


@pytest.mark.both_dialects
def test_the_report_finds_the_late_dossier_and_emails_the_team_once_a_week(
        scored, store, clock, smtp_server):
    excellent, good, weak, pending = scored
    clock.current = MONDAY
    with use_clock(clock):
        monday = pipeline_report()
        again = pipeline_report()
    # 27 days and 22 hours since its dépôt, two evaluations of three: 6,9 days late
    assert monday["late_dossiers"] == [["projets", pending, 0]]
    assert monday["open"] == 4 and "1 en retard" in monday["headline"]
    committee = monday["committees"]["projets"]
    assert committee["date"] == "2027-01-05T08:00:00+00:00"  # the first Tuesday, 9 h
    assert committee["ready"] == sorted([excellent, good, weak])
    assert monday["email"] == {"due": True, "recorded": True,
                               "key": "mail:pipeline-report:2026-W52"}
    assert again["email"]["recorded"] is False and "déjà envoyé" in again["headline"]
    for path in monday["charts"].values():
        assert Path(path).read_bytes().startswith(b"\x89PNG")

    with use_clock(clock):
        deliver_all()
    box = smtp_server.mailbox
    [message] = [m for m in map(box.message, box.keys())
                 if effect_key(m).startswith("mail:pipeline-report:")]
    assert effect_key(message) == "mail:pipeline-report:2026-W52"
    assert "1 dossier en retard" in str(message["Subject"])
    assert f"dossier n° {pending}" in text_of(message)
    assert sorted(attachments(message)) == [
        "pipeline-2026-12-21-cascade.png", "pipeline-2026-12-21-delais.png",
        "pipeline-2026-12-21-entonnoir.png"]

    clock.current = TUESDAY
    with use_clock(clock):
        tuesday = pipeline_report()
        forced = pipeline_report(PipelineReportParameters(email="toujours"))
    assert tuesday["email"]["due"] is False and tuesday["email"]["recorded"] is False
    assert forced["email"]["due"] is True and forced["email"]["recorded"] is False
    clock.current = NEXT_MONDAY
    with use_clock(clock):
        pipeline_report(PipelineReportParameters(email="jamais"))
        assert report_keys(store) == ["mail:pipeline-report:2026-W52"]
        pipeline_report()
    assert report_keys(store) == ["mail:pipeline-report:2026-W52",
                                  "mail:pipeline-report:2026-W53"]
