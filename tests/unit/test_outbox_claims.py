"""Claims on the outbox (SQLite here; PostgreSQL in tests/integration): disjoint claims,
an expired lease taken over, outcomes written only by the lease's owner, the backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.store import outbox
from connectors.store.engine import make_sessionmaker
from flows.runtime import open_store
from models.outbox import Kind, Lane, Outcome, Status

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


@pytest.fixture
def sessions(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'eig.sqlite'}")
    yield make_sessionmaker(engine)
    engine.dispose()


def record(sessions, *keys: str) -> None:
    with sessions.begin() as session:
        for key in keys:
            kind = Kind.DS if key.startswith("ds:") else Kind.EMAIL
            outbox.record_effect(session, key, kind, "send", {"n": key}, NOW)


def claim(sessions, owner: str, limit: int = 10, at: datetime = NOW, **kw) -> list[str]:
    with sessions.begin() as session:
        return [e.key for e in outbox.claim(session, owner, at, LEASE, limit, **kw)]


def test_two_deliverers_claim_disjoint_effects_oldest_first(sessions):
    record(sessions, *(f"mail:t:{n}" for n in range(5)))
    first = claim(sessions, "a", 3)
    second = claim(sessions, "b", 3)
    assert first == ["mail:t:0", "mail:t:1", "mail:t:2"] and second == ["mail:t:3", "mail:t:4"]
    assert claim(sessions, "c") == []


def test_lanes_are_claimed_apart(sessions):
    record(sessions, "mail:t:1", "ds:label:1", "mail:t:2")
    assert claim(sessions, "ds", lanes=[Lane.DS]) == ["ds:label:1"]
    assert claim(sessions, "mail", lanes=[Lane.EMAIL]) == ["mail:t:1", "mail:t:2"]


def test_an_expired_lease_is_taken_over_and_the_old_owner_can_no_longer_act(sessions):
    record(sessions, "mail:t:1")
    [key] = claim(sessions, "dead")
    assert claim(sessions, "other", at=NOW + LEASE - timedelta(seconds=1)) == []
    assert claim(sessions, "other", at=NOW + LEASE + timedelta(seconds=1)) == [key]
    with sessions.begin() as session:
        [effect] = outbox.list_effects(session)
        assert effect.attempts == 2  # each claim is an attempt
        assert not outbox.start_attempt(session, effect.id, "dead", NOW, LEASE)
        assert not outbox.mark_attempt_failed(session, effect.id, "dead",
                                              Outcome(Status.FAILED, None, "x"), NOW)
        assert outbox.start_attempt(session, effect.id, "other", NOW, LEASE)
    with sessions() as session:
        [effect] = outbox.list_effects(session)
        assert effect.lease_owner == "other" and effect.attempt_started_at is not None


def test_outcomes_release_the_claim(sessions):
    record(sessions, "mail:t:1", "mail:t:2", "mail:t:3")
    claim(sessions, "a")
    with sessions.begin() as session:
        one, two, three = outbox.list_effects(session)
        outbox.mark_delivered(session, one.id, NOW, {"ok": True})
        assert outbox.mark_attempt_failed(
            session, two.id, "a", Outcome(Status.PENDING, NOW + timedelta(minutes=1), "451"),
            NOW)
        outbox.release(session, [three.id], "a", NOW)
    with sessions() as session:
        one, two, three = outbox.list_effects(session)
    assert (one.status, one.lease_owner) == ("delivered", None)
    assert (two.status, two.lease_owner, two.last_error) == ("pending", None, "451")
    assert (three.status, three.lease_owner, three.attempts) == ("pending", None, 0)
    assert claim(sessions, "b") == ["mail:t:3"]  # released: due now; the retry waits
    assert claim(sessions, "b", at=NOW + timedelta(minutes=2)) == ["mail:t:2"]


def test_an_uncertain_effect_waits_for_a_person(sessions):
    record(sessions, "mail:t:1")
    claim(sessions, "a")
    with sessions.begin() as session:
        [effect] = outbox.list_effects(session)
        assert outbox.mark_uncertain(session, effect.id, "a", "sort inconnu", NOW)
    assert claim(sessions, "b", at=NOW + timedelta(days=1)) == []
    with sessions.begin() as session:
        assert outbox.retry_effect(session, None, NOW) == 0  # never by "all"
        assert outbox.confirm_delivered(session, "mail:t:1", NOW) == 1
    with sessions() as session:
        assert outbox.list_effects(session)[0].status == "delivered"


def test_the_backlog_per_lane_names_the_oldest_due_effect(sessions):
    record(sessions, "mail:t:1", "mail:t:2", "ds:label:1")
    claim(sessions, "a", 1, lanes=[Lane.EMAIL])
    with sessions() as session:
        lanes = {b.lane: b for b in outbox.backlog(session, NOW)}
    assert (lanes["email"].due, lanes["email"].in_flight) == (1, 1)
    assert lanes["email"].oldest_due_key == "mail:t:2"
    assert (lanes["ds"].due, lanes["ds"].oldest_due_key) == (1, "ds:label:1")


def test_a_run_tallies_what_it_records_per_lane(sessions, tmp_path):
    tally = outbox.EffectTally()
    engine = open_store(f"sqlite:///{tmp_path / 'eig.sqlite'}")
    counted = make_sessionmaker(engine, {outbox.TALLY: tally})
    with counted.begin() as session:
        for key in ("mail:t:1", "mail:t:1", "ds:label:1"):
            kind = Kind.DS if key.startswith("ds:") else Kind.EMAIL
            outbox.record_effect(session, key, kind, "send", {}, NOW)
    engine.dispose()
    assert tally.counts() == {"email": 1, "ds": 1}  # a key recorded twice counts once
