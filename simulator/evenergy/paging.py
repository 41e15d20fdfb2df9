"""Cursor pagination: bare JSON arrays plus a ``Link`` header."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from simulator.state import parse_time

from .choices import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, PAGE_SIZE_MIN
from .ids import ID_PATTERN
from .problems import pagination

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from multidict import MultiMapping
    from yarl import URL

BLANK = "about:blank"


def page_size(query: MultiMapping[str]) -> int:
    """``page_size`` (default 25, 1..100) or a 400 pagination problem."""
    raw = query.get("page_size")
    if raw is None:
        return PAGE_SIZE_DEFAULT
    try:
        size = int(raw)
    except ValueError:
        raise pagination("page_size") from None
    if not PAGE_SIZE_MIN <= size <= PAGE_SIZE_MAX:
        raise pagination("page_size")
    return size


def id_cursor(value: str, parameter: str) -> str:
    """An ID cursor (``[a-z]{4}[A-Z0-9]{26}``)."""
    if not ID_PATTERN.match(value):
        raise pagination(parameter)
    return value


def time_cursor(value: str, parameter: str) -> datetime:
    """A timestamp cursor (status logs)."""
    try:
        return parse_time(value)
    except ValueError:
        raise pagination(parameter) from None


class Page[T, K: (str, datetime)]:
    # K: a cursor value, an ID (str) or a timestamp (datetime).
    """One page of an ordered list, and the links to its neighbours."""

    def __init__(
        self,
        items: Sequence[T],
        key: Callable[[T], K],
        cursor: Callable[[str, str], K],
        *,
        descending: bool = False,
    ) -> None:
        """Page ``items`` (already in list order) by ``key``."""
        self.items = items
        self.key: Callable[[T], K] = key
        self.cursor: Callable[[str, str], K] = cursor
        self.descending = descending

    def _beyond(self, value: K, cursor: K) -> bool:
        return value < cursor if self.descending else value > cursor

    def select(self, query: MultiMapping[str]) -> tuple[int, int]:
        """The slice ``[start, stop)`` the query asks for."""
        size = page_size(query)
        keys = [self.key(item) for item in self.items]
        after = query.get("page_after")
        before = query.get("page_before")
        if after is not None:
            mark = self.cursor(after, "page_after")
            if mark in keys:  # exact cursor: also right for ordering=name
                start = keys.index(mark) + 1
                return start, start + size
            start = next(
                (n for n, k in enumerate(keys) if self._beyond(k, mark)), len(keys)
            )
            return start, start + size
        if before is not None:
            mark = self.cursor(before, "page_before")
            if mark in keys:
                stop = keys.index(mark)
                return max(0, stop - size), stop
            stop = next(
                (n for n, k in enumerate(keys) if not self._beyond(mark, k)),
                len(keys),
            )
            return max(0, stop - size), stop
        return 0, size

    def render(
        self,
        url: URL,
        query: MultiMapping[str],
        fmt: Callable[[K], str],
    ) -> tuple[list[T], str]:
        """The page's items and its ``Link`` header value."""
        start, stop = self.select(query)
        chosen = list(self.items[start:stop])
        size = str(page_size(query))
        kept: list[tuple[str, str]] = [
            (name, value)
            for name, value in query.items()
            if name not in ("page_after", "page_before", "page_size")
        ]
        previous = nxt = BLANK
        if chosen and start > 0:
            first = fmt(self.key(chosen[0]))
            previous = str(
                url.with_query([*kept, ("page_size", size), ("page_before", first)])
            )
        if chosen and stop < len(self.items):
            last = fmt(self.key(chosen[-1]))
            nxt = str(
                url.with_query([*kept, ("page_size", size), ("page_after", last)])
            )
        return chosen, f'<{previous}>; rel="previous", <{nxt}>; rel="next"'
