"""Commands (switch, number), actions, diagnostics, and ev.energy entities."""

from datetime import timedelta

import pytest
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from syrupy.filters import props

from custom_components.ev_battery.const import DOMAIN
from tests.simulator.conftest import LEAF, TESLA, VW

from .conftest import setup_entry, vehicle_device

SWITCH = "switch.tesla_model_3_charging"


async def switch(hass, service, entity_id=SWITCH):
    await hass.services.async_call(
        "switch", service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await hass.async_block_till_done()


async def test_charging_switch(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get(SWITCH).state == "on"
    await switch(hass, SERVICE_TURN_OFF)
    assert hass.states.get(SWITCH).state == "off"
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))[
        "state"
    ] == "NOT_CHARGING"
    assert (
        hass.states.get("sensor.tesla_model_3_charging_state").state == "not_charging"
    )
    await switch(hass, SERVICE_TURN_ON)
    assert hass.states.get(SWITCH).state == "on"
    # The confirming refresh is debounced after the first command.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("binary_sensor.tesla_model_3").state == "on"
    assert hass.states.get(SWITCH).state == "on"


async def test_failing_command_reverts_with_a_translated_error(
    hass, sim, smartcar_entry
):
    await setup_entry(hass, smartcar_entry)
    entity = "switch.volkswagen_id_4_charging"
    assert hass.states.get(entity).state == "off"
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, SERVICE_TURN_ON, entity)
    assert err.value.translation_key == "vehicle_state"
    assert err.value.translation_placeholders["reason"] == "charge plug disconnected"
    assert hass.states.get(entity).state == "off"


@pytest.mark.parametrize(
    ("fault", "key"),
    [
        ({"error": "PERMISSION"}, "permission_missing"),
        ({"error": "COMPATIBILITY", "code": "VEHICLE_NOT_CAPABLE"}, "not_supported"),
        (
            {"error": "RATE_LIMIT", "code": "VEHICLE", "retry_after": 5},
            "rate_limited_command",
        ),
        ({"error": "BILLING", "code": "VEHICLE_REQUEST_LIMIT"}, "quota_exceeded"),
        # One 401 is answered by a forced token refresh and a retry; a second
        # refusal means signing in again.
        ({"error": "AUTHENTICATION", "count": 2}, "auth_failed"),
        ({"kind": "disconnect"}, "cannot_connect"),
        ({"error": "UPSTREAM", "code": "NO_RESPONSE"}, "command_failed"),
    ],
)
async def test_command_errors(hass, sim, smartcar_entry, fault, key):
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/charge$", "method": "POST", "count": 1, **fault},
    )
    with pytest.raises(HomeAssistantError) as err:
        await switch(hass, SERVICE_TURN_OFF)
    assert err.value.translation_key == key
    assert hass.states.get(SWITCH).state == "on"


async def test_charge_limit(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    entity = "number.tesla_model_3_charge_limit"
    state = hass.states.get(entity)
    assert state.state == "80.0"
    assert state.attributes["min"] == 50
    assert state.attributes["max"] == 100
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: entity, ATTR_VALUE: 90},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert hass.states.get(entity).state == "90.0"
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))["charge_limit"] == 0.9
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number",
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: entity, ATTR_VALUE: 30},
            blocking=True,
        )
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": "/charge/limit$",
            "method": "POST",
            "error": "VALIDATION",
            "code": "PARAMETER",
            "count": 1,
        },
    )
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "number",
            SERVICE_SET_VALUE,
            {ATTR_ENTITY_ID: entity, ATTR_VALUE: 70},
            blocking=True,
        )
    assert err.value.translation_key == "invalid_value"
    assert hass.states.get(entity).state == "90.0"


async def records(hass, device_id, **data):
    return await hass.services.async_call(
        DOMAIN,
        "get_charge_records",
        {"device_id": device_id, **data},
        blocking=True,
        return_response=True,
    )


async def records_requests(sim):
    """How many charge-records requests the simulator received."""
    return sum("/records" in r["path"] for r in await sim.control("GET", "/requests"))


async def test_get_charge_records(hass, sim, smartcar_entry, device_registry):
    await setup_entry(hass, smartcar_entry)
    tesla = vehicle_device(hass, smartcar_entry, TESLA)
    response = await records(hass, tesla.id, start="2026-10-01", end="2026-11-02")
    assert response["total_kwh"] == 120.5
    assert response["records"][1] == {
        "start": "2026-10-24T07:00:00+00:00",
        "end": None,
        "energy_kwh": 60.0,
        "home_kwh": 0.0,
        "other_kwh": 0.0,
        "supercharger_kwh": 60.0,
    }
    vw = vehicle_device(hass, smartcar_entry, VW)
    with pytest.raises(ServiceValidationError) as err:
        await records(hass, vw.id)
    assert err.value.translation_key == "charge_records_not_supported"
    # The car as its device is named.
    assert err.value.translation_placeholders == {"vehicle": "Volkswagen ID.4"}
    with pytest.raises(ServiceValidationError) as err:
        await records(hass, tesla.id, start="2026-10-10", end="2026-10-01")
    assert err.value.translation_key == "end_before_start"
    with pytest.raises(ServiceValidationError) as err:
        await records(hass, "no-such-device")
    assert err.value.translation_key == "device_not_found"
    await sim.control(
        "POST", "/faults", json={"path": "/records$", "kind": "html_502", "count": 1}
    )
    with pytest.raises(HomeAssistantError) as err:
        await records(hass, tesla.id)
    assert err.value.translation_key == "command_failed"
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": "/records$",
            "error": "COMPATIBILITY",
            "code": "MAKE_NOT_COMPATIBLE",
            "count": 1,
        },
    )
    await sim.control("DELETE", "/requests")
    with pytest.raises(ServiceValidationError):
        await records(hass, tesla.id)
    assert (
        sum("/records" in r["path"] for r in await sim.control("GET", "/requests")) == 1
    )
    # Known now: no second call.
    with pytest.raises(ServiceValidationError):
        await records(hass, tesla.id)
    assert (
        sum("/records" in r["path"] for r in await sim.control("GET", "/requests")) == 1
    )


