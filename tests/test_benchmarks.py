"""The benchmarks still run (their figures are counts, not timings)."""

import json
import subprocess
import sys

from benchmarks.polling import run


async def test_polling_benchmark_counts_one_call_per_poll(socket_enabled):
    figures = await run(days=1, vehicles=2)
    # 24 h at 90 min is 16 polls: one batched call each.
    assert figures["calls_per_vehicle"] == [16, 16, 16]
    assert figures["calls_per_vehicle_per_30_days"] == 480
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
    # The vehicle list is free; one batch each.
    assert figures["billed_calls"] == 6
