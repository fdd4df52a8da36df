"""The corpus of malformed inputs (tests/corpus/malformed/cases.yaml, issue 19): each case
runs the real `eig` command on a store that holds a roster, and must end with its exit
code and its French line — file, line, field, rule —, no traceback, no endless line, and
the store exactly as it was."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from eig.cli import main
from settings.environment import PROJECT_ROOT

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "malformed"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))
ROSTER = PROJECT_ROOT / "config" / "evaluateurs.example.csv"
KINDS = ("roster", "availability", "scores", "mission", "hearings", "deliberate", "assign",
         "score", "sync", "approve", "conventions", "notify", "rgpd", "config", "unknown")


def run_eig(args: list[str], capsys: pytest.CaptureFixture) -> tuple[int, str]:
    with pytest.raises(SystemExit) as ended:
        main(args)
    captured = capsys.readouterr()
    return int(ended.value.code or 0), captured.out + captured.err


def dump(database: Path) -> list[str]:
    """Every row of every table, in SQL (WAL included)."""
    with sqlite3.connect(database) as connection:
        return list(connection.iterdump())


@pytest.fixture(scope="module")
def roster_store(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of every case: migrated, the example roster imported (12 evaluators)."""
    folder = tmp_path_factory.mktemp("corpus-store")
    shutil.copyfile(migrated_sqlite, folder / "eig.sqlite")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("EIG_DATABASE_URL", f"sqlite:///{folder / 'eig.sqlite'}")
        with pytest.raises(SystemExit) as ended:
            main(["roster", "import", str(ROSTER)])
    assert ended.value.code == 0
    return folder / "eig.sqlite"


def configured(case: dict, tmp_path: Path) -> str | None:
    """EIG_CONFIG for the case: a file of the corpus, or the embedded one changed."""
    if "config_file" in case:
        return str(CORPUS / case["config_file"])
    if "config" not in case:
        return None
    raw = yaml.safe_load((PROJECT_ROOT / "config" / "eig.yaml").read_text(encoding="utf-8"))
    for dotted, value in case["config"].items():
        *parents, last = dotted.split(".")
        node = raw
        for key in parents:
            node = node[key]
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    path = tmp_path / "eig.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def test_the_corpus_is_large_and_covers_every_kind_of_input():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)) >= 60
    assert {i.split("-")[0] for i in ids} == set(KINDS)
    used = {case["file"] for case in CASES if "file" in case} | {
        case["config_file"] for case in CASES if "config_file" in case}
    on_disk = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*")
               if p.is_file() and p.name not in ("cases.yaml", "evaluation_forms.yaml",
                                                   "vivier_forms.yaml",
                                                   "availability_forms.yaml")}
    assert on_disk <= used, f"files of the corpus no case reads: {sorted(on_disk - used)}"


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_a_malformed_input_is_one_french_line_and_changes_nothing(
        case: dict, roster_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture) -> None:
    database = tmp_path / "eig.sqlite"
    shutil.copyfile(roster_store, database)
    monkeypatch.setenv("EIG_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("EIG_DOCUMENTS_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("EIG_MAILDIR", str(tmp_path / "maildir"))
    monkeypatch.chdir(tmp_path)
    for name, value in (case.get("env") or {}).items():
        monkeypatch.setenv(name, value)
    if (config := configured(case, tmp_path)) is not None:
        monkeypatch.setenv("EIG_CONFIG", config)
    before = dump(database)
    args = [a.replace("{file}", str(CORPUS / case.get("file", ""))).replace(
        "{roster}", str(ROSTER)) for a in case["args"]]

    code, output = run_eig(args, capsys)

    assert case["message"] in output, output
    assert code == case["exit"], output
    assert "Traceback" not in output and "Error:" not in output, output
    assert all(len(line) <= 400 for line in output.splitlines()), output[:2000]
    assert dump(database) == before  # nothing stored, nothing half-stored
    assert not (tmp_path / "var").exists() and not (tmp_path / "maildir").exists()