async def test_actions_need_a_loaded_entry(hass, smartcar_entry, device_registry):
    await setup_entry(hass, smartcar_entry)
    tesla = vehicle_device(hass, smartcar_entry, TESLA)
    await hass.config_entries.async_unload(smartcar_entry.entry_id)
    with pytest.raises(ServiceValidationError) as err:
        await records(hass, tesla.id)
    assert err.value.translation_key == "entry_not_loaded"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "create_unintegrated_vehicle",
            {"config_entry_id": "nope", "trim": "t"},
            blocking=True,
        )
    assert err.value.translation_key == "entry_not_found"


async def test_create_unintegrated_vehicle_is_for_evenergy(hass, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "create_unintegrated_vehicle",
            {"config_entry_id": smartcar_entry.entry_id, "trim": "t"},
            blocking=True,
        )
    assert err.value.translation_key == "evenergy_only"


async def test_diagnostics_are_redacted(hass, hass_client, smartcar_entry, snapshot):
    await setup_entry(hass, smartcar_entry)
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, smartcar_entry
    )
    text = str(diagnostics)
    for secret in (
        smartcar_entry.data["token"]["access_token"],
        smartcar_entry.data["token"]["refresh_token"],
        "5YJ3E7EB7PF000001",
        TESLA,
        LEAF,
        "52.3731",
    ):
        assert secret not in text
    # The interval and its reason depend on the days left in the month.
    assert diagnostics == snapshot(
        exclude=props("expires_at", "data_age", "update_interval", "reason", "month")
    )
    tesla = diagnostics["vehicles"][0]
    assert tesla["poller"]["reason"].startswith("charging")
    # Set-up: battery, capacity, charge, charge limit, attributes and VIN,
    # and the charge records (the energy history, read once a day).
    assert tesla["poller"]["usage"]["calls"] == 7


async def test_makes_keep_their_spelling(hass, sim, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    names = {
        device.manufacturer: device.name
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), evenergy_entry.entry_id
        )
        if device.manufacturer != "ev.energy"
    }
    assert names == {"Kia": "Kia EV6", "MG": "MG MG4"}


async def test_evenergy_entities(hass, sim, evenergy_entry, entity_registry):
    await setup_entry(hass, evenergy_entry)
    assert hass.states.get("sensor.kia_ev6_state_of_charge").state == "35"
    assert hass.states.get("binary_sensor.kia_ev6_charging_cable").state == "off"
    assert hass.states.get("sensor.kia_ev6_battery_capacity").state == "77.4"
    assert hass.states.get("number.kia_ev6_charge_limit").state == "80"
    # No charge command and no range in ev.energy.
    assert hass.states.get("switch.kia_ev6_charging") is None
    assert hass.states.get("sensor.kia_ev6_range") is None
    # The unintegrated MG4: capacity from its trim, no live data.
    assert hass.states.get("sensor.mg_mg4_battery_capacity").state == "64.0"
    assert hass.states.get("sensor.mg_mg4_state_of_charge") is None
    await sim.control("POST", "/vehicles/ee-kia-ev6/plug")
    await sim.control("POST", "/clock/advance", json={"seconds": 1800})
    coordinator = next(iter(evenergy_entry.runtime_data.coordinators.values()))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("binary_sensor.kia_ev6").state == "on"
    assert hass.states.get("sensor.kia_ev6_charging_state").state == "charging"
    assert hass.states.get("sensor.kia_ev6_charging_power").state == "7.4"


async def test_evenergy_charge_limit_and_records(
    hass, sim, evenergy_entry, device_registry
):
    await setup_entry(hass, evenergy_entry)
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: "number.kia_ev6_charge_limit", ATTR_VALUE: 60},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert hass.states.get("number.kia_ev6_charge_limit").state == "60"
    await sim.control("POST", "/vehicles/ee-kia-ev6/plug")
    kia = next(
        device
        for device in dr.async_entries_for_config_entry(
            device_registry, evenergy_entry.entry_id
        )
        if device.model == "EV6"
    )
    response = await records(hass, kia.id)
    # Two past sub-sessions, oldest first, and the one that started at plug-in.
    assert [r["energy_kwh"] for r in response["records"]] == [90.0, 29.6, 0.0]
    assert response["records"][2]["end"] is None
    assert response["total_kwh"] == pytest.approx(119.6)
    recent = await records(hass, kia.id, start="2026-10-30")
    assert [r["energy_kwh"] for r in recent["records"]] == [29.6, 0.0]


async def test_create_unintegrated_vehicle(hass, sim, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    response = await hass.services.async_call(
        DOMAIN,
        "create_unintegrated_vehicle",
        {
            "config_entry_id": evenergy_entry.entry_id,
            "trim": "trim01GTQH2V00FWB34QG49HM19E2N",
        },
        blocking=True,
        return_response=True,
    )
    assert response["battery_size_kwh"] == 52.0
    await hass.async_block_till_done()
    assert len(evenergy_entry.runtime_data.coordinators) == 3
    with pytest.raises(HomeAssistantError):
        await hass.services.async_call(
            DOMAIN,
            "create_unintegrated_vehicle",
            {
                "config_entry_id": evenergy_entry.entry_id,
                "trim": "trim00000000000000000000000000",
            },
            blocking=True,
        )
