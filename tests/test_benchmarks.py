"""The benchmark still runs (its figures are counts, not timings)."""

from benchmarks.polling import run


async def test_polling_benchmark_counts_one_call_per_poll(socket_enabled):
    figures = await run(days=1, vehicles=2)
    # 24 h at 90 min is 16 polls: one batched call each.
    assert figures["calls_per_vehicle"] == [16, 16, 16]
    assert figures["calls_per_vehicle_per_30_days"] == 480
    assert figures["vehicles_set_up"] == 5
