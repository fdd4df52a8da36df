"""eig effects: list the outbox and put failed effects back in the queue."""

from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from connectors.store import outbox
from connectors.store.engine import make_sessionmaker
from eig.cli import app
from flows.runtime import open_store
from models.outbox import Kind, Outcome, Status


def test_list_and_retry_failed_effects(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'eig.sqlite'}"
    monkeypatch.setenv("EIG_DATABASE_URL", url)
    engine = open_store(url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        for key in ("ds:accept:1", "ds:accept:2"):
            outbox.record_effect(session, key, Kind.DS, "state", {"dossier": 1}, now)
        [first, _] = outbox.list_effects(session)
        [claimed] = outbox.claim(session, "deliverer-1", now, timedelta(minutes=5), 1)
        assert claimed.id == first.id and claimed.attempts == 1
        assert outbox.mark_attempt_failed(
            session, first.id, "deliverer-1",
            Outcome(Status.FAILED, None, "jeton en lecture seule"), now)
    runner = CliRunner()

    failed = runner.invoke(app, ["effects", "--failed"])
    assert failed.exit_code == 0
    assert "ds:accept:1" in failed.output and "jeton en lecture seule" in failed.output
    listed = failed.output.split("\n", 2)[2]  # after the two lanes' lines
    assert "ds:accept:2" not in listed
    assert "voie ds     : 1 dû(s), 0 en cours, 0 plus tard, 1 en échec" in failed.output
    assert "plus ancien dû" in failed.output and "(ds:accept:2)" in failed.output

    retried = runner.invoke(app, ["effects", "--retry", "all"])
    assert retried.exit_code == 0 and "1 effet remis en file" in retried.output
    with sessions() as session:
        assert {e.status for e in outbox.list_effects(session)} == {str(Status.PENDING)}
    assert runner.invoke(app, ["effects", "--retry", "ds:nope:9"]).exit_code == 1
    engine.dispose()
