"""What a run tells the operator in the Prefect UI: its artifacts and its last log line.

Every artifact goes through here, so that its tables speak French to people: each header
is a label (« Dossier », « Jours de retard »), never a key of the code (``capacity_left``,
``evaluator``). ``labelled`` turns rows keyed by the code into rows keyed by labels; a
header that is not a label is refused (a programming error, caught by any test of the
flow). ``conclude`` ends a run: one French line in its log — the headline its artifact
opens with — also kept in the summary it returns (``headline``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact

_LABEL = re.compile(r"[A-ZÀ-ÖØ-Þ0-9][^_]*")
"""A label for people: starts with a capital (or a digit), no underscore."""
_TABLE_RULE = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+\s*$")


_quiet = False


@contextmanager
def without_artifacts() -> Iterator[None]:
    """Stages run inside this block publish no artifact (their headers are still
    checked) and draw no chart: the season simulation runs hundreds of them in one
    run, which publishes its own report."""
    global _quiet
    previous, _quiet = _quiet, True
    try:
        yield
    finally:
        _quiet = previous


def artifacts_wanted() -> bool:
    return not _quiet


class HeaderError(ValueError):
    """An artifact's header is a key of the code, not a French label."""


def is_label(header: str) -> bool:
    return bool(_LABEL.fullmatch(header.strip()))


def check_headers(headers: Iterable[str], key: str) -> None:
    bad = [h for h in headers if not is_label(h)]
    if bad:
        raise HeaderError(f"artefact {key} : en-têtes {bad} — un libellé en français pour "
                          "les personnes (« Dossier », « Jours de retard »), pas une clé")


def labelled(rows: Iterable[Mapping[str, Any]], labels: Mapping[str, str]) -> list[dict]:
    """``rows`` with their keys replaced by ``labels`` (in the labels' order); a key
    without a label is an error, so that no column slips through in English."""
    out = []
    for row in rows:
        missing = [k for k in row if k not in labels]
        if missing:
            raise HeaderError(f"colonnes sans libellé : {missing}")
        out.append({labels[k]: row[k] for k in labels if k in row})
    return out


def publish_table(key: str, rows: list[dict[str, Any]], description: str,
                  empty: str = "Aucune ligne") -> None:
    """A table artifact; without rows, one row saying so (Prefect shows no empty table)."""
    rows = rows or [{"Résultat": empty}]
    check_headers({h for row in rows for h in row}, key)
    if _quiet:
        return
    create_table_artifact(key=key, table=rows, description=description)


def publish_markdown(key: str, markdown: str, description: str | None = None) -> None:
    """A markdown artifact; the headers of its tables are checked like a table's."""
    lines = markdown.splitlines()
    for head, rule in zip(lines, lines[1:], strict=False):
        if _TABLE_RULE.match(rule.strip()) and head.strip().startswith("|"):
            check_headers([h for h in head.strip().strip("|").split("|")], key)
    if _quiet:
        return
    create_markdown_artifact(key=key, markdown=markdown, description=description)


def conclude(summary: dict[str, Any], headline: str, warning: bool = False
             ) -> dict[str, Any]:
    """The run's last word: ``headline`` (French, one line) in its log (a warning when the
    run could not do its job) and in its summary."""
    logger = get_run_logger()
    (logger.warning if warning else logger.info)("%s", headline)
    summary["headline"] = headline
    return summary
