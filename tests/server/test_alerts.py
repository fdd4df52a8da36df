"""Operators are told: on a real Prefect server with the automations of `eig setup`, a
failing run of an eig deployment brings the programme team exactly one email, with the
link to the run's page — even when the alert is asked for twice."""

from __future__ import annotations

import time

import pytest

from connectors.mail import Mailbox
from tests.integration.chase_helpers import html_of, text_of
from tests.server.real_server import RealServer, wait_for

pytestmark = [pytest.mark.prefect_server, pytest.mark.xdist_group("prefect-server-alerts")]


def test_a_failing_run_brings_the_team_one_email_with_its_link(
        prefect_server: RealServer, world: dict, workers: list, tmp_path):
    maildir = world["maildir"]
    workers.append(prefect_server.worker("eig-test-alerts"))
    failing = prefect_server.run_deployment("deliberate-mission",
                                            {"params": {"mission": 999}})
    run = prefect_server.wait_state(failing, "FAILED", timeout=240)
    key = f"mail:alert:{failing}:failed"

    def received() -> list:
        box = Mailbox(maildir)
        return [box.message(m.key) for m in box.list() if m.effect == key]

    [message] = wait_for("the alert email", received, timeout=180)
    link = f"{prefect_server.url}/runs/flow-run/{failing}"
    assert str(message["To"]) == "equipe@eig.example"
    assert message["Subject"] == f"EIG — échec : deliberate-mission ({run['name']})"
    text, html = text_of(message), html_of(message)
    assert link in text and f'href="{link}"' in html
    assert "mission 999 inconnue" in text  # the state's message says why
    (tmp_path / "alert.html").write_text(html, encoding="utf-8")

    # The automation firing again (or an operator asking) sends nothing more
    again = prefect_server.run_deployment("notify-team", {"params": {
        "flow_run": f"prefect.flow-run.{failing}", "kind": "failed"}})
    prefect_server.wait_state(again, "COMPLETED", timeout=180)
    wait_for("its log", lambda: "déjà signalé" in prefect_server.logs_text(again), 30)
    time.sleep(3)
    assert len(received()) == 1
    notified = [r for r in prefect_server.runs_of("notify-team")
                if r["parameters"]["params"]["flow_run"].endswith(failing)]
    assert len(notified) == 2 and all(r["state"]["type"] == "COMPLETED" for r in notified)
