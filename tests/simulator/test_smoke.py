async def test_state(sim):
    state = await sim.control("GET", "/state")
    assert state["time"] == "2026-11-02T07:00:00.000Z"
