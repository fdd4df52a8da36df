"""Opaque cursors and pages over sorted ``(sort_key, number)`` indexes."""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MAX_PAGE_SIZE = 100

Key = tuple[int, int]  # (sort key in µs, dossier number)


class InvalidCursor(ValueError):
    pass


def encode_cursor(stream: str, key: Key) -> str:
    return base64.urlsafe_b64encode(f"{stream}:{key[0]}:{key[1]}".encode()).decode()


def decode_cursor(stream: str, cursor: str) -> Key:
    """The sort key a cursor encodes; it must come from the same stream and ordering."""
    try:
        kind, sort_key, number = base64.urlsafe_b64decode(cursor).decode().split(":")
        if kind != stream:
            raise ValueError(kind)
        return int(sort_key), int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise InvalidCursor(f"Invalid cursor: {cursor!r}") from error


def page_size(first: int | None) -> int:
    """DS's page size: default and maximum 100; larger requests are silently capped."""
    if first is None:
        return MAX_PAGE_SIZE
    if first < 0:
        raise ValueError("Argument 'first' on Field 'dossiers' has an invalid value (negative)")
    return min(first, MAX_PAGE_SIZE)


@dataclass(frozen=True, slots=True)
class Page:
    keys: list[Key]
    has_next: bool
    has_previous: bool


def take_page(
    index: Sequence[Key],
    size: int,
    after: Key | None = None,
    since: int | None = None,
    accept: Callable[[int], bool] | None = None,
) -> Page:
    """Up to ``size`` keys strictly after ``after``, with sort key >= ``since`` (inclusive).

    ``accept(number)`` filters further (state, archived…); ``has_next`` is exact, so a
    client never needs an extra request to find an empty last page.
    """
    start = 0
    if since is not None:
        start = bisect_left(index, (since, -1))
    if after is not None:
        start = max(start, bisect_right(index, after))
    keys: list[Key] = []
    position = start
    total = len(index)
    while position < total:
        key = index[position]
        position += 1
        if accept is not None and not accept(key[1]):
            continue
        if len(keys) == size:
            return Page(keys, True, after is not None)
        keys.append(key)
    return Page(keys, False, after is not None)
