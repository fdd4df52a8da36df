"""Several deliverers at once, in processes of their own, some killed with SIGKILL in the
middle of their work: every effect reaches the DS sandbox or the SMTP server exactly once,
counted there (the sandbox's mutation log, the Maildir's messages), not in the outbox."""

from __future__ import annotations

import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml

from connectors.store import outbox
from models.outbox import Lane, Status
from models.tables import Effect
from settings.config import load_config
from settings.environment import PROJECT_ROOT
from tests.integration.deliverer_child import Deliverer
from tests.integration.test_effects import ds_effects, email, projet, record

pytestmark = pytest.mark.both_dialects  # the SQL dialect matters here

EMAILS = 240
DOSSIERS = 12


@pytest.fixture(autouse=True)
def production_pace(store) -> None:
    """The email lane at its configured pace (the other tests raise it): the deliverers
    are still at work when they are killed."""
    path = Path(os.environ["EIG_CONFIG"])
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    embedded = load_config(PROJECT_ROOT / "config" / "eig.yaml")
    raw["delivery"]["lanes"]["email"]["per_minute"] = embedded.delivery.lanes["email"].per_minute
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def start_deliverer(*lanes: str) -> Deliverer:
    return Deliverer(*lanes)


def fill_outbox(store, sandbox) -> list[int]:
    numbers = [projet(sandbox, i) for i in range(DOSSIERS)]
    effects = [e for n in numbers for e in ds_effects(n)]
    effects += [email(f"mail:concurrency:{n}", n) for n in range(EMAILS)]
    random.Random(3).shuffle(effects)
    record(store, *effects)
    return numbers


def statuses(store) -> Counter[str]:
    with store.sessions() as session:
        return Counter(e.status for e in session.query(Effect))


def assert_each_effect_observed_once(sandbox, smtp_server, numbers: list[int]) -> None:
    received = smtp_server.mailbox.message_ids()
    assert len(received) == EMAILS, f"{EMAILS - len(received)} email(s) lost"
    assert [mid for mid, n in received.items() if n > 1] == []
    for number in numbers:
        for mutation in ("dossierAccepter", "dossierEnvoyerMessage", "dossierAjouterLabel"):
            assert sandbox.mutations.applied(mutation, number) == 1, (mutation, number)


def test_four_deliverers_at_once_deliver_each_effect_once(sandbox, store, smtp_server):
    numbers = fill_outbox(store, sandbox)
    children = [start_deliverer() for _ in range(4)]
    outputs = [child.communicate(timeout=300) for child in children]
    assert [child.returncode for child in children] == [0] * 4, [err for _, err in outputs]
    assert statuses(store) == {str(Status.DELIVERED): EMAILS + 3 * DOSSIERS}
    assert_each_effect_observed_once(sandbox, smtp_server, numbers)


def test_deliverers_killed_mid_delivery_repeat_and_lose_nothing(sandbox, store, smtp_server):
    """Three deliverers; one of them is killed (SIGKILL) every ~0.4 s and another started,
    13 times. The killed ones' claims run out (here: 0.3 s after), and the effects they were
    sending are taken over: an email whose fate is unknown is looked for in the Maildir."""
    numbers = fill_outbox(store, sandbox)
    rng = random.Random(11)
    children = [start_deliverer() for _ in range(3)]
    kills = 0
    while kills < 13:
        time.sleep(rng.uniform(0.2, 0.6))
        alive = [c for c in children if c.poll() is None]
        if not alive:
            break
        victim = rng.choice(alive)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        kills += 1
        # As if the lease time had passed: a lease (minutes) outlives any request the
        # victim had in flight, so let one it sent reach the sandbox first.
        time.sleep(0.3)
        store.expire_leases()
        children.append(start_deliverer())
    for child in children:
        child.communicate(timeout=300)
    store.expire_leases()
    final = start_deliverer()
    out, err = final.communicate(timeout=300)
    assert final.returncode == 0, err
    assert kills >= 3, "the deliverers finished before they could be killed"
    counts = statuses(store)
    assert counts == {str(Status.DELIVERED): EMAILS + 3 * DOSSIERS}, counts
    assert_each_effect_observed_once(sandbox, smtp_server, numbers)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_a_maildir_an_interrupted_email_is_set_aside_not_resent(
        sandbox, store, smtp_server, monkeypatch):
    """At most once where nothing can tell: the attempt passed its point of no return and
    its deliverer died; without a Maildir to look in, the email is uncertain."""
    monkeypatch.setenv("EIG_MAIL_CHECK_MAILDIR", "false")
    record(store, email("mail:uncertain:1", 1))
    with store.sessions.begin() as session:
        from datetime import UTC, datetime, timedelta

        now = datetime.now(UTC)
        [claimed] = outbox.claim(session, "dead-deliverer", now, timedelta(minutes=10), 1)
        assert outbox.start_attempt(session, claimed.id, "dead-deliverer", now,
                                    timedelta(minutes=10))
    store.expire_leases()
    child = start_deliverer("email")
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert '"uncertain": 1' in out
    with store.sessions() as session:
        [effect] = session.query(Effect).all()
        assert effect.status == str(Status.UNCERTAIN)
        assert "eig effects --retry mail:uncertain:1" in effect.last_error
    assert len(smtp_server.mailbox) == 0


def interrupt(store, key: str) -> None:
    """Its deliverer passed the point of no return, then died (its claim ran out)."""
    from datetime import UTC, datetime, timedelta

    with store.sessions.begin() as session:
        now = datetime.now(UTC)
        [claimed] = outbox.claim(session, "dead-deliverer", now, timedelta(minutes=10), 1)
        assert claimed.key == key
        assert outbox.start_attempt(session, claimed.id, "dead-deliverer", now,
                                    timedelta(minutes=10))
    store.expire_leases()


def deliver_here(lane: str) -> dict:
    """A deliverer in this process (what the forked ones run)."""
    from flows.delivery.deliverer import deliver_pending
    from flows.runtime import open_runtime

    with open_runtime() as rt:
        return deliver_pending(rt, lanes=[Lane(lane)]).counts()


def test_an_interrupted_email_found_in_the_maildir_is_delivered_not_resent(
        sandbox, store, smtp_server):
    record(store, email("mail:interrupted:1", 1))
    assert deliver_here("email")["delivered"] == 1
    with store.sessions.begin() as session:  # as if it died before marking it delivered
        [effect] = session.query(Effect).all()
        effect.status, effect.attempt_started_at = str(Status.PENDING), None
    interrupt(store, "mail:interrupted:1")
    counts = deliver_here("email")
    assert (counts["verified"], counts["delivered"]) == (1, 0)
    assert list(smtp_server.mailbox.message_ids().values()) == [1]
    assert statuses(store) == {str(Status.DELIVERED): 1}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_without_a_maildir_an_interrupted_email_is_set_aside_in_this_process_too(
        sandbox, store, smtp_server, monkeypatch):
    monkeypatch.setenv("EIG_MAIL_CHECK_MAILDIR", "false")
    record(store, email("mail:uncertain:2", 2))
    interrupt(store, "mail:uncertain:2")
    assert deliver_here("email")["uncertain"] == 1
    assert smtp_server.mailbox.message_ids() == {}
    assert statuses(store) == {str(Status.UNCERTAIN): 1}
