"""Unit checks of the ev.energy model helpers that the API cannot reach."""

from __future__ import annotations

from datetime import UTC, datetime

from simulator.evenergy.model import Integration, Vehicle
from simulator.evenergy.render import co2_class

from .test_evenergy_support import KIA, KIA_KEY, MG4, access, call

NOW = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)


def test_co2_classification_bands():
    assert co2_class(10) == "very low"
    assert co2_class(100) == "low"
    assert co2_class(142) == "moderate"
    assert co2_class(250) == "high"
    assert co2_class(300) == "very high"


def test_vehicle_without_a_car_has_nothing_to_log():
    vehicle = Vehicle(
        id="vhcl01JMGAEX002D41HZFCERTZ75KD",
        user_id="user01HVMNMT00PKFFG8BWNPQ2DN6T",
        trim_id="trim01GTJC9D009AFJRKW24QV149G7",
        integrated=Integration.UNINTEGRATED,
        charge_limit_percent=None,
    )
    vehicle.attach(NOW)
    vehicle.detach(NOW)
    assert vehicle.latest_log() is None
    assert vehicle.visible_sub_sessions() == []


async def test_record_ignores_a_vehicle_that_is_not_active(sim):
    vehicle = sim.state.evenergy.vehicles[KIA]
    vehicle.set_integration(Integration.INACTIVE, sim.state.now())
    before = len(vehicle.logs)
    assert vehicle.car is not None
    vehicle.record(vehicle.car, sim.state.now())
    assert len(vehicle.logs) == before


async def test_integration_transitions_via_control(sim):
    token = await access(sim)
    for state in ("INACTIVE", "INACTIVE", "UNINTEGRATED"):
        await sim.control(
            "PATCH", f"/evenergy/vehicles/{KIA_KEY}", json={"integrated": state}
        )
    answer = await call(sim, "GET", f"/v2/vehicles/{KIA}", token)
    assert answer.body["integrated"] == "UNINTEGRATED"
    sessions = await call(sim, "GET", "/v2/charging_sub_sessions", token)
    assert sessions.body == []
    await sim.control(
        "PATCH", f"/evenergy/vehicles/{MG4}", json={"integrated": "UNINTEGRATED"}
    )
