"""The travelling clock shared by processes through a file."""

from datetime import UTC, datetime, timedelta

from connectors.clock_file import FileClock
from flows.runtime import current_clock, use_clock


def test_offset_is_read_again_when_the_file_changes(tmp_path):
    clock = FileClock(tmp_path / "clock")
    assert abs(clock() - datetime.now(UTC)) < timedelta(seconds=5)  # no file: real time
    clock.set_offset(timedelta(days=3))
    other = FileClock(tmp_path / "clock")  # another process reading the same file
    assert timedelta(days=3) - timedelta(seconds=5) < other() - datetime.now(UTC) \
        < timedelta(days=3, seconds=5)
    other.travel_to(datetime.now(UTC) + timedelta(days=10))
    assert clock.offset() > timedelta(days=9, hours=23)
    clock.travel_to(datetime.now(UTC))  # never back
    assert clock.offset() > timedelta(days=9, hours=23)


def test_flow_runs_read_the_shared_clock_unless_told_otherwise(tmp_path, monkeypatch):
    FileClock(tmp_path / "clock").set_offset(timedelta(days=30))
    monkeypatch.setenv("EIG_CLOCK_FILE", str(tmp_path / "clock"))
    assert current_clock()() - datetime.now(UTC) > timedelta(days=29)
    fixed = datetime(2027, 1, 1, tzinfo=UTC)
    with use_clock(lambda: fixed):
        assert current_clock()() == fixed
