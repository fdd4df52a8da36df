"""What a reconciliation scan changes: labels, visibility, dossiers to fetch again."""

from datetime import UTC, datetime

from models.reconciliation import StoredSnapshot, plan_reconciliation

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def snap(state="en_construction", labels=(), hidden=False, deleted=False, at=T0):
    return StoredSnapshot(state, at, tuple(labels), hidden, deleted)


def node(number, state="en_construction", labels=(), at=T0):
    return {"number": number, "state": state, "dateDerniereModification": at.isoformat(),
            "labels": [{"id": f"L{n}", "name": n} for n in labels]}


def test_labels_changed_without_updated_at_are_caught():
    plan = plan_reconciliation({1: snap(labels=["A"])}, [node(1, labels=["B", "A"])], set(), set())
    assert plan.labels == {1: ["A", "B"]} and plan.to_fetch == []


def test_unknown_changed_state_or_newer_dossiers_are_fetched_again():
    later = datetime(2026, 3, 2, tzinfo=UTC)
    stored = {1: snap(), 2: snap(), 3: snap()}
    seen = [node(1), node(2, state="accepte"), node(3, at=later), node(4)]
    plan = plan_reconciliation(stored, seen, set(), set())
    assert plan.to_fetch == [2, 3, 4]


def test_vanished_dossiers_are_missing_unless_trashed_or_tombstoned():
    stored = {1: snap(), 2: snap(), 3: snap(), 4: snap(deleted=True), 5: snap(hidden=True)}
    plan = plan_reconciliation(stored, [node(1)], trashed={2}, tombstoned=set())
    assert plan.missing == [3]


def test_hidden_dossier_seen_again_is_unhidden():
    plan = plan_reconciliation({1: snap(hidden=True)}, [node(1)], set(), set())
    assert plan.unhide == [1]
