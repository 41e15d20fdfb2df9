"""ev.energy webhooks as Svix delivers them: signed POSTs, retried on failure.

Svix's documented scheme: ``svix-id`` (the message, the same on every
attempt), ``svix-timestamp`` (Unix seconds of the attempt) and
``svix-signature`` (``v1,<base64 HMAC-SHA256>`` of ``{id}.{timestamp}.{body}``
keyed with the base64-decoded part of the ``whsec_`` secret).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

from simulator.clock import isoformat_z

from .choices import SVIX_RETRY_DELAYS, SVIX_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from simulator.state import Simulator

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
HTTP_OK_MIN = 200
HTTP_OK_MAX = 299


def new_secret() -> str:
    """A Svix-style signing secret: ``whsec_`` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id() -> str:
    """A Svix-style message ID (``msg_`` and 27 random characters)."""
    return "msg_" + secrets.token_urlsafe(20)[:27]


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``svix-signature`` value for one attempt."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


@dataclass
class Attempt:
    """One POST of a message."""

    message_id: str
    event: str
    attempt: int
    status: int | None
    error: str | None
    at: str


@dataclass
class Endpoint:
    """The endpoint set in the (simulated) Svix portal."""

    url: str
    secret: str
    api_base: str  # the API base URL that resource URLs in payloads use
    retry_delays: tuple[float, ...] = SVIX_RETRY_DELAYS
    attempts: list[Attempt] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The endpoint as the control API shows it."""
        return {
            "url": self.url,
            "secret": self.secret,
            "retry_delays_seconds": list(self.retry_delays),
            "attempts": [vars(a) for a in self.attempts],
        }


class SvixSender:
    """Delivers messages in the background, with Svix's retries."""

    def __init__(self, sim: Simulator) -> None:
        """Create the sender (no endpoint yet)."""
        self.sim = sim
        self.endpoint: Endpoint | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    def send(self, event: str, data: dict[str, Any]) -> str | None:
        """Queue ``{type, timestamp, data}``; the message ID, or None."""
        endpoint = self.endpoint
        if endpoint is None:
            return None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - no loop outside the server
            return None
        message_id = new_message_id()
        body = {
            "type": event,
            "timestamp": isoformat_z(self.sim.now(), timespec="microseconds"),
            "data": data,
        }
        raw = json.dumps(body, separators=(",", ":")).encode()
        task = loop.create_task(self._deliver(endpoint, message_id, event, raw))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return message_id

    async def _deliver(
        self, endpoint: Endpoint, message_id: str, event: str, raw: bytes
    ) -> None:
        delays = (0.0, *endpoint.retry_delays)
        for number, delay in enumerate(delays, start=1):
            if delay:
                await asyncio.sleep(delay)
            if self.endpoint is not endpoint:
                return  # the endpoint was removed or replaced meanwhile
            status, error = await self._attempt(endpoint, message_id, event, raw)
            at = isoformat_z(self.sim.now())
            endpoint.attempts.append(
                Attempt(message_id, event, number, status, error, at)
            )
            del endpoint.attempts[:-200]
            if status is not None and HTTP_OK_MIN <= status <= HTTP_OK_MAX:
                return

    async def _attempt(
        self, endpoint: Endpoint, message_id: str, event: str, raw: bytes
    ) -> tuple[int | None, str | None]:
        # Svix signs with its own (wall-clock) time, not the simulated one.
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "svix-id": message_id,
            "svix-timestamp": str(timestamp),
            "svix-signature": sign(endpoint.secret, message_id, timestamp, raw),
            "svix-event-type": event,
        }
        session = await self.sim.http_session()
        try:
            async with session.post(
                endpoint.url,
                data=raw,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=SVIX_TIMEOUT_SECONDS),
            ) as response:
                await response.read()
                return response.status, None
        except (aiohttp.ClientError, TimeoutError) as err:
            return None, f"{type(err).__name__}: {err}"

    async def drain(self) -> None:
        """Wait for every message in flight (retries included)."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
