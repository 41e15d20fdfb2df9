"""Benchmark: API calls per vehicle per month, data staleness, set-up time.

Runs the integration's own vehicle adapter and client against the simulator
(loopback HTTP, simulated clock) and prints the figures:

    .venv/bin/python -m benchmarks.polling [--days 30] [--vehicles 50]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import statistics
import time
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from custom_components.ev_battery.api import SmartcarClient
from custom_components.ev_battery.const import (
    DEFAULT_SCAN_INTERVAL,
    SMARTCAR_MONTHLY_CALLS,
    SMARTCAR_SCOPES,
    Provider,
)
from custom_components.ev_battery.vehicle import (
    Feature,
    SmartcarVehicleApi,
    VehicleInfo,
)
from simulator import SIM_KEY, Simulator, create_app, load_scenario

# What the default entities ask for (odometer is off by default).
DEFAULT_FEATURES = {
    Feature.BATTERY,
    Feature.RANGE,
    Feature.CAPACITY,
    Feature.CHARGE,
    Feature.CHARGE_LIMIT,
}


def scenario_with(vehicles: int) -> dict[str, Any]:
    """The default scenario plus ``vehicles`` extra cars on the first user."""
    scenario = load_scenario()
    smartcar = scenario["smartcar"]
    template = smartcar["vehicles"][1]
    smartcar["monthly_request_limit"] = None
    smartcar["vehicle_rate_limit"] = None
    for number in range(vehicles):
        car = copy.deepcopy(template)
        car["key"] = f"bench-{number}"
        car["id"] = f"00000000-0000-4000-8000-{number:012d}"
        car["vin"] = f"BENCH{number:012d}"
        smartcar["vehicles"].append(car)
        smartcar["users"][0]["vehicles"].append(car["key"])
    return scenario


# HTTP Basic credentials of the default scenario's Smartcar application.
DEMO_BASIC = base64.b64encode(b"sc-demo-client-id:sc-demo-client-secret").decode()


class RefreshingToken:
    """Tokens from the real OAuth endpoints, refreshed as Home Assistant does."""

    def __init__(self, http: aiohttp.ClientSession, base: str, sim: Simulator) -> None:
        """Remember where to ask."""
        self.http, self.base, self.sim = http, base, sim
        self.access = self.refresh = ""
        self.expires_at = sim.now()

    async def _token(self, data: dict[str, str]) -> None:
        async with self.http.post(
            f"{self.base}/smartcar/auth/oauth/token",
            data=data,
            headers={"Authorization": f"Basic {DEMO_BASIC}"},
        ) as resp:
            body = await resp.json()
        self.access, self.refresh = body["access_token"], body["refresh_token"]
        self.expires_at = self.sim.now() + timedelta(seconds=body["expires_in"] - 20)

    async def authorize(self) -> None:
        """Sign in (auto-approved) for every vehicle."""
        self.sim.auto_approve = "driver@example.com"
        redirect = "http://127.0.0.1/cb"
        async with self.http.get(
            f"{self.base}/smartcar/connect/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": "sc-demo-client-id",
                "redirect_uri": redirect,
                "scope": " ".join(SMARTCAR_SCOPES),
            },
            allow_redirects=False,
        ) as resp:
            code = URL(resp.headers["Location"]).query["code"]
        await self._token(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect}
        )

    async def async_get_access_token(self) -> str:
        """A valid access token (refreshed when about to expire)."""
        if self.sim.now() >= self.expires_at:
            await self._token(
                {"grant_type": "refresh_token", "refresh_token": self.refresh}
            )
        return self.access


async def run(days: int, vehicles: int) -> dict[str, Any]:
    """Measure; return the figures."""
    app = create_app(scenario_with(vehicles), time_scale=0)
    sim = app[SIM_KEY]
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # noqa: SLF001
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            tokens = RefreshingToken(http, base, sim)
            await tokens.authorize()
            client = SmartcarClient(
                tokens, session=http, api_base=f"{base}/smartcar/api"
            )
            # Set-up: list the vehicles, then one batch each (as the integration).
            started = time.perf_counter()
            ids = await client.get_vehicle_ids()
            apis = [
                SmartcarVehicleApi(
                    client,
                    VehicleInfo(
                        vehicle_id=vid,
                        provider=Provider.SMARTCAR,
                        make=None,
                        model=None,
                    ),
                    frozenset(SMARTCAR_SCOPES),
                )
                for vid in ids
            ]
            await asyncio.gather(*(api.async_fetch(DEFAULT_FEATURES) for api in apis))
            setup_seconds = time.perf_counter() - started

            # A month of polling three cars at the default interval.
            watched = apis[:3]
            interval = DEFAULT_SCAN_INTERVAL[Provider.SMARTCAR].total_seconds()
            sim.billing.reset()
            ages: list[float] = []
            elapsed = 0.0
            while elapsed + interval <= days * 86400:
                sim.clock.advance(interval)
                elapsed += interval
                for api in watched:
                    state = await api.async_fetch(DEFAULT_FEATURES)
                    if state.data_age is not None:
                        ages.append((sim.now() - state.data_age).total_seconds())
            calls = [
                sim.billing.totals.get(
                    sim.smartcar.vehicles[api.info.vehicle_id].car.key, 0
                )
                for api in watched
            ]
    finally:
        await runner.cleanup()
    return {
        "vehicles_set_up": len(ids),
        "setup_seconds": setup_seconds,
        "days": days,
        "interval_minutes": interval / 60,
        "calls_per_vehicle": calls,
        "calls_per_vehicle_per_30_days": max(calls) * 30 / days,
        "staleness_at_read_seconds_max": max(ages) if ages else None,
        "staleness_average_minutes": interval / 2 / 60,
        "staleness_median_at_read": statistics.median(ages) if ages else None,
    }


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--vehicles", type=int, default=50)
    args = parser.parse_args()
    figures = asyncio.run(run(args.days, args.vehicles))
    per_month = figures["calls_per_vehicle_per_30_days"]
    lines = [
        (
            "Smartcar polling at the default interval "
            f"({figures['interval_minutes']:.0f} min):"
        ),
        (
            f"  billable calls per vehicle in {figures['days']} days: "
            f"{figures['calls_per_vehicle']}, i.e. {per_month:.0f} per 30 days "
            f"(free plan: {SMARTCAR_MONTHLY_CALLS}; "
            f"{SMARTCAR_MONTHLY_CALLS - per_month:.0f} left for set-up and commands)"
        ),
        (
            "  staleness: data is read live at each poll "
            f"(median age at read {figures['staleness_median_at_read']:.0f} s); "
            "between polls what is shown is on average "
            f"{figures['staleness_average_minutes']:.0f} min old"
        ),
        (
            f"Set-up of {figures['vehicles_set_up']} vehicles "
            "(vehicle list + one batch each, loopback): "
            f"{figures['setup_seconds'] * 1000:.0f} ms"
        ),
    ]
    print("\n".join(lines))  # noqa: T201


if __name__ == "__main__":
    main()
