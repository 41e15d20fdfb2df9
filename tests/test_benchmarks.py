"""The benchmarks still run (their figures are counts, not timings)."""

import json
import subprocess
import sys

from benchmarks.polling import run


async def test_polling_benchmark_bills_every_signal_of_a_poll(socket_enabled):
    figures = await run(days=1, vehicles=2)
    # 24 h at 90 min is 16 polls of one batch; Smartcar bills each signal:
    # battery, capacity, charge and charge limit (the Leaf has no charge
    # limit: after set-up it is not asked for, so three).
    assert figures["calls_per_vehicle"][:2] == [64, 64]
    assert figures["calls_per_vehicle"][2] == 48
    assert figures["calls_per_vehicle_per_30_days"] == 1920
    assert figures["vehicles_set_up"] == 5


def test_setup_benchmark_sets_up_every_vehicle(tmp_path):
    # In its own process: the benchmark runs its own Home Assistant.
    figures_file = tmp_path / "figures.json"
    done = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "benchmarks.setup_time",
            "--vehicles=3",
            "--latency=0.05",
            f"--json={figures_file}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert "Set-up of one Smartcar entry with 6 vehicles" in done.stdout
    figures = json.loads(figures_file.read_text())
    assert figures["loaded"] is True
    assert figures["vehicles"] == 6
    assert figures["vehicles_answered"] == 6
    # The vehicle list is free; each vehicle's first batch asks for six
    # signals (battery, capacity, charge, charge limit, attributes, VIN).
    assert figures["billed_calls"] == 36


def test_month_benchmark_writes_its_figures(tmp_path):
    figures_file = tmp_path / "month.json"
    done = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "benchmarks.month",
            "--days=3",
            "--setup-vehicles=2",
            f"--json={figures_file}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "budgeted" in done.stdout
    figures = json.loads(figures_file.read_text())
    assert set(figures["strategies"]) == {
        "fixed_6h",
        "fixed_90min",
        "budgeted",
        "push",
    }
    for result in figures["strategies"].values():
        assert result["billed_calls_per_vehicle_30d"] > 0
        assert set(result["soc_error_charging_pp"]) == {"measured", "estimated"}
        assert result["refreshes"] > 0
    fixed = figures["strategies"]["fixed_90min"]
    # Every 90 minutes all five default signals, billed one by one.
    assert fixed["billed_calls_per_vehicle_30d"] > 1500
    # Push: the charging car's state of charge arrives as it changes, the
    # plug-in at once, and reads are billed only at set-up and for commands.
    push = figures["strategies"]["push"]
    assert push["soc_error_charging_pp"]["estimated"]["p95"] <= 2
    assert push["plugin_delay_min"]["p95"] <= 5
    budgeted = figures["strategies"]["budgeted"]["billed_calls_per_vehicle_30d"]
    assert push["billed_calls_per_vehicle_30d"] < budgeted
    assert figures["setup_50_vehicles_1s_latency_s"] > 0
