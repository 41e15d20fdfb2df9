"""Smartcar v3 test helpers: credentials, Connect, API calls, a webhook target."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from yarl import URL

from .conftest import SC_REDIRECT, SC_USER, Sim

APP_ID = "8d1c6b0e-2f4a-4c3b-9e7d-5a6f1b2c3d4e"
M2M_ID = "client_3f9a1c7e5b2d4a6c8e0f"
M2M_SECRET = "sc3-demo-client-secret"
AMT = "sc3-demo-management-token"
WEBHOOK = "wh-v3-demo"
TOKEN_URL = "/smartcar/iam/oauth2/token"
V3 = "/smartcar/vehicle/v3"
MGMT = "/smartcar/management/v3"
ALL_V3_SCOPES = (
    "read_vehicle_info read_vin read_battery read_charge control_charge "
    "read_odometer read_location read_security control_security"
)


def hmac_hex(message: bytes | str, key: str = AMT) -> str:
    """Hex HMAC-SHA256, as Smartcar signs."""
    data = message.encode() if isinstance(message, str) else message
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


async def m2m_token(sim: Sim) -> str:
    """A fresh M2M access token (form body)."""
    async with sim.http.post(
        sim.url(TOKEN_URL),
        data={
            "grant_type": "client_credentials",
            "client_id": M2M_ID,
            "client_secret": M2M_SECRET,
        },
    ) as resp:
        assert resp.status == 200, await resp.text()
        return str((await resp.json())["access_token"])


async def connect_v3(
    sim: Sim,
    *,
    scope: str = ALL_V3_SCOPES,
    user: str = "driver@example.com",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Connect ``user``'s vehicles to the v3 app; the redirect's query."""
    await sim.control("PUT", "/config", json={"auto_approve": user})
    params = {
        "response_type": "code",
        "client_id": APP_ID,
        "redirect_uri": SC_REDIRECT,
        "scope": scope,
        "state": "s3",
        "mode": "live",
        **(extra or {}),
    }
    async with sim.http.get(
        sim.url("/smartcar/connect/oauth/authorize"),
        params=params,
        allow_redirects=False,
    ) as resp:
        assert resp.status == 302, await resp.text()
        location = URL(resp.headers["Location"])
    await sim.control("PUT", "/config", json={"auto_approve": None})
    assert str(location.with_query(None)) == SC_REDIRECT
    return dict(location.query)


@dataclass
class V3Api:
    """Raw Vehicle and Management API v3 calls."""

    sim: Sim
    token: str
    user: str | None = SC_USER

    async def call(
        self,
        method: str,
        path: str,
        *,
        user: str | bool | None = True,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> tuple[int, Any, Any]:
        """Status, JSON body (None when empty) and headers of a v3 call."""
        all_headers = {"Authorization": f"Bearer {self.token}"}
        chosen = self.user if user is True else user
        if isinstance(chosen, str):
            all_headers["sc-user-id"] = chosen
        all_headers.update(headers or {})
        async with self.sim.http.request(
            method, self.sim.url(f"{V3}{path}"), headers=all_headers, **kwargs
        ) as resp:
            text = await resp.text()
            return resp.status, json.loads(text) if text else None, resp.headers

    async def manage(
        self, method: str, path: str, *, token: str = AMT, **kwargs: Any
    ) -> tuple[int, Any]:
        """Status and JSON body of a Management API call."""
        async with self.sim.http.request(
            method,
            self.sim.url(f"{MGMT}{path}"),
            headers={"Authorization": f"Bearer {token}"},
            **kwargs,
        ) as resp:
            text = await resp.text()
            return resp.status, json.loads(text) if text else None

    async def subscribe(self, vehicle_id: str, webhook_id: str = WEBHOOK) -> None:
        """Subscribe a vehicle through the Management API (202)."""
        status, body = await self.manage(
            "POST",
            "/subscriptions",
            json={"webhookId": webhook_id, "vehicleId": vehicle_id},
        )
        assert (status, body) == (
            202,
            {"meta": {"message": "subscription creation in progress"}},
        )
        await deliveries(self.sim)  # waits for FIRST_DELIVERY's first attempt


@dataclass
class Received:
    """One request the webhook target got."""

    headers: dict[str, str]
    raw: bytes
    body: dict[str, Any]


@dataclass
class Target:
    """A loopback webhook target whose behaviour a test sets."""

    server: TestServer
    received: list[Received] = field(default_factory=list)
    behaviour: str = "ok"  # ok, 500, slow, wrong (VERIFY answer)
    slow_seconds: float = 1.0

    @property
    def url(self) -> str:
        """The URL to give the simulator."""
        return str(self.server.make_url("/hook"))

    def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """The bodies received, optionally of one type."""
        return [
            item.body
            for item in self.received
            if event_type in (None, item.body.get("eventType"))
        ]

    async def handler(self, request: web.Request) -> web.Response:
        """Answer as the test asked."""
        raw = await request.read()
        body = json.loads(raw)
        self.received.append(Received(dict(request.headers), raw, body))
        if self.behaviour == "slow":
            await asyncio.sleep(self.slow_seconds)
        if self.behaviour == "500":
            return web.json_response({"error": "boom"}, status=500)
        if body.get("eventType") == "VERIFY":
            challenge = body["data"]["challenge"]
            answer = hmac_hex(challenge) if self.behaviour != "wrong" else "nope"
            return web.json_response({"challenge": answer})
        return web.json_response({"received": True})


async def start_target() -> Target:
    """Start a webhook target on 127.0.0.1."""
    app = web.Application()
    server = TestServer(app, host="127.0.0.1")
    target = Target(server=server)
    app.router.add_post("/hook", target.handler)
    await server.start_server()
    return target


async def use_webhook(sim: Sim, url: str, **extra: Any) -> dict[str, Any]:
    """Point the demo v3 webhook at ``url`` (sends VERIFY)."""
    answer: dict[str, Any] = await sim.control(
        "POST", "/smartcar/v3/webhooks", json={"id": WEBHOOK, "url": url, **extra}
    )
    return answer


async def deliveries(sim: Sim, **filters: str) -> dict[str, Any]:
    """The control API's delivery log."""
    answer: dict[str, Any] = await sim.control(
        "GET", "/smartcar/v3/deliveries", params=filters
    )
    return answer
