"""How a committee waits is told by its run: a run started from a deployment is suspended
(tested with workers in test_durable_approval), a run without one — the CLI, the demo,
the tests — pauses in place, in its own process."""

from __future__ import annotations

import pytest
from prefect import flow

from flows.approval import approval_mode
from tests.server.real_server import RealServer

pytestmark = [pytest.mark.prefect_server, pytest.mark.xdist_group("prefect-server-alerts")]


@flow(name="which-approval-mode")
def which_approval_mode() -> str:
    return approval_mode()


def test_a_run_without_a_deployment_pauses_in_place(prefect_server: RealServer,
                                                     monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    monkeypatch.delenv("EIG_APPROVAL_MODE", raising=False)
    with temporary_settings({PREFECT_API_URL: prefect_server.api}):
        assert which_approval_mode() == "pause"
        monkeypatch.setenv("EIG_APPROVAL_MODE", "suspend")
        assert which_approval_mode() == "suspend"
    assert approval_mode() == "suspend"  # outside any run, only the override counts
