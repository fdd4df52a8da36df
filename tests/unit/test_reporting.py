"""What a run tells the operator: artifacts with French headers, one summary line.

Every flow publishes its artifacts through ``flows.reporting`` (which refuses a header
that is a key of the code) and ends with ``conclude`` (its headline in its log and its
summary); these tests hold every flow of ``flows/`` to it."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

import pytest

import flows.reporting as reporting
from flows.reporting import HeaderError, check_headers, is_label, labelled

FLOWS = Path(reporting.__file__).parent
STATE_RETURNING = {"sync_dossiers"}  # returns a State whose data is the concluded summary


@pytest.mark.parametrize("header", ["Dossier", "Jours de retard", "Évaluateur",
                                    "Capacité restante", "Durée (s)", "À la corbeille"])
def test_french_labels_are_headers(header):
    assert is_label(header)


@pytest.mark.parametrize("header", ["capacity_left", "evaluator", "load", "labels_changed",
                                    "track", "dossier", "jours de retard", "flag_details"])
def test_keys_of_the_code_are_not_headers(header):
    assert not is_label(header)
    with pytest.raises(HeaderError, match=header):
        check_headers([header], "essai")


def test_labelled_refuses_a_column_without_label():
    assert labelled([{"load": 3}], {"load": "Charge"}) == [{"Charge": 3}]
    with pytest.raises(HeaderError, match="capacity_left"):
        labelled([{"load": 3, "capacity_left": 1}], {"load": "Charge"})


def test_markdown_tables_are_checked_too(monkeypatch):
    published = []
    monkeypatch.setattr(reporting, "create_markdown_artifact",
                        lambda **kw: published.append(kw))
    reporting.publish_markdown("ok", "# Titre\n\n| Voie | Délivrés |\n|---|---|\n| ds | 1 |\n")
    assert published
    with pytest.raises(HeaderError, match="voie"):
        reporting.publish_markdown("ko", "| voie | délivrés |\n|---|---|\n| ds | 1 |\n")


def test_conclude_logs_the_headline_and_keeps_it(monkeypatch, caplog):
    logger = logging.getLogger("essai.run")
    monkeypatch.setattr(reporting, "get_run_logger", lambda: logger)
    with caplog.at_level(logging.INFO, logger="essai.run"):
        summary = reporting.conclude({"n": 1}, "Affectation : projets : 3 affectations.")
    assert summary == {"n": 1, "headline": "Affectation : projets : 3 affectations."}
    assert [r.getMessage() for r in caplog.records] == [summary["headline"]]


def _flow_functions() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in sorted(FLOWS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and any(
                    isinstance(d, ast.Call) and getattr(d.func, "id", "") == "flow"
                    for d in node.decorator_list):
                found.append((f"{path.relative_to(FLOWS)}:{node.name}", node))
    return found


def test_every_flow_is_found():
    names = {name.split(":")[1] for name, _ in _flow_functions()}
    assert {"sync_dossiers", "assign_evaluators", "chase_evaluators", "score_dossiers",
            "schedule_hearings_flow", "deliberate", "draft_conventions", "deliver_effects",
            "match_mission", "deliberate_mission", "missions_digest", "notify_team"} <= names


@pytest.mark.parametrize(("name", "node"), _flow_functions(),
                         ids=[name for name, _ in _flow_functions()])
def test_every_flow_ends_with_its_french_summary_line(name, node):
    calls = [n for n in ast.walk(node) if isinstance(n, ast.Call)
             and getattr(n.func, "id", "") == "conclude"]
    assert calls, f"{name} never calls conclude()"
    if node.name in STATE_RETURNING:
        return
    for ret in (n for n in ast.walk(node) if isinstance(n, ast.Return)):
        assert isinstance(ret.value, ast.Call) and getattr(ret.value.func, "id", "") \
            == "conclude", f"{name}, line {ret.lineno}: a return without conclude()"


def test_artifacts_are_published_through_reporting_only():
    for path in sorted(FLOWS.rglob("*.py")):
        if path.name == "reporting.py":
            continue
        source = path.read_text(encoding="utf-8")
        assert "prefect.artifacts" not in source and "create_table_artifact" not in source, \
            f"{path.name}: publish through flows.reporting (French headers checked)"
