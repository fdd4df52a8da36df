"""Read DS pages ahead of the store, in a background thread that follows the cursors.

Each DS page needs the previous page's endCursor, so fetching is a chain. A reader
thread walks that chain on its own, up to ``depth`` pages ahead, while the flow maps
and stores the pages it already has; DS pages are read-only, so reading ahead is safe.
The flow takes a page only if it is exactly the one it would ask for (same démarche,
streams and cursors); otherwise (a page failed to store and is retried) the reader is
stopped and the page is fetched directly. Only one thread ever uses the DS client at a
time: the reader while it runs, the flow once it has stopped it.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

R = TypeVar("R", bound=Hashable)  # a page request: démarche, streams, cursors
P = TypeVar("P")  # a page


@dataclass(frozen=True)
class _Item:
    request: Any
    page: Any = None
    error: BaseException | None = None
    end: bool = False


class ReadAhead(Generic[R, P]):
    def __init__(self, depth: int = 2) -> None:
        self.depth = depth
        self.hits = 0
        self._queue: queue.Queue[_Item] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def take(self, request: R, fetch: Callable[[R], P]) -> tuple[P, bool]:
        """The page for ``request`` and whether it was read ahead.

        An error met while reading that page ahead is raised here, where it is needed.
        """
        if self._queue is not None:
            item = self._queue.get()
            if not item.end and item.request == request:
                if item.error is not None:
                    self.stop()
                    raise item.error
                self.hits += 1
                return item.page, True
            self.stop()
        return fetch(request), False

    def start(
        self, request: R, fetch: Callable[[R], P], following: Callable[[R, P], R | None]
    ) -> None:
        """Read from ``request`` on, each next request given by ``following``."""
        self.stop()
        self._queue = queue.Queue(maxsize=self.depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=_read, args=(request, fetch, following, self._queue, self._stop),
            name="ds-read-ahead", daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the reader and drop what it read ahead."""
        if self._thread is None:
            return
        self._stop.set()
        assert self._queue is not None
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()
        self._thread, self._queue = None, None


def _read(
    request: Any, fetch: Callable[[Any], Any], following: Callable[[Any, Any], Any],
    out: queue.Queue[_Item], stop: threading.Event,
) -> None:
    def put(item: _Item) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    while request is not None and not stop.is_set():
        try:
            page = fetch(request)
        except BaseException as error:  # handed to the flow, which decides
            put(_Item(request, error=error))
            return
        if not put(_Item(request, page=page)):
            return
        request = following(request, page)
    put(_Item(None, end=True))
