"""Benchmark: a simulated month of one car, read by each polling strategy.

The real integration (config entry, coordinators, entities) runs in a real
(test) Home Assistant against the simulator on loopback, with Smartcar's real
billing (every signal of a batch billed). The month: weekday commutes (20 km
each way), plugged in at home at 18:00 charging at 11 kW to an 80 % limit,
weekend solar-surplus charging whose power follows a simulated sun between
1.4 and 7 kW, four Home Assistant restarts and sixty commands. For each
strategy it measures, from the simulator's own counters and true state of
charge:

- billed calls per vehicle per 30 days (set-up, restarts, commands included);
- the error of the state of charge Home Assistant shows while the car
  charges, every simulated minute (measured and estimated sensor);
- how long after plugging in Home Assistant knows;
- process CPU time per refresh (integration and the in-process simulator).

    .venv/bin/python -m benchmarks.month [--days 30] [--json FILE] [--png FILE]

The clock: the simulator's clock is advanced minute by minute and Home
Assistant's ``dt_util.utcnow`` follows it, so the poller plans in simulated
time; each coordinator is read when its own plan says (its ``next_read_at``),
not by Home Assistant's wall-clock timer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import tempfile
import time
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from pytest_homeassistant_custom_component.common import (  # type: ignore[import-untyped]
    async_test_home_assistant,
)

from benchmarks import setup_time
from benchmarks.harness import (
    serve_home_assistant,
    simulator_for_home_assistant,
    smartcar_entry,
    smartcar_v3_entry,
    use_webhook,
)
from simulator import SIM_KEY, create_app, load_scenario

START = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday
CAR = "vw-id4"
STRATEGIES: dict[str, timedelta | None] = {
    "fixed_6h": timedelta(hours=6),
    "fixed_90min": timedelta(minutes=90),
    "budgeted": None,
    # Smartcar v3: deliveries through Home Assistant's webhook, the budgeted
    # poller as the fallback when push is silent.
    "push": None,
}
PUSH = "push"
RESTART_DAYS = (4, 11, 18, 25)
COMMAND_MINUTES = (19 * 60, 19 * 60 + 5, 21 * 60)
COMMAND_EVENINGS = 20
PLOT_DAY = 2  # the charging evening drawn in the picture (a Wednesday)


def scenario() -> dict[str, Any]:
    """The default scenario with one car for the user and real billing."""
    data = load_scenario()
    smartcar = data["smartcar"]
    smartcar["batch_cost"] = "path"
    smartcar["monthly_request_limit"] = None
    smartcar["vehicle_rate_limit"] = None
    smartcar["users"][0]["vehicles"] = [CAR]
    for car in smartcar["vehicles"]:
        if car["key"] == CAR:
            car["soc"] = 0.7
    return data


def sun_kw(moment: datetime) -> float:
    """Solar surplus on a weekend day: 1.4 kW at 10:00 and 16:00, 7 kW at 13:00."""
    hours = moment.hour + moment.minute / 60
    return 1.4 + (7.0 - 1.4) * max(0.0, math.sin(math.pi * (hours - 10) / 6))


def person_acts(car: Any, now: datetime) -> bool:
    """The person's day; True when the car was plugged in now.

    Weekdays: drive 20 km at 07:30 (unplugged) and at 17:30, plug in at home
    at 18:00 (11 kW). Weekends: plugged in from 10:00 to 16:00, charging on
    the solar surplus.
    """
    weekend = now.weekday() >= 5  # noqa: PLR2004
    minute = now.hour * 60 + now.minute
    plugged = False
    if not weekend and minute == 7 * 60 + 30:
        car.unplug(now)
        car.drive(now, 20)
    elif not weekend and minute == 17 * 60 + 30:
        car.drive(now, 20)
    elif minute == (10 * 60 if weekend else 18 * 60):
        if not weekend:
            car.update(now, charger_power_kw=11.0)
        car.plug_in(now)
        plugged = True
    elif weekend and minute == 16 * 60:
        car.unplug(now)
    if weekend and 10 * 60 <= minute < 16 * 60:
        car.update(now, charger_power_kw=round(sun_kw(now), 2))
    return plugged


async def send_command(hass: Any, minute: int) -> None:
    """19:00 stop charging, 19:05 start it again, 21:00 set the limit to 80 %."""
    if minute == 21 * 60:
        await hass.services.async_call(
            "number",
            "set_value",
            {"entity_id": "number.volkswagen_id_4_charge_limit", "value": 80},
            blocking=True,
        )
    else:
        await hass.services.async_call(
            "switch",
            "turn_off" if minute == 19 * 60 else "turn_on",
            {"entity_id": "switch.volkswagen_id_4_charging"},
            blocking=True,
        )
    await hass.async_block_till_done()


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` percentile (nearest rank)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


async def run_strategy(name: str, days: int) -> dict[str, Any]:  # noqa: C901, PLR0912, PLR0915 - a month, top to bottom
    """One month of one strategy; its figures."""
    app = create_app(scenario(), start=START, time_scale=0)
    car = app[SIM_KEY].cars()[CAR]
    fixed = STRATEGIES[name]
    errors: dict[str, list[float]] = {"measured": [], "estimated": []}
    delays: list[float] = []
    plot: dict[str, list[tuple[float, float | None]]] = {
        "true": [],
        "measured": [],
        "estimated": [],
    }
    refreshes = 0
    cpu = 0.0
    commands = 0
    push = name == PUSH
    async with simulator_for_home_assistant(app) as (sim, base, tokens):
        sim.billing.reset()
        with (
            tempfile.TemporaryDirectory() as config_dir,
            patch("homeassistant.util.dt.utcnow", sim.now),
        ):
            async with (
                async_test_home_assistant(config_dir=config_dir) as hass,
                AsyncExitStack() as stack,
            ):
                if push:
                    entry = await smartcar_v3_entry(hass, base, sim)
                    ha_url = await stack.enter_async_context(serve_home_assistant(hass))
                else:
                    # Valid for Home Assistant's wall clock; the simulator
                    # expires the token by its own clock, and the
                    # integration's forced refresh on a 401 takes over.
                    entry = await smartcar_entry(hass, tokens, valid_for=10 * 86400)

                async def start_home_assistant() -> Any:
                    await hass.config_entries.async_setup(entry.entry_id)
                    await hass.async_block_till_done()
                    if entry.state is not ConfigEntryState.LOADED:
                        msg = f"set-up failed: {entry.state} {entry.reason}"
                        raise RuntimeError(msg)
                    coordinator = next(iter(entry.runtime_data.coordinators.values()))
                    if fixed is not None:
                        coordinator.api.budgeted = False
                        coordinator.base_interval = fixed
                        coordinator.next_read_at = sim.now() + fixed
                    coordinator._async_unsub_refresh()  # noqa: SLF001 - benchmark's clock
                    return coordinator

                coordinator = await start_home_assistant()
                if push:
                    # The person pastes the webhook URL in the Dashboard.
                    await use_webhook(sim, base, ha_url)
                    await hass.async_block_till_done()
                plugged_at: datetime | None = None
                weekdays_seen = 0
                end = START + timedelta(days=days)
                while sim.now() < end:
                    now = sim.now()
                    day, minute = (now - START).days, now.hour * 60 + now.minute
                    weekend = now.weekday() >= 5  # noqa: PLR2004
                    # The person's day.
                    if person_acts(car, now):
                        plugged_at = now
                        weekdays_seen += not weekend
                    if push:
                        # What Smartcar ingests and delivers by now.
                        await sim.settle()
                        await hass.async_block_till_done()
                    if (
                        day in RESTART_DAYS
                        and minute == 12 * 60
                        and (now - START) < timedelta(days=days)
                    ):
                        await hass.config_entries.async_unload(entry.entry_id)
                        await hass.async_block_till_done()
                        coordinator = await start_home_assistant()
                    # Sixty commands: on the first 20 weekday evenings a stop, a
                    # start and a charge limit.
                    if (
                        weekdays_seen <= COMMAND_EVENINGS
                        and not weekend
                        and minute in COMMAND_MINUTES
                    ):
                        await send_command(hass, minute)
                        commands += 1
                        coordinator._async_unsub_refresh()  # noqa: SLF001
                    # The integration reads when its plan says.
                    if (
                        coordinator.next_read_at is not None
                        and now >= coordinator.next_read_at
                    ):
                        started = time.process_time()
                        await coordinator.async_refresh()
                        await hass.async_block_till_done()
                        cpu += time.process_time() - started
                        refreshes += 1
                        coordinator._async_unsub_refresh()  # noqa: SLF001
                        if fixed is not None:
                            coordinator.next_read_at = now + fixed
                    # What Home Assistant shows against the truth.
                    car.advance_to(now)
                    data = coordinator.data
                    true_soc = car.soc * 100
                    if car.charging and data is not None:
                        if data.soc is not None:
                            errors["measured"].append(abs(data.soc - true_soc))
                        estimated = coordinator.estimated_soc()
                        if estimated is not None:
                            errors["estimated"].append(abs(estimated - true_soc))
                    if plugged_at is not None and data is not None and data.plugged_in:
                        delays.append((now - plugged_at).total_seconds() / 60)
                        plugged_at = None
                    if day == PLOT_DAY and 17 * 60 <= minute <= 23 * 60:
                        hour = minute / 60
                        plot["true"].append((hour, true_soc))
                        plot["measured"].append((hour, data.soc if data else None))
                        plot["estimated"].append(
                            (hour, coordinator.estimated_soc() if data else None)
                        )
                    sim.clock.advance(60)
                await hass.config_entries.async_unload(entry.entry_id)
                await hass.async_block_till_done()
    billed = sim.billing.totals.get(CAR, 0)
    return {
        "billed_calls_per_vehicle_30d": round(billed * 30 / days),
        "soc_error_charging_pp": {
            kind: {
                "p50": _round(percentile(values, 0.5)),
                "p95": _round(percentile(values, 0.95)),
                "max": _round(max(values) if values else None),
            }
            for kind, values in errors.items()
        },
        "plugin_delay_min": {
            "p50": _round(percentile(delays, 0.5)),
            "p95": _round(percentile(delays, 0.95)),
        },
        "commands": commands,
        "refreshes": refreshes,
        "cpu_ms_per_refresh": _round(cpu / refreshes * 1000 if refreshes else None),
        "plot": plot,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def draw(figures: dict[str, Any], path: str) -> bool:
    """The picture of one charging evening (needs matplotlib)."""
    try:
        import matplotlib as mpl  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415 - benchmark-only dependency

        mpl.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(9, 5))
    strategies = figures["strategies"]
    first = next(iter(strategies.values()))["plot"]["true"]
    ax.plot(*zip(*first, strict=True), color="black", linewidth=2.5, label="true SoC")
    for name, result in strategies.items():
        for kind, style in (("measured", "-"), ("estimated", ":")):
            points = [(h, v) for h, v in result["plot"][kind] if v is not None]
            if points:
                ax.plot(
                    *zip(*points, strict=True),
                    style,
                    drawstyle="steps-post" if kind == "measured" else "default",
                    label=f"{name} ({kind})",
                )
    ax.set_xlabel("hour of the day (simulated, a weekday evening)")
    ax.set_ylabel("state of charge (%)")
    ax.set_title("What Home Assistant shows while the car charges")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return True


async def run(days: int, *, setup_vehicles: int = 50) -> dict[str, Any]:
    """Every strategy, one after the other, and the set-up of many vehicles."""
    strategies = {name: await run_strategy(name, days) for name in STRATEGIES}
    setup = await setup_time.run(setup_vehicles, 1.0)
    return {
        "days": days,
        "strategies": strategies,
        "setup_50_vehicles_1s_latency_s": round(setup["setup_seconds"], 2),
        "setup_vehicles": setup["vehicles"],
    }


def main() -> None:
    """Print the table; write JSON and the picture when asked."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--png", metavar="FILE")
    parser.add_argument("--setup-vehicles", type=int, default=50)
    args = parser.parse_args()
    figures = asyncio.run(run(args.days, setup_vehicles=args.setup_vehicles))
    header = (
        f"{'strategy':<12} {'billed/30d':>10} {'SoC err p50/p95/max (measured)':>31} "
        f"{'(estimated)':>17} {'plug-in known p50/p95 min':>26} {'CPU ms/read':>11}"
    )
    lines = [f"A simulated month of {args.days} days, one car:", header]
    for name, result in figures["strategies"].items():
        m = result["soc_error_charging_pp"]["measured"]
        e = result["soc_error_charging_pp"]["estimated"]
        d = result["plugin_delay_min"]
        lines.append(
            f"{name:<12} {result['billed_calls_per_vehicle_30d']:>10} "
            f"{m['p50']!s:>9}/{m['p95']!s:>6}/{m['max']!s:>6} pp     "
            f"{e['p50']!s:>5}/{e['p95']!s:>5}/{e['max']!s:>5} "
            f"{d['p50']!s:>12}/{d['p95']!s:>6} "
            f"{result['cpu_ms_per_refresh']!s:>11}"
        )
    lines.append(
        f"set-up of {figures['setup_vehicles']} vehicles at 1 s API latency: "
        f"{figures['setup_50_vehicles_1s_latency_s']} s"
    )
    print("\n".join(lines))  # noqa: T201 - a benchmark prints its figures
    if args.json:
        shaped = {
            "strategies": {
                name: {k: v for k, v in result.items() if k != "plot"}
                for name, result in figures["strategies"].items()
            },
            "days": args.days,
            "setup_50_vehicles_1s_latency_s": figures["setup_50_vehicles_1s_latency_s"],
        }
        Path(args.json).write_text(json.dumps(shaped, indent=2), encoding="utf-8")
    if args.png:
        if draw(figures, args.png):
            print(f"picture: {args.png}")  # noqa: T201
        else:
            print("picture: matplotlib is not installed (requirements_bench.txt)")  # noqa: T201


if __name__ == "__main__":
    main()
