"""One car's trouble never takes the account down; removed cars go away."""

from datetime import timedelta

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir

from custom_components.ev_battery.const import DOMAIN
from tests.simulator.conftest import LEAF, TESLA, VW

from .conftest import poll, setup_entry, vehicle_device


async def test_one_failing_car_does_not_block_the_others(
    hass, sim, smartcar_entry, freezer
):
    await sim.control(
        "POST", "/faults", json={"path": f"{LEAF}/batch$", "kind": "html_502"}
    )
    await setup_entry(hass, smartcar_entry)
    assert smartcar_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("sensor.tesla_model_3_state_of_charge").state == "42.0"
    assert hass.states.get("sensor.volkswagen_id_4_state_of_charge").state == "63.0"
    # The Leaf has no entities yet (nothing known about it) and retries soon.
    leaf = smartcar_entry.runtime_data.coordinators[LEAF]
    assert leaf.last_update_success is False
    assert not [
        e
        for e in er.async_entries_for_config_entry(
            er.async_get(hass), smartcar_entry.entry_id
        )
        if e.unique_id.startswith(LEAF)
    ]
    assert leaf.update_interval.total_seconds() == 300
    await sim.control("DELETE", "/faults")
    await poll(hass, freezer)
    assert hass.states.get("sensor.nissan_leaf_state_of_charge").state == "55.0"
    assert vehicle_device(hass, smartcar_entry, LEAF).name == "Nissan Leaf"


async def test_car_failing_after_a_restart_shows_unavailable(
    hass, sim, smartcar_entry, freezer
):
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST", "/faults", json={"path": f"{VW}/batch$", "kind": "html_502"}
    )
    # Long enough for every vehicle's next read to be due: no stored reading
    # is current, so each vehicle is read at set-up.
    freezer.tick(timedelta(hours=7))
    await hass.config_entries.async_reload(smartcar_entry.entry_id)
    await hass.async_block_till_done()
    assert smartcar_entry.state is ConfigEntryState.LOADED
    state = hass.states.get("sensor.volkswagen_id_4_state_of_charge")
    assert state.state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.tesla_model_3_state_of_charge").state == "42.0"


async def test_smartcar_vehicle_removed_without_reload(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    coordinator = smartcar_entry.runtime_data.coordinators[LEAF]
    await coordinator.api.client.disconnect(LEAF)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert vehicle_device(hass, smartcar_entry, LEAF) is None
    assert hass.states.get("sensor.nissan_leaf_state_of_charge") is None
    assert LEAF not in smartcar_entry.runtime_data.coordinators
    assert coordinator.update_interval is None
    assert vehicle_device(hass, smartcar_entry, TESLA) is not None
    assert smartcar_entry.state is ConfigEntryState.LOADED


async def test_evenergy_vehicle_removed_without_reload(hass, sim, evenergy_entry):
    await setup_entry(hass, evenergy_entry)
    coordinators = evenergy_entry.runtime_data.coordinators
    kia = next(
        vehicle_id
        for vehicle_id, c in coordinators.items()
        if c.api.info.model == "EV6"
    )
    await sim.control("DELETE", f"/evenergy/vehicles/{kia}")
    coordinator = coordinators[kia]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert vehicle_device(hass, evenergy_entry, kia) is None
    assert hass.states.get("sensor.kia_ev6_state_of_charge") is None
    assert kia not in coordinators
    assert coordinator.update_interval is None


async def test_vehicle_refused_but_still_listed_is_kept(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST",
        "/faults",
        json={"path": f"{TESLA}/batch$", "error": "PERMISSION", "count": 1},
    )
    coordinator = smartcar_entry.runtime_data.coordinators[TESLA]
    await coordinator.async_refresh()
    assert coordinator.last_update_success is False
    assert vehicle_device(hass, smartcar_entry, TESLA) is not None
    await coordinator.async_refresh()
    assert coordinator.last_update_success is True


@pytest.mark.parametrize("smartcar_scopes", [["read_vehicle_info", "read_battery"]])
async def test_missing_permission_raises_a_repair(hass, smartcar_entry, issue_registry):
    await setup_entry(hass, smartcar_entry)
    # The charge signals were refused: no entity for them, and a repair
    # that names the permission to grant.
    assert hass.states.get("binary_sensor.tesla_model_3_charging_cable") is None
    issue = issue_registry.async_get_issue(
        DOMAIN, f"permission_missing_{smartcar_entry.entry_id}_read_charge"
    )
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders["permission"] == "read_charge"


async def test_messages_name_no_urls_or_ids(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/charge$", "method": "POST", "kind": "non_json"},
    )
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            "switch",
            "turn_off",
            {"entity_id": "switch.tesla_model_3_charging"},
            blocking=True,
        )
    text = str(err.value.translation_placeholders)
    assert "http" not in text.lower().replace("http 200", "")
    assert TESLA not in text
    assert "smartcar.com" not in text
    assert "127.0.0.1" not in text
    assert "None" not in text
    assert "could not be read" in text
