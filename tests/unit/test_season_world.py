"""The season's world: committees from prefect.yaml's schedules, the configuration's
overrides, the operator who approves, the clock that only moves forward."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest
import yaml
from pydantic import Field

from eig.season import committee_schedule
from eig.season_actors import OPERATOR, Agenda, operator
from eig.season_world import SeasonClock, season_config
from flows.deliberate import CommitteeApproval
from models.paris_time import PARIS
from models.season import SeasonParameters
from settings.environment import PROJECT_ROOT


def test_committees_sit_on_their_deployments_cron_days():
    sittings = committee_schedule(date(2027, 1, 4), 182)
    projets = [at for at, track in sittings if track == "projets"]
    candidats = [at for at, track in sittings if track == "candidats"]
    # the first Tuesday of each month (of every other month for candidats), at 9:00
    assert [at.date() for at in projets] == [
        date(2027, 1, 5), date(2027, 2, 2), date(2027, 3, 2), date(2027, 4, 6),
        date(2027, 5, 4), date(2027, 6, 1)]
    assert all(at.hour == 9 and at.tzinfo == PARIS for at in projets)
    assert [at.date() for at in candidats] == [date(2027, 1, 5), date(2027, 3, 2),
                                               date(2027, 5, 4)]


def test_the_season_config_overrides_due_days_and_ladder(tmp_path: Path):
    params = SeasonParameters(due_days=8, ladder=[-2, 1, 2, 3])
    raw = yaml.safe_load(season_config(PROJECT_ROOT / "config" / "eig.yaml", params,
                                       tmp_path).read_text(encoding="utf-8"))
    assert raw["tracks"]["projets"]["due_days"] == raw["tracks"]["candidats"]["due_days"] == 8
    assert [s["days"] for s in raw["evaluation"]["ladder"]] == [-2, 1, 2, 3]
    with pytest.raises(ValueError, match="4 étapes"):
        season_config(PROJECT_ROOT / "config" / "eig.yaml",
                      SeasonParameters(ladder=[1, 2]), tmp_path)


def test_the_operator_approves_with_every_member_present():
    members = ("Claire (DINUM)", "Julien (DINUM)", "Sophie (Budget)")

    class Form(CommitteeApproval):
        membres_presents: list[Literal[members]] = Field(default_factory=list)  # type: ignore[valid-type]

    answer = operator(Form)
    assert answer.approuve and answer.approuve_par == OPERATOR
    assert answer.membres_presents == list(members) and answer.preside_par == members[0]


def test_clock_and_agenda_keep_time_order():
    clock = SeasonClock(datetime(2027, 1, 4, tzinfo=UTC))
    clock.set(clock() - timedelta(days=1))
    assert clock() == datetime(2027, 1, 4, tzinfo=UTC)  # never backwards
    agenda = Agenda()
    for day, what in ((3, "c"), (1, "a"), (3, "d"), (2, "b")):
        agenda.plan(datetime(2027, 1, day, tzinfo=UTC), "x", what)
    assert [d.data for d in agenda.due(datetime(2027, 1, 3, tzinfo=UTC))] == ["a", "b", "c", "d"]
