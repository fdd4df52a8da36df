"""Documents rendered side by side in worker processes give what this process gives."""

from __future__ import annotations

import os

import pytest

from connectors.documents import render_pool
from connectors.documents.render_pool import processes, render_all


def square(n: int) -> int:
    return n * n


def pid_of(_: int) -> int:
    return os.getpid()


def test_results_come_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIG_RENDER_PROCESSES", "2")
    assert render_all(square, [(n,) for n in range(12)]) == [n * n for n in range(12)]


def test_a_batch_of_one_or_one_process_stays_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIG_RENDER_PROCESSES", "2")
    assert render_all(pid_of, [(1,)]) == [os.getpid()]
    monkeypatch.setenv("EIG_RENDER_PROCESSES", "1")
    assert processes() == 1
    assert render_all(pid_of, [(1,), (2,)]) == [os.getpid()] * 2


def test_a_batch_goes_to_other_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIG_RENDER_PROCESSES", "2")
    assert os.getpid() not in render_all(pid_of, [(n,) for n in range(4)])


def test_a_broken_pool_renders_here(monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    class Broken:
        def map(self, *_: object) -> list[int]:
            raise BrokenProcessPool("a worker was killed")

    monkeypatch.setenv("EIG_RENDER_PROCESSES", "2")
    monkeypatch.setattr(render_pool, "_executor", Broken)
    assert render_all(pid_of, [(1,), (2,)]) == [os.getpid()] * 2


def test_convention_previews_match_those_rendered_here(monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    monkeypatch.setenv("EIG_RENDER_PROCESSES", "2")
    from connectors.documents import convention_pdf, convention_pdfs, render_docx
    from tests.unit.convention_samples import convention_context

    drafts = [(render_docx("convention", convention_context(kind)), f"Projet — {kind}")
              for kind in ("budgetaire", "partenariat")]
    here = [convention_pdf(docx, title=title) for docx, title in drafts]
    side_by_side = convention_pdfs(drafts)
    assert [len(p) > 1000 and p.startswith(b"%PDF") for p in side_by_side] == [True, True]
    assert [_pages(p) for p in side_by_side] == [_pages(p) for p in here]


def _pages(pdf: bytes) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_one_document_goes_to_a_worker_or_stays(monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.documents.render_pool import render_one

    monkeypatch.setenv("EIG_RENDER_PROCESSES", "2")
    assert render_one(square, 7) == 49 and render_one(pid_of, 0) != os.getpid()
    monkeypatch.setenv("EIG_RENDER_PROCESSES", "1")
    assert render_one(pid_of, 0) == os.getpid()
