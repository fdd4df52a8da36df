"""notify-team's pure parts: which run an automation names, when an alert no longer
holds, the run's link in the UI, the key that makes an alert one email."""

from __future__ import annotations

from uuid import UUID

import pytest
from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

from flows.notify import RunFacts, alert_key, moot, run_id_of, run_link

RUN = "0b8f5a52-3c1e-4d7e-9a53-2f1d0c4b6e11"


def facts(state_type: str, state_name: str) -> RunFacts:
    return RunFacts(id=RUN, name="spicy-kelpie", flow="deliberate",
                    deployment="deliberate-projets", state_type=state_type,
                    state_name=state_name, message="", started=None)


def test_the_run_is_named_by_its_id_or_its_event_resource():
    assert run_id_of(RUN) == run_id_of(f"prefect.flow-run.{RUN}") == UUID(RUN)
    with pytest.raises(ValueError):
        run_id_of("prefect.flow-run.pas-un-identifiant")


@pytest.mark.parametrize(("kind", "state_type", "state_name", "holds"), [
    ("late", "RUNNING", "Running", True),
    ("late", "COMPLETED", "Completed", False),  # it ended between the trigger and now
    ("late", "PAUSED", "Suspended", False),
    ("awaiting", "PAUSED", "Suspended", True),
    ("reminder", "PAUSED", "Paused", True),
    ("reminder", "SCHEDULED", "Resuming", False),  # approved meanwhile
    ("failed", "FAILED", "Failed", True),
    ("crashed", "CRASHED", "Crashed", True),
])
def test_an_alert_that_no_longer_holds_sends_nothing(kind, state_type, state_name, holds):
    assert (moot(kind, facts(state_type, state_name)) is None) is holds


def test_the_link_is_the_runs_page_in_the_ui():
    with temporary_settings({PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert run_link(RUN) == f"http://127.0.0.1:4200/runs/flow-run/{RUN}"
    with temporary_settings({PREFECT_API_URL: "http://10.0.0.5:4200/api",
                             PREFECT_UI_URL: "https://prefect.eig.example/"}):
        assert run_link(RUN) == f"https://prefect.eig.example/runs/flow-run/{RUN}"
    with temporary_settings({PREFECT_API_URL: None, PREFECT_UI_URL: None}):
        assert run_link(RUN) is None  # an ephemeral server: no page to link to


def test_without_a_ui_the_email_says_how_to_see_the_run():
    from connectors.documents import render_email

    rendered = render_email("alert", {
        "kind": "failed", "run": {"id": RUN, "name": "glistening-cuscus",
                                  "flow": "draft-conventions", "deployment": "draft-conventions",
                                  "state": "Failed", "message": "LookupError", "started": None,
                                  "minutes": None, "link": None},
        "expected_minutes": None, "approval_hours": 72, "waiting": None,
        "programme": {"name": "EIG", "contact": "eig@beta.gouv.fr"}})
    assert f"prefect flow-run inspect {RUN}" in rendered.text
    assert "/runs/flow-run/" not in rendered.text and "/runs/flow-run/" not in rendered.html


def test_one_key_per_run_and_kind():
    assert alert_key(RUN, "failed") == f"mail:alert:{RUN}:failed"
    assert alert_key(RUN, "awaiting") != alert_key(RUN, "reminder")
