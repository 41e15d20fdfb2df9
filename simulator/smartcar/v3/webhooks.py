"""Webhooks 4.0: VERIFY, signed deliveries, retries in simulated time, the log."""

from __future__ import annotations

import asyncio
import heapq
import hmac
import itertools
import json
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp

from simulator.clock import isoformat_z
from simulator.smartcar.webhooks import post, sign

from .choices import DELIVERY_LOG_KEEP, SIGNATURE_HEADER, WEBHOOK_VERSION
from .signals import epoch_ms

if TYPE_CHECKING:
    from simulator.state import Simulator

    from .model import Settings, V3Webhook

HTTP_OK = 200
HTTP_MULTIPLE_CHOICES = 300


@dataclass
class Event:
    """One event for one webhook; every attempt re-sends it (same eventId)."""

    event_id: str
    event_type: str
    webhook: V3Webhook
    vehicle_id: str | None
    body: dict[str, Any]  # everything but meta.deliveryId and meta.deliveredAt
    mode: str = "LIVE"


@dataclass(order=True)
class Attempt:
    """A delivery attempt waiting for its simulated time."""

    due: datetime
    seq: int
    event: Event = field(compare=False)
    number: int = field(compare=False, default=1)


@dataclass
class Delivery:
    """One attempt as the control API logs it."""

    delivery_id: str
    event_id: str
    event_type: str
    webhook_id: str
    vehicle_id: str | None
    mode: str
    attempt: int
    at: datetime
    status: int | None
    error: str | None
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Whether the target accepted it (any 2xx; VERIFY: the right answer)."""
        return (
            self.error is None
            and self.status is not None
            and HTTP_OK <= self.status < HTTP_MULTIPLE_CHOICES
        )

    def to_json(self) -> dict[str, Any]:
        """The log entry."""
        return {
            "delivery_id": self.delivery_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "webhook_id": self.webhook_id,
            "vehicle_id": self.vehicle_id,
            "mode": self.mode,
            "attempt": self.attempt,
            "at": isoformat_z(self.at),
            "status": self.status,
            "error": self.error,
            "ok": self.ok,
            "body": self.body,
        }


class Sender:
    """Posts webhook events in simulated-time order and retries failures."""

    def __init__(self, sim: Simulator, settings: Settings) -> None:
        """Create an empty queue."""
        self.sim = sim
        self.settings = settings
        self.queue: list[Attempt] = []
        self.log: list[Delivery] = []
        self.lock = asyncio.Lock()
        self.tasks: set[asyncio.Task[None]] = set()
        self._seq = itertools.count()

    # ----------------------------------------------------------------- queue
    def enqueue(self, event: Event, due: datetime, number: int = 1) -> None:
        """Send ``event`` once simulated time reaches ``due``."""
        heapq.heappush(self.queue, Attempt(due, next(self._seq), event, number))

    async def flush(self, until: datetime) -> int:
        """Make every attempt due up to ``until``, in order; the attempts made."""
        made = 0
        async with self.lock:
            while self.queue and self.queue[0].due <= until:
                attempt = heapq.heappop(self.queue)
                delivery = await self._attempt(attempt)
                if delivery is None:
                    continue
                made += 1
                delays = self.settings.retry_delays
                if not delivery.ok and attempt.number <= len(delays):
                    retry_at = attempt.due + timedelta(
                        seconds=delays[attempt.number - 1]
                    )
                    self.enqueue(attempt.event, retry_at, attempt.number + 1)
        return made

    def kick(self) -> None:
        """Flush in the background (after an API request caused events)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - no loop outside the server
            return
        task = loop.create_task(self._flush_now())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _flush_now(self) -> None:
        await self.flush(self.sim.now())

    async def drain(self) -> None:
        """Wait for background flushes in flight."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)

    # --------------------------------------------------------------- sending
    async def _attempt(self, attempt: Attempt) -> Delivery | None:
        event = attempt.event
        webhook = event.webhook
        if webhook.url is None or not webhook.verified:
            return None
        delivery_id = str(uuid.uuid4())
        body = dict(event.body)
        body["meta"] = {
            "deliveryId": delivery_id,
            "deliveredAt": epoch_ms(attempt.due),
            **event.body.get("meta", {}),
        }
        raw = json.dumps(body, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(webhook.management_token, raw),
        }
        status, _payload, error = await self._post(webhook.url, raw, headers)
        delivery = Delivery(
            delivery_id=delivery_id,
            event_id=event.event_id,
            event_type=event.event_type,
            webhook_id=webhook.id,
            vehicle_id=event.vehicle_id,
            mode=event.mode,
            attempt=attempt.number,
            at=attempt.due,
            status=status,
            error=error,
            body=body,
        )
        self._record(delivery)
        return delivery

    async def _post(
        self, url: str, raw: bytes, headers: dict[str, str]
    ) -> tuple[int | None, Any, str | None]:
        timeout = aiohttp.ClientTimeout(total=self.settings.webhook_timeout)
        return await post(await self.sim.http_session(), url, raw, headers, timeout)

    def _record(self, delivery: Delivery) -> None:
        self.log.append(delivery)
        del self.log[:-DELIVERY_LOG_KEEP]

    async def verify(self, webhook: V3Webhook) -> bool:
        """Send the (unsigned) VERIFY challenge; the answer must be its HMAC."""
        if webhook.url is None:
            webhook.verified = False
            return False
        challenge = secrets.token_hex(16)
        now = self.sim.now()
        event_id = str(uuid.uuid4())
        body: dict[str, Any] = {
            "eventId": event_id,
            "eventType": "VERIFY",
            "data": {"challenge": challenge},
            "meta": {
                "webhookId": webhook.id,
                "version": WEBHOOK_VERSION,
                "deliveredAt": epoch_ms(now),
            },
        }
        raw = json.dumps(body, separators=(",", ":")).encode()
        status, payload, error = await self._post(
            webhook.url, raw, {"Content-Type": "application/json"}
        )
        expected = sign(webhook.management_token, challenge)
        webhook.verified = (
            status == HTTP_OK
            and isinstance(payload, dict)
            and hmac.compare_digest(str(payload.get("challenge", "")), expected)
        )
        if status == HTTP_OK and not webhook.verified and error is None:
            error = "wrong challenge answer"
        self._record(
            Delivery(
                delivery_id=str(uuid.uuid4()),
                event_id=event_id,
                event_type="VERIFY",
                webhook_id=webhook.id,
                vehicle_id=None,
                mode="LIVE",
                attempt=1,
                at=now,
                status=status,
                error=error,
                body=body,
            )
        )
        return webhook.verified
