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
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_test_home_assistant,
)

from benchmarks.harness import simulator_for_home_assistant, smartcar_entry
from benchmarks.polling import scenario_with
from simulator import create_app


async def run(vehicles: int, latency: float) -> dict[str, Any]:
    """Set up one Smartcar entry with ``vehicles`` extra cars; the figures."""
    app = create_app(scenario_with(vehicles), time_scale=0)
    async with simulator_for_home_assistant(app) as (sim, base, tokens):
        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{base}/_sim/faults",
                json={"path": "^/smartcar/api/", "kind": "delay", "seconds": latency},
            ) as resp,
        ):
            resp.raise_for_status()
        sim.billing.reset()
        with tempfile.TemporaryDirectory() as config_dir:
            async with async_test_home_assistant(config_dir=config_dir) as hass:
                entry = await smartcar_entry(hass, tokens, valid_for=7000)
                started = time.perf_counter()
                await hass.config_entries.async_setup(entry.entry_id)
                await hass.async_block_till_done()
                seconds = time.perf_counter() - started
                coordinators = entry.runtime_data.coordinators
                answered = sum(1 for c in coordinators.values() if c.answered)
                loaded = entry.state is ConfigEntryState.LOADED
                await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_block_till_done()
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
