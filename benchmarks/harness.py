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
