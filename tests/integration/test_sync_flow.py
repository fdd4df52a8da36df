"""sync-dossiers against the DS sandbox, under the Prefect harness, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from ds_sandbox import CANDIDATS, PROJETS
from flows.reporting import is_label
from settings.config import load_config
from settings.environment import PROJECT_ROOT
from tests.integration.sync_helpers import by_role, run_sync

pytestmark = pytest.mark.both_dialects  # the SQL dialect matters here

CONFIG = load_config(PROJECT_ROOT / "config" / "eig.yaml")
P = CONFIG.demarches["projets"]
C = CONFIG.demarches["candidats"]


def all_numbers(sandbox, demarche: int) -> set[int]:
    return set(sandbox.state.numbers(demarche))


def test_full_sync_stores_every_dossier_with_mapped_fields(sandbox, store):
    status, summary = run_sync(full=True)
    assert status == "COMPLETED" and summary["status"] == "ok"
    assert [d["created"] for d in summary["demarches"]] == [180, 360, 60, 0, 0, 0]
    # 2 + 4 + 1 pages of 100 (and the availability, vivier and missions démarches' one
    # each, empty): the last page of each stream says it is the last.
    assert summary["requests"] == 10
    dossiers = store.dossiers()
    assert len(dossiers) == 600
    projet = dossiers[min(all_numbers(sandbox, P.number))]
    assert projet.fields["administration"] and projet.fields["nombre_eig"] in (1, 2)
    assert isinstance(projet.fields["equipe"], list)
    assert projet.champs and projet.applicant["kind"] == "personne_morale"
    candidat = dossiers[min(all_numbers(sandbox, C.number))]
    assert candidat.fields["specialite"] in CONFIG.tracks["candidats"].specialties
    assert candidat.applicant["kind"] == "personne_physique" and candidat.applicant["nom"]
    positions = store.positions(C.number)
    assert set(positions) == {"dossiers", "pending_deleted", "deleted"}
    assert positions["dossiers"].cursor is not None


def test_no_change_sync_costs_one_request_per_demarche(sandbox, store):
    run_sync(full=True)
    status, summary = run_sync()
    assert status == "COMPLETED"
    assert [d["requests"] for d in summary["demarches"]] == [1, 1, 1, 1, 1, 1]
    assert all(d["created"] == d["updated"] == 0 for d in summary["demarches"])


def test_updates_trash_restore_and_deletion_reach_the_store(sandbox, store):
    run_sync(full=True)
    edited, trashed, removed = sorted(all_numbers(sandbox, PROJETS.number))[:3]
    sandbox.state.update_champ(edited, P.fields["intitule"].id, "Nouveau défi")
    sandbox.state.hide(trashed)
    sandbox.state.delete(removed)
    _, summary = run_sync()
    projets = by_role(summary, "projets")
    assert (projets["updated"], projets["hidden"], projets["deleted"]) == (1, 1, 1)
    dossiers = store.dossiers(P.number)
    assert dossiers[edited].fields["intitule"] == "Nouveau défi"
    assert dossiers[trashed].hidden and not dossiers[trashed].deleted
    assert dossiers[removed].deleted and dossiers[removed].deletion_reason == "user_request"

    sandbox.state.restore(trashed)
    run_sync()
    assert not store.dossiers(P.number)[trashed].hidden


# 3 requests in 6 s: the 4th of the sync's 8 is refused, however slow a busy machine makes
# the client (with 3 a second, a loaded run could stay under the limit).
@pytest.mark.sandbox(requests_per_window=3, window_seconds=6)
def test_a_429_mid_sync_waits_for_the_reset_and_resumes_at_the_right_cursor(sandbox, store):
    status, summary = run_sync(full=True)
    assert status == "COMPLETED"
    rejected = sandbox.stats.count(status=429)
    assert rejected >= 1
    assert summary["requests"] == 10 + rejected  # each rejected page asked again, no more
    assert store.visible_numbers(C.number) == all_numbers(sandbox, CANDIDATS.number)
    assert store.count() == 600
    _, again = run_sync()
    assert all(d["created"] == d["updated"] == 0 for d in again["demarches"])


def test_a_5xx_page_is_retried(sandbox, store):
    sandbox.faults.add("http_502", skip=2)
    sandbox.faults.add("graphql_error", skip=4)
    status, summary = run_sync(full=True)
    assert status == "COMPLETED"
    assert sandbox.stats.count(status=502) == 1
    assert store.count() == 600


@pytest.mark.parametrize("skip", [3, 5, 7])
def test_the_summary_counts_what_the_store_got_across_a_task_retry(sandbox, store, skip):
    """A sync-pages attempt that stored pages then failed is retried from the stored cursors:
    the pages it stored still count (issue 19: the summary hid new dossiers)."""
    sandbox.faults.add("graphql_error", skip=skip)
    status, summary = run_sync(full=True)
    assert status == "COMPLETED"
    created = sum(d["created"] for d in summary["demarches"])
    assert created == store.count() == 600


def test_a_ds_query_timeout_retries_the_page_smaller(sandbox, store):
    sandbox.faults.add("timeout", count=1, min_first=50, operation="SyncDemarche")
    status, summary = run_sync(full=True)
    assert status == "COMPLETED"
    assert store.count() == 600
    assert summary["requests"] > 7  # the timed-out page, then smaller pages


def test_a_dossier_updated_during_the_sync_is_seen_again(sandbox, store):
    edited = sorted(all_numbers(sandbox, CANDIDATS.number))[0]
    original = sandbox.handle
    served_first_page = []

    def handle_then_edit(authorization, body):
        reply = original(authorization, body)
        variables = json.loads(body).get("variables", {})
        if (variables.get("number") == CANDIDATS.number and variables.get("withDossiers")
                and variables.get("dossiersAfter") is None and not served_first_page):
            # candidats' first page (which holds the dossier) has just been served
            served_first_page.append(True)
            sandbox.state.update_champ(edited, C.fields["employeur"].id, "Pendant la sync")
        return reply

    sandbox.handle = handle_then_edit
    _, summary = run_sync(full=True)
    assert served_first_page
    candidats = by_role(summary, "candidats")
    assert candidats["created"] == 360 and candidats["updated"] == 1  # stored twice
    assert store.dossiers(C.number)[edited].fields["employeur"] == "Pendant la sync"
    _, again = run_sync()
    assert by_role(again, "candidats")["updated"] == 0  # nothing left behind the cursor


def test_quarantine_keeps_the_dossier_lets_the_page_through_and_releases_when_fixed(
    sandbox, store
):
    broken = sorted(all_numbers(sandbox, PROJETS.number))[5]
    sandbox.state.update_champ(broken, P.fields["nombre_eig"].id, None)
    _, summary = run_sync(full=True)
    projets = by_role(summary, "projets")
    assert projets["quarantined"] == 1 and projets["created"] == 180
    assert summary["status"] == "ok"
    [entry] = store.open_quarantine()
    assert (entry.dossier_number, entry.field, entry.rule) == (broken, "nombre_eig", "required")
    assert f"dossier {broken}" in entry.reason and entry.payload["number"] == broken
    assert store.dossiers(P.number)[broken].quarantined

    run_sync()  # retried from the kept payload: still broken, still in quarantine
    [entry] = store.open_quarantine()
    assert entry.times_seen == 2

    sandbox.state.update_champ(broken, P.fields["nombre_eig"].id, 2)
    _, fixed = run_sync()
    assert by_role(fixed, "projets")["released"] == 1
    assert store.open_quarantine() == []
    dossier = store.dossiers(P.number)[broken]
    assert not dossier.quarantined and dossier.fields["nombre_eig"] == 2


def test_a_drifted_form_fails_loudly_and_the_other_demarches_go_on(sandbox, store):
    sandbox.state.change_descriptor_type(PROJETS.number, P.fields["nombre_eig"].id, "text")
    status, summary = run_sync(full=True)
    assert status == "FAILED"
    error = by_role(summary, "projets")["error"]
    assert "nombre_eig" in error and "101" in error and "integer_number" in error
    assert store.dossiers(P.number) == {}
    assert len(store.dossiers(C.number)) == 360


def test_a_renamed_annotation_fails_the_demarche_as_a_drifted_champ_does(sandbox, store):
    sandbox.state.remove_descriptor(PROJETS.number, P.annotations["rang"].id)
    status, summary = run_sync(full=True)
    assert status == "FAILED"
    error = by_role(summary, "projets")["error"]
    assert "l'annotation privée « rang »" in error and "101" in error
    assert len(store.dossiers(C.number)) == 360


def test_reconciliation_catches_labels_and_dossiers_gone_without_trace(sandbox, store):
    run_sync(full=True)
    labelled = sorted(all_numbers(sandbox, PROJETS.number))[0]
    sandbox.state.set_labels(labelled, ["À discuter"])
    vanished = store.add_copy(labelled, new_number=999_999)  # DS never lists it again
    _, incremental = run_sync()
    assert by_role(incremental, "projets")["labels_changed"] == 0
    _, summary = run_sync(reconcile=True)
    projets = by_role(summary, "projets")
    assert (projets["labels_changed"], projets["missing"]) == (1, 1)
    dossiers = store.dossiers(P.number)
    assert dossiers[labelled].labels == ["À discuter"]
    assert dossiers[vanished].hidden


def test_the_run_publishes_a_summary_artifact(sandbox, store):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    _, summary = run_sync(full=True)
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["sync-dossiers"]))
        )
    latest = max(artifacts, key=lambda a: a.created)
    assert latest.type == "table"
    table = json.loads(latest.data) if isinstance(latest.data, str) else latest.data
    assert table[0]["Démarche"] == "projets (101)" and "Requêtes DS" in table[0]
    assert all(is_label(header) for row in table for header in row)  # French, for people
    # the run's last log line, its artifact's headline and its summary say the same
    assert summary["headline"] == latest.description
    assert summary["headline"].startswith("Synchronisation complète : ")
    assert "dossiers créés" in summary["headline"] and "_" not in summary["headline"]


@pytest.mark.parametrize("demarche", [[102]])
def test_one_demarche_only(sandbox, store, demarche):
    _, summary = run_sync(demarches=demarche)
    assert [d["role"] for d in summary["demarches"]] == ["candidats"]
    assert store.dossiers(P.number) == {}
