"""Property: whatever point of delivery a crash hits, recovery runs leave every effect
observed exactly once at the DS sandbox (mutations) or the SMTP server (Message-IDs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.mail import running_smtp_server
from connectors.store import outbox
from ds_sandbox import DEFAULT_TOKEN, Sandbox, generate, running_sandbox
from flows.delivery import executors as effect_executors
from flows.delivery.deliverer import deliver_pending
from flows.runtime import open_runtime
from models.outbox import Status
from models.tables import Effect
from tests.integration.sync_helpers import Store
from tests.integration.test_effects import ds_effects, email, projet, record

CRASH_POINTS = ("before_acting", "after_acting", "after_marking")


class Killed(BaseException):
    """The process dies: not an Exception, so nothing in the runner catches it."""


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(crash_at=st.integers(min_value=0, max_value=3), point=st.sampled_from(CRASH_POINTS))
def test_any_crash_then_recovery_observes_each_effect_once(
    crash_at, point, tmp_path_factory, monkeypatch
):
    tmp = tmp_path_factory.mktemp("crash")
    sandbox = Sandbox()
    generate(sandbox.state, dossiers=20, seed=5)
    with running_sandbox(sandbox) as url, running_smtp_server(tmp / "maildir") as smtp:
        monkeypatch.setenv("EIG_DS_API_URL", f"{url}/api/v2/graphql")
        monkeypatch.setenv("EIG_DS_API_TOKEN", DEFAULT_TOKEN)
        monkeypatch.setenv("EIG_DATABASE_URL", f"sqlite:///{tmp / 'eig.sqlite'}")
        monkeypatch.setenv("EIG_SMTP_URL", smtp.url)
        monkeypatch.setenv("EIG_MAILDIR", str(tmp / "maildir"))
        store = Store(f"sqlite:///{tmp / 'eig.sqlite'}")
        number = projet(sandbox)
        record(store, *ds_effects(number), email("mail:decision:1", 1))

        calls = {"n": 0, "killed": False}
        real_deliver = effect_executors.Executors.deliver
        real_mark = outbox.mark_delivered

        def kill_at(where: str) -> None:  # the process dies once, at that point
            if calls["n"] - 1 == crash_at and point == where and not calls["killed"]:
                calls["killed"] = True
                raise Killed

        def deliver(self, *args, **kwargs):
            calls["n"] += 1
            kill_at("before_acting")
            result = real_deliver(self, *args, **kwargs)
            kill_at("after_acting")
            return result

        def mark(*args, **kwargs):
            real_mark(*args, **kwargs)
            kill_at("after_marking")

        monkeypatch.setattr(effect_executors.Executors, "deliver", deliver)
        monkeypatch.setattr(outbox, "mark_delivered", mark)
        moment = datetime.now(UTC)
        for run in range(3):  # the crashed run, then recovery runs
            moment += timedelta(hours=2)
            with open_runtime(clock=lambda m=moment: m) as rt:
                try:
                    deliver_pending(rt)
                except Killed:
                    assert run == 0
            store.expire_leases()  # the dead deliverer's claims run out
        with store.sessions() as session:
            assert {e.status for e in session.query(Effect)} == {str(Status.DELIVERED)}
        for mutation in ("dossierAccepter", "dossierEnvoyerMessage", "dossierAjouterLabel"):
            assert sandbox.mutations.applied(mutation, number) == 1
        assert list(smtp.mailbox.message_ids().values()) == [1]  # received exactly once
        store.close()
