"""When the committees sit: the schedules of the deliberate deployments (prefect.yaml),
read with Prefect's own schedule classes — the dates the server itself would plan."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml
from prefect.server.schemas.schedules import CronSchedule
from prefect.utilities.asyncutils import run_coro_as_sync

from settings.environment import PROJECT_ROOT

DELIBERATE = "flows/deliberate.py:deliberate"


def committee_schedules(path: Path | None = None) -> dict[str, list[CronSchedule]]:
    """Per track, the cron schedules of its deliberate deployment(s)."""
    raw = yaml.safe_load((path or PROJECT_ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    found: dict[str, list[CronSchedule]] = {}
    for deployment in raw.get("deployments") or ():
        if deployment.get("entrypoint") != DELIBERATE:
            continue
        track = ((deployment.get("parameters") or {}).get("params") or {}).get("track",
                                                                             "projets")
        for schedule in deployment.get("schedules") or ():
            if "cron" in schedule:
                found.setdefault(track, []).append(CronSchedule(
                    cron=schedule["cron"], timezone=schedule.get("timezone") or "UTC"))
    return found


def next_committees(after: datetime, path: Path | None = None) -> dict[str, datetime]:
    """Per track, its next committee from ``after`` on (UTC-aware)."""
    found = {}
    for track, schedules in committee_schedules(path).items():
        dates = [run_coro_as_sync(s.get_dates(n=1, start=after)) for s in schedules]
        upcoming = [d[0] for d in dates if d]
        if upcoming:
            found[track] = datetime.fromtimestamp(min(upcoming).timestamp(), after.tzinfo)
    return found
