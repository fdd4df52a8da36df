"""The read-ahead thread follows the cursor chain and hands pages over only when they match."""

import threading

import pytest

from flows.fetch_ahead import ReadAhead


class Pages:
    """Page n's request is n; page n says whether n + 1 exists. Records who fetched what."""

    def __init__(self, last: int, failing: int | None = None):
        self.last, self.failing = last, failing
        self.fetched: list[tuple[int, str]] = []

    def fetch(self, n: int) -> str:
        self.fetched.append((n, threading.current_thread().name))
        if n == self.failing:
            raise RuntimeError(f"page {n} failed")
        return f"page {n}"

    def following(self, n: int, page: str) -> int | None:
        return n + 1 if n < self.last else None


def test_pages_are_read_ahead_in_order_and_each_fetched_once():
    pages, reader = Pages(last=5), ReadAhead(depth=2)
    assert reader.take(0, pages.fetch) == ("page 0", False)
    reader.start(1, pages.fetch, pages.following)
    assert [reader.take(n, pages.fetch) for n in range(1, 6)] == [
        (f"page {n}", True) for n in range(1, 6)
    ]
    reader.stop()
    assert [n for n, _ in pages.fetched] == [0, 1, 2, 3, 4, 5]
    assert {who for n, who in pages.fetched if n > 0} == {"ds-read-ahead"}


def test_a_request_that_does_not_match_stops_the_reader_and_is_fetched_directly():
    pages, reader = Pages(last=50), ReadAhead(depth=2)
    reader.start(1, pages.fetch, pages.following)
    assert reader.take(1, pages.fetch) == ("page 1", True)
    assert reader.take(1, pages.fetch) == ("page 1", False)  # a retry of page 1
    assert pages.fetched[-1] == (1, threading.current_thread().name)
    fetched_ahead = [n for n, who in pages.fetched if who == "ds-read-ahead"]
    assert max(fetched_ahead) <= 1 + 2 + 1  # never more than depth pages beyond what was taken


def test_an_error_read_ahead_is_raised_where_the_page_is_taken():
    pages, reader = Pages(last=5, failing=3), ReadAhead(depth=2)
    reader.start(1, pages.fetch, pages.following)
    assert reader.take(1, pages.fetch)[0] == "page 1"
    assert reader.take(2, pages.fetch)[0] == "page 2"
    with pytest.raises(RuntimeError, match="page 3 failed"):
        reader.take(3, pages.fetch)
    pages.failing = None
    assert reader.take(3, pages.fetch) == ("page 3", False)  # the retry fetches it itself


def test_past_the_last_page_the_page_is_fetched_directly():
    pages, reader = Pages(last=2), ReadAhead(depth=2)
    reader.start(1, pages.fetch, pages.following)
    assert reader.take(1, pages.fetch)[1] and reader.take(2, pages.fetch)[1]
    assert reader.take(7, pages.fetch) == ("page 7", False)
