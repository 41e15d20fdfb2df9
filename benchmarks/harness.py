"""What the benchmarks share: the simulator served, an entry in a Home Assistant."""

from __future__ import annotations

import os
import time
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web
from homeassistant import loader
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.helpers import frame
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
)
from yarl import URL

from benchmarks.polling import RefreshingToken
from custom_components.ev_battery.const import DOMAIN, SIMULATOR_ENV, SMARTCAR_SCOPES
from simulator import SIM_KEY

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from homeassistant.core import HomeAssistant

    from simulator import Simulator

CLIENT_ID, CLIENT_SECRET = "sc-demo-client-id", "sc-demo-client-secret"


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    """Run ``app`` on a free loopback port; its runner and base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # noqa: SLF001
    return runner, f"http://127.0.0.1:{port}"


@asynccontextmanager
async def simulator_for_home_assistant(
    app: web.Application,
) -> AsyncIterator[tuple[Simulator, str, RefreshingToken]]:
    """The simulator served, the integration pointed at it, a user signed in."""
    sim = app[SIM_KEY]
    runner, base = await serve(app)
    os.environ[SIMULATOR_ENV] = base
    try:
        async with aiohttp.ClientSession() as http:
            tokens = RefreshingToken(http, base, sim)
            await tokens.authorize()
        yield sim, base, tokens
    finally:
        await runner.cleanup()
        os.environ.pop(SIMULATOR_ENV, None)


async def smartcar_entry(
    hass: HomeAssistant, tokens: RefreshingToken, *, valid_for: float
) -> Any:
    """A Smartcar entry with the user's tokens, and what it needs loaded."""
    # Let Home Assistant load custom_components/ev_battery.
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    frame.async_setup(hass)
    await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(CLIENT_ID, CLIENT_SECRET, "Smartcar"), "sc_cred"
    )
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id="smartcar_benchmark",
        data={
            "auth_implementation": "sc_cred",
            "token": {
                "access_token": tokens.access,
                "refresh_token": tokens.refresh,
                "token_type": "Bearer",
                "expires_in": 7200,
                "expires_at": time.time() + valid_for,
            },
            "provider": "smartcar",
            "scopes": list(SMARTCAR_SCOPES),
        },
    )
    entry.add_to_hass(hass)
    return entry


# The simulator's v3 application (simulator/scenarios/default.json).
V3_APPLICATION_ID = "8d1c6b0e-2f4a-4c3b-9e7d-5a6f1b2c3d4e"
V3_CLIENT_ID, V3_CLIENT_SECRET = "client_3f9a1c7e5b2d4a6c8e0f", "sc3-demo-client-secret"
V3_MANAGEMENT_TOKEN = "sc3-demo-management-token"  # noqa: S105 - the demo's
V3_WEBHOOK = "wh-v3-demo"
V3_USER = "driver@example.com"
HA_WEBHOOK = "ev-battery-benchmark"


async def connect_v3(base: str, sim: Simulator) -> str:
    """Connect the user's vehicles to the v3 application; their user id."""
    sim.auto_approve = V3_USER
    try:
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{base}/smartcar/connect/oauth/authorize",
                params={
                    "response_type": "code",
                    "client_id": V3_APPLICATION_ID,
                    "redirect_uri": "http://127.0.0.1/callback",
                    "scope": " ".join(SMARTCAR_SCOPES),
                    "state": "benchmark",
                },
                allow_redirects=False,
            ) as response,
        ):
            location = response.headers["Location"]
    finally:
        sim.auto_approve = None
    return str(URL(location).query["user_id"])


async def smartcar_v3_entry(hass: HomeAssistant, base: str, sim: Simulator) -> Any:
    """A Smartcar v3 entry with push, its webhook served to the simulator.

    Home Assistant's HTTP application is served on a loopback port after the
    integration registered its views; the simulator's webhook points there,
    and Smartcar's VERIFY follows once the entry is set up (see
    :func:`use_webhook`).
    """
    hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
    frame.async_setup(hass)
    await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass,
        DOMAIN,
        ClientCredential(V3_CLIENT_ID, V3_CLIENT_SECRET, "Smartcar v3"),
        "sc3_cred",
    )
    user_id = await connect_v3(base, sim)
    if not await async_setup_component(hass, DOMAIN, {}):
        msg = "the integration did not load"
        raise RuntimeError(msg)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id=f"smartcar_{user_id}",
        data={
            "auth_implementation": "sc3_cred",
            "provider": "smartcar",
            "api_version": "v3",
            "application_id": V3_APPLICATION_ID,
            "management_token": V3_MANAGEMENT_TOKEN,
            "user_id": user_id,
            "webhook_id": HA_WEBHOOK,
            "scopes": list(SMARTCAR_SCOPES),
        },
    )
    entry.add_to_hass(hass)
    return entry


@asynccontextmanager
async def serve_home_assistant(hass: HomeAssistant) -> AsyncIterator[str]:
    """Home Assistant's HTTP application on a loopback port; its base URL."""
    runner, url = await serve(hass.http.app)
    await hass.config.async_update(internal_url=url)
    try:
        yield url
    finally:
        await runner.cleanup()


async def use_webhook(sim: Simulator, base: str, ha_url: str) -> None:
    """Give the Dashboard webhook Home Assistant's URL (VERIFY, subscribe)."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base}/_sim/smartcar/v3/webhooks",
            json={"id": V3_WEBHOOK, "url": f"{ha_url}/api/webhook/{HA_WEBHOOK}"},
        ) as response,
    ):
        webhook = await response.json()
    if not webhook.get("verified"):
        msg = f"Home Assistant did not answer VERIFY: {webhook}"
        raise RuntimeError(msg)
    await sim.settle()
