"""pipeline-report's rules without a server: Monday by the Paris clock, one email a week,
the next committees from prefect.yaml and the dossiers each will see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.committee_calendar import next_committees
from flows.pipeline_report import email_due, iso_week, report_key
from models.pipeline_delays import Step, Timeline
from models.pipeline_report import committee_outlook

SUNDAY_NIGHT_UTC = datetime(2026, 12, 13, 23, 30, tzinfo=UTC)  # Monday 0 h 30 in Paris


def test_monday_is_the_paris_monday():
    assert email_due(SUNDAY_NIGHT_UTC, "lundi")
    assert not email_due(SUNDAY_NIGHT_UTC - timedelta(hours=1), "lundi")  # Sunday 23 h 30
    tuesday = SUNDAY_NIGHT_UTC + timedelta(days=1)
    assert not email_due(tuesday, "lundi") and email_due(tuesday, "toujours")
    assert not email_due(SUNDAY_NIGHT_UTC, "jamais")


def test_one_key_per_iso_week_in_paris():
    monday = SUNDAY_NIGHT_UTC
    assert iso_week(monday) == "2026-W51"
    assert {report_key(monday + timedelta(days=d)) for d in range(7)} == {
        "mail:pipeline-report:2026-W51"}
    assert iso_week(datetime(2027, 1, 3, 22, 30, tzinfo=UTC)) == "2026-W53"  # Sun 23 h 30
    assert iso_week(datetime(2027, 1, 3, 23, 30, tzinfo=UTC)) == "2027-W01"  # Mon 0 h 30


def test_next_committees_from_the_deliberate_deployments():
    found = next_committees(datetime(2026, 12, 7, 6, 0, tzinfo=UTC))
    # the first Tuesday of the month at 9:00 in Paris: never 1 January nor a weekend
    assert found == {"projets": datetime(2027, 1, 5, 8, 0, tzinfo=UTC),
                     "candidats": datetime(2027, 1, 5, 8, 0, tzinfo=UTC)}
    # projets every month, candidats every two months (January, March…)
    later = next_committees(datetime(2027, 1, 6, tzinfo=UTC))
    assert later["projets"] == datetime(2027, 2, 2, 8, 0, tzinfo=UTC)
    assert later["candidats"] == datetime(2027, 3, 2, 8, 0, tzinfo=UTC)


def test_the_committee_sees_the_preselected_heard_or_not_called():
    t0 = datetime(2026, 11, 2, tzinfo=UTC)
    committee = t0 + timedelta(days=40)

    def projet(number: int, **dates: datetime | None) -> Timeline:
        return Timeline("projets", number, {Step.DEPOT: t0, Step.DECISION: None,
                                            Step.PRESELECTION: None} | {
            Step(k): v for k, v in dates.items()})

    timelines = [
        projet(1, preselection=t0),  # not called to a hearing: ready
        projet(2, preselection=t0, audition=t0 + timedelta(days=9)),  # heard: ready
        projet(3, preselection=t0, audition=None),  # booked before the committee: ready
        projet(4, preselection=t0, audition=None),  # booked after it
        projet(5, preselection=t0, audition=None),  # not booked
        projet(6),  # evaluations still missing
        projet(7, preselection=t0, decision=t0 + timedelta(days=20)),  # decided already
    ]
    booked = {("projets", 3): committee - timedelta(days=2),
              ("projets", 4): committee + timedelta(days=2)}
    outlook = committee_outlook("projets", committee, timelines, booked)
    assert outlook.ready == (1, 2, 3)
    assert outlook.awaiting_hearing == (4, 5)
    assert outlook.awaiting_evaluations == (6,)
