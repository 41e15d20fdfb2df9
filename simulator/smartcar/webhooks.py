"""Smartcar webhooks: verification challenge and signed deliveries."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

from simulator.clock import isoformat_z

if TYPE_CHECKING:
    from simulator.state import Simulator

SIGNATURE_HEADER = "SC-Signature"


def sign(key: str, message: str | bytes) -> str:
    """HMAC-SHA256 hex digest, as Smartcar signs webhooks."""
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


async def post(
    session: aiohttp.ClientSession,
    url: str,
    raw: bytes,
    headers: dict[str, str],
    answer_within: aiohttp.ClientTimeout | None = None,
) -> tuple[int | None, Any, str | None]:
    """POST a delivery: the status, the JSON answer (if any), or the error.

    ``answer_within``: the target's time to answer (default: the session's).
    """
    try:
        async with session.post(
            url, data=raw, headers=headers, timeout=answer_within
        ) as resp:
            text = await resp.text()
            try:
                payload = json.loads(text) if text else None
            except json.JSONDecodeError:
                payload = None
            return resp.status, payload, None
    except (aiohttp.ClientError, TimeoutError) as err:
        return None, None, f"{type(err).__name__}: {err}".rstrip(": ")


@dataclass
class Delivery:
    """One attempt to POST to a webhook URL."""

    event: str
    vehicle_id: str | None
    status: int | None
    error: str | None
    at: str


@dataclass
class Webhook:
    """A webhook the application defined in the Smartcar dashboard."""

    id: str
    client_id: str
    url: str
    management_token: str
    verified: bool = False
    subscriptions: set[str] = field(default_factory=set)
    deliveries: list[Delivery] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The webhook as the control API shows it."""
        return {
            "id": self.id,
            "client_id": self.client_id,
            "url": self.url,
            "verified": self.verified,
            "subscriptions": sorted(self.subscriptions),
            "deliveries": [vars(d) for d in self.deliveries],
        }


class WebhookSender:
    """Posts verification challenges and events."""

    def __init__(self, sim: Simulator) -> None:
        """Create the sender."""
        self.sim = sim
        self.tasks: set[asyncio.Task[int | None]] = set()

    async def _post(
        self, webhook: Webhook, body: dict[str, Any]
    ) -> tuple[int | None, Any, str | None]:
        raw = json.dumps(body, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(webhook.management_token, raw),
        }
        return await post(await self.sim.http_session(), webhook.url, raw, headers)

    async def verify(self, webhook: Webhook) -> bool:
        """Send the verification challenge; the answer must be its HMAC."""
        challenge = secrets.token_hex(16)
        body = {
            "version": "2.0",
            "webhookId": webhook.id,
            "eventName": "verify",
            "payload": {"challenge": challenge},
        }
        status, payload, error = await self._post(webhook, body)
        expected = sign(webhook.management_token, challenge)
        webhook.verified = (
            status == 200  # noqa: PLR2004 - HTTP OK
            and isinstance(payload, dict)
            and hmac.compare_digest(str(payload.get("challenge", "")), expected)
        )
        self._record(webhook, "verify", None, status, error)
        return webhook.verified

    async def deliver(
        self, webhook: Webhook, event_type: str, vehicle_id: str, event_time: str
    ) -> int | None:
        """POST one signed event in Smartcar's legacy (version 2.0) shape.

        ``{"eventName": "eventBased", "payload": {eventId, vehicleId,
        eventType, eventTime}}`` with ``eventType`` ``CHARGING_STARTED``,
        ``CHARGING_STOPPED`` or ``CHARGING_COMPLETED`` (the corrected
        reference); the event carries no signal data.
        """
        body = {
            "version": "2.0",
            "webhookId": webhook.id,
            "eventName": "eventBased",
            "payload": {
                "eventId": str(uuid.uuid4()),
                "vehicleId": vehicle_id,
                "eventType": event_type,
                "eventTime": event_time,
            },
        }
        status, _payload, error = await self._post(webhook, body)
        self._record(webhook, event_type, vehicle_id, status, error)
        return status

    def _record(
        self,
        webhook: Webhook,
        event: str,
        vehicle_id: str | None,
        status: int | None,
        error: str | None,
    ) -> None:
        webhook.deliveries.append(
            Delivery(event, vehicle_id, status, error, isoformat_z(self.sim.now()))
        )
        del webhook.deliveries[:-100]

    def schedule(
        self, webhook: Webhook, event_type: str, vehicle_id: str, event_time: str
    ) -> None:
        """Deliver in the background (from a synchronous car listener)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - no loop outside the server
            return
        task = loop.create_task(
            self.deliver(webhook, event_type, vehicle_id, event_time)
        )
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self) -> None:
        """Wait for deliveries in flight."""
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
