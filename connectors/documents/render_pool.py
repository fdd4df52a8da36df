"""Documents rendered side by side, in worker processes.

WeasyPrint lays out in pure Python: a convention's preview costs about 0.6 s of one
core, and a flow rendering twenty of them in one thread leaves the machine's other cores
idle. ``render_all`` runs a module-level function over a batch in a pool of worker
processes (``concurrent.futures``), one per core; the workers start from a forkserver
that has already imported WeasyPrint, and stay up for the next batch.

A batch of one, a one-core machine or ``EIG_RENDER_PROCESSES=1`` renders in this
process; so does a batch whose pool broke (a worker killed by the system): the result
is the same, only slower. ``render_one`` sends one long document to a worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

log = logging.getLogger(__name__)

Result = TypeVar("Result")

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
PRELOAD = ["connectors.documents.docx", "connectors.documents.pdf", "weasyprint"]


# A one-page PDF saying the document was not rendered (ASCII: PDF syntax).
PLACEHOLDER_PDF = (b"%PDF-1.4\n% apercu non rendu (simulation d'une saison)\n"
                   b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                   b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
                   b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
                   b"trailer<</Root 1 0 R>>\n%%EOF\n")
_sketch = False


@contextmanager
def without_pdfs() -> Iterator[None]:
    """Inside this block no document is laid out: each PDF is ``PLACEHOLDER_PDF`` (the
    season simulation drafts a season's relevés and conventions — their HTML, JSON and
    Word are written as usual — but the PDFs would cost it most of its time)."""
    global _sketch
    previous, _sketch = _sketch, True
    try:
        yield
    finally:
        _sketch = previous


def processes() -> int:
    """Worker processes for a batch: ``EIG_RENDER_PROCESSES`` or one per core (at most 4)."""
    configured = os.environ.get("EIG_RENDER_PROCESSES", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, min(4, os.cpu_count() or 1))


def render_all(function: Callable[..., Result], arguments: Sequence[tuple[Any, ...]]
               ) -> list[Result]:
    """``[function(*a) for a in arguments]``, in order, computed in parallel when it pays.
    ``function`` must be importable by name (a module-level function)."""
    if _sketch:
        return [PLACEHOLDER_PDF for _ in arguments]  # type: ignore[misc]
    if len(arguments) < 2 or processes() < 2:
        return [function(*a) for a in arguments]
    try:
        return list(_executor().map(_apply, [(function, a) for a in arguments]))
    except BrokenProcessPool:
        log.warning("rendu en parallèle interrompu (processus perdu) : rendu sur place")
        _reset()
        return [function(*a) for a in arguments]


def render_one(function: Callable[..., Result], *arguments: Any) -> Result:
    """``function(*arguments)`` in a worker process when there are several cores: a long
    document (a relevé of a hundred pages) then leaves this process's interpreter to
    its other threads — another committee preparing its own, say."""
    if _sketch:
        return PLACEHOLDER_PDF  # type: ignore[return-value]
    if processes() < 2:
        return function(*arguments)
    try:
        return _executor().submit(_apply, (function, arguments)).result()
    except BrokenProcessPool:
        log.warning("rendu dans un processus de rendu interrompu (processus perdu) : "
                    "rendu sur place")
        _reset()
        return function(*arguments)


def _apply(call: tuple[Callable[..., Result], tuple[Any, ...]]) -> Result:
    function, arguments = call
    return function(*arguments)


def _executor() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _pool = ProcessPoolExecutor(max_workers=processes(), mp_context=context)
        return _pool


def _reset() -> None:
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
