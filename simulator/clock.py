"""The simulated clock that drives battery physics and protocol timers."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class SimClock:
    """Simulated time: real time multiplied by a scale, plus explicit advances.

    With ``time_scale=0`` the clock stands still and moves only when
    :meth:`advance` is called, which is what tests use.

    Physics (state of charge, charge sessions, data ages) runs on simulated
    time. Protocol timers (token, code and rate-limit lifetimes) are stretched
    by the same scale through :meth:`protocol_seconds`, so that a token the API
    says lives two hours lives two real hours whatever the scale, while an
    explicit :meth:`advance` still expires it.
    """

    def __init__(
        self,
        start: datetime | None = None,
        time_scale: float = 1.0,
        monotonic: Callable[[], float] | None = None,
    ) -> None:
        """Start the clock at ``start`` (default: now, UTC)."""
        if time_scale < 0:
            msg = "time_scale must be >= 0"
            raise ValueError(msg)
        self._monotonic = monotonic or time.monotonic
        self._origin = (start or datetime.now(UTC)).astimezone(UTC)
        self._real_origin = self._monotonic()
        self._time_scale = float(time_scale)
        self._offset = 0.0

    @property
    def time_scale(self) -> float:
        """Simulated seconds per real second."""
        return self._time_scale

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        if value < 0:
            msg = "time_scale must be >= 0"
            raise ValueError(msg)
        # Re-anchor so that the current simulated time does not jump.
        current = self.elapsed()
        self._real_origin = self._monotonic()
        self._offset = current
        self._time_scale = float(value)

    def elapsed(self) -> float:
        """Simulated seconds since the clock started."""
        real = self._monotonic() - self._real_origin
        return self._offset + real * self._time_scale

    def now(self) -> datetime:
        """The simulated time, timezone-aware UTC."""
        return self._origin + timedelta(seconds=self.elapsed())

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward by ``seconds`` and return the new time."""
        if seconds < 0:
            msg = "the clock cannot go backwards"
            raise ValueError(msg)
        self._offset += seconds
        return self.now()

    def protocol_seconds(self, seconds: float) -> float:
        """Simulated seconds that a protocol timer of ``seconds`` real seconds lasts."""
        return seconds * max(1.0, self._time_scale)


def isoformat_z(moment: datetime, *, timespec: str = "milliseconds") -> str:
    """Format a UTC time as ISO-8601 with a ``Z`` suffix, as both APIs do."""
    return moment.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")
