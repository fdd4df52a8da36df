"""Outbox rules: keys that name what they mean, and what a failed attempt leads to."""

from datetime import UTC, datetime, timedelta

from models.outbox import BACKOFF, MAX_ATTEMPTS, Status, after_failure, ds_key, mail_key

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_keys_name_the_effect():
    assert ds_key("accept", 1234) == "ds:accept:1234"
    assert ds_key("annotations", 1234, "scores") == "ds:annotations:1234:scores"
    assert mail_key("eval-request", 42) == "mail:eval-request:42"
    assert mail_key("reminder", 42, "D-3") == "mail:reminder:42:D-3"


def test_a_permanent_error_fails_at_once():
    outcome = after_failure(1, NOW, "payload error", permanent=True)
    assert (outcome.status, outcome.next_attempt_at) == (Status.FAILED, None)
    assert outcome.error == "payload error"


def test_transient_errors_back_off_then_give_up():
    delays = []
    for attempt in range(1, MAX_ATTEMPTS):
        outcome = after_failure(attempt, NOW, "timeout", permanent=False)
        assert outcome.status is Status.PENDING
        delays.append(outcome.next_attempt_at - NOW)
    assert delays == sorted(delays) and delays[0] == BACKOFF[0]
    assert delays[-1] <= timedelta(hours=4)
    last = after_failure(MAX_ATTEMPTS, NOW, "timeout", permanent=False)
    assert last.status is Status.DEAD and "gave up after" in (last.error or "")
