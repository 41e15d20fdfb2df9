"""Rolling-hour request buckets per (application, user)."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .choices import RATE_WINDOW_SECONDS

if TYPE_CHECKING:
    from simulator.clock import SimClock

type BucketKey = tuple[str, str | None]


@dataclass
class Verdict:
    """The outcome of counting one request."""

    limit: int
    remaining: int
    retry_after: int | None = None  # set when the request is refused

    def headers(self) -> dict[str, str]:
        """The rate-limit response headers."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
        }


@dataclass
class RateLimiter:
    """Request times per bucket, on the simulated clock."""

    clock: SimClock
    buckets: dict[BucketKey, deque[datetime]] = field(default_factory=dict)

    def _window(self) -> timedelta:
        return timedelta(seconds=self.clock.protocol_seconds(RATE_WINDOW_SECONDS))

    def _recent(self, key: BucketKey) -> deque[datetime]:
        recent = self.buckets.setdefault(key, deque())
        oldest_kept = self.clock.now() - self._window()
        while recent and recent[0] <= oldest_kept:
            recent.popleft()
        return recent

    def peek(self, key: BucketKey, limit: int) -> Verdict:
        """The bucket's state without counting a request."""
        return Verdict(limit, max(0, limit - len(self._recent(key))))

    def hit(self, key: BucketKey, limit: int) -> Verdict:
        """Count a request, or refuse it with the seconds to wait."""
        recent = self._recent(key)
        now = self.clock.now()
        if len(recent) >= limit:
            oldest = recent[0] if recent else now
            wait = (oldest + self._window() - now).total_seconds()
            real = wait / max(1.0, self.clock.time_scale)
            return Verdict(limit, 0, max(1, math.ceil(real)))
        recent.append(now)
        return Verdict(limit, limit - len(recent))

    def reset(self) -> None:
        """Forget every request."""
        self.buckets.clear()
