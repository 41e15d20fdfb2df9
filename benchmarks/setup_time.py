"""Benchmark: how long Home Assistant takes to set up an account of many cars.

Runs the real integration in a real (test) Home Assistant against the simulator
on loopback, with every Vehicle API answer delayed by a fixed latency, and
prints the set-up time and the calls it cost:

    .venv/bin/python -m benchmarks.setup_time [--vehicles 50] [--latency 0.3] [--json F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from homeassistant import loader
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    MockConfigEntry,
    async_test_home_assistant,
)

from benchmarks.polling import RefreshingToken, scenario_with
from custom_components.ev_battery.const import (
    DOMAIN,
    SIMULATOR_ENV,
    SMARTCAR_SCOPES,
)
from simulator import SIM_KEY, create_app

CLIENT_ID, CLIENT_SECRET = "sc-demo-client-id", "sc-demo-client-secret"


async def run(vehicles: int, latency: float) -> dict[str, Any]:
    """Set up one Smartcar entry with ``vehicles`` extra cars; the figures."""
    app = create_app(scenario_with(vehicles), time_scale=0)
    sim = app[SIM_KEY]
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # noqa: SLF001
    base = f"http://127.0.0.1:{port}"
    os.environ[SIMULATOR_ENV] = base
    try:
        async with aiohttp.ClientSession() as http:
            tokens = RefreshingToken(http, base, sim)
            await tokens.authorize()
            async with http.post(
                f"{base}/_sim/faults",
                json={"path": "^/smartcar/api/", "kind": "delay", "seconds": latency},
            ) as resp:
                resp.raise_for_status()
        sim.billing.reset()
        with tempfile.TemporaryDirectory() as config_dir:
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                # Let Home Assistant load custom_components/ev_battery.
                hass.data.pop(loader.DATA_CUSTOM_COMPONENTS, None)
                await async_setup_component(hass, "application_credentials", {})
                await async_import_client_credential(
                    hass,
                    DOMAIN,
                    ClientCredential(CLIENT_ID, CLIENT_SECRET, "Smartcar"),
                    "sc_cred",
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
                            "expires_at": time.time() + 7000,
                        },
                        "provider": "smartcar",
                        "scopes": list(SMARTCAR_SCOPES),
                    },
                )
                entry.add_to_hass(hass)
                started = time.perf_counter()
                await hass.config_entries.async_setup(entry.entry_id)
                await hass.async_block_till_done()
                seconds = time.perf_counter() - started
                coordinators = entry.runtime_data.coordinators
                answered = sum(1 for c in coordinators.values() if c.answered)
                loaded = entry.state is ConfigEntryState.LOADED
                await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_block_till_done()
    finally:
        await runner.cleanup()
        os.environ.pop(SIMULATOR_ENV, None)
    return {
        "vehicles": len(coordinators),
        "vehicles_answered": answered,
        "loaded": loaded,
        "latency_seconds": latency,
        "setup_seconds": seconds,
        "billed_calls": sum(sim.billing.totals.values()),
    }


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vehicles", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--json", metavar="FILE", help="also write the figures")
    args = parser.parse_args()
    figures = asyncio.run(run(args.vehicles, args.latency))
    if args.json:
        Path(args.json).write_text(json.dumps(figures), encoding="utf-8")
    print(  # noqa: T201 - a benchmark prints its figures
        f"Set-up of one Smartcar entry with {figures['vehicles']} vehicles "
        f"at {figures['latency_seconds']:g} s API latency, in Home Assistant: "
        f"{figures['setup_seconds']:.2f} s "
        f"({figures['vehicles_answered']} answered, "
        f"{figures['billed_calls']} billed calls, "
        f"{'loaded' if figures['loaded'] else 'NOT loaded'})"
    )


if __name__ == "__main__":
    main()
