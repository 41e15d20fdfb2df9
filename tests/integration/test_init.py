"""Set-up, polling, token refresh, errors and stale devices."""

import logging
import time
from datetime import timedelta
from unittest.mock import patch

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.ev_battery import async_remove_config_entry_device
from custom_components.ev_battery.const import DOMAIN
from custom_components.ev_battery.poller import allowance_renews
from tests.simulator.conftest import LEAF, TESLA, VW

from .conftest import (
    entity_snapshots,
    poll,
    setup_entry,
    token_data,
    vehicle_device,
)


@pytest.mark.parametrize(
    "platform",
    [Platform.BINARY_SENSOR, Platform.NUMBER, Platform.SENSOR, Platform.SWITCH],
)
async def test_smartcar_setup_snapshot(hass, sim, smartcar_entry, snapshot, platform):
    with patch("custom_components.ev_battery.PLATFORMS", [platform]):
        await setup_entry(hass, smartcar_entry)
    assert smartcar_entry.state is ConfigEntryState.LOADED
    entities = entity_snapshots(hass, smartcar_entry.entry_id)
    assert entities
    for entity_id, entity in entities.items():
        if entity_id.endswith("_next_reading"):
            # When the poller reads next depends on the clock: checked apart.
            assert dt_util.parse_datetime(entity["state"]) > dt_util.utcnow()
            entity["state"] = "<next reading>"
    assert all(entity_id.startswith(f"{platform}.") for entity_id in entities)
    assert entities == snapshot


async def test_setup_reads_each_signal_once(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    # One batch per vehicle, billed per signal (Smartcar's billing): battery,
    # capacity, charge, charge limit, and make/model and VIN to name the device.
    billing = await sim.control("GET", "/billing")
    assert {
        key: v["total"] for key, v in billing["vehicles"].items() if v["total"]
    } == {
        "tesla-model-3": 6,
        "vw-id4": 6,
        "nissan-leaf": 6,
    }
    log = await sim.control("GET", "/requests")
    assert len([r for r in log if r["path"].endswith("/batch")]) == 3


async def test_devices(hass, smartcar_entry, device_registry):
    await setup_entry(hass, smartcar_entry)
    device = vehicle_device(hass, smartcar_entry, TESLA)
    assert device.manufacturer == "Tesla"
    assert device.model == "Model 3"
    assert device.hw_version == "2023"
    assert device.serial_number == "5YJ3E7EB7PF000001"
    assert device.name == "Tesla Model 3"
    account = device_registry.async_get(device.via_device_id)
    assert account.name == "Smartcar"
    assert account.manufacturer == "Smartcar"
    assert account.entry_type is dr.DeviceEntryType.SERVICE


async def test_entities_only_for_supported_features(hass, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get("number.tesla_model_3_charge_limit") is not None
    assert hass.states.get("number.nissan_leaf_charge_limit") is None
    assert hass.states.get("switch.nissan_leaf_charging") is not None
    # No odometer permission was asked for.
    assert hass.states.get("sensor.tesla_model_3_odometer") is None


@pytest.mark.parametrize("smartcar_scopes", [["read_vehicle_info", "read_battery"]])
async def test_permission_missing_removes_entities(hass, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get("sensor.tesla_model_3_state_of_charge") is not None
    assert hass.states.get("binary_sensor.tesla_model_3_charging_cable") is None
    assert hass.states.get("switch.tesla_model_3_charging") is None
    assert hass.states.get("number.tesla_model_3_charge_limit") is None


async def test_feature_refused_later_keeps_its_entity(
    hass, sim, smartcar_entry, freezer
):
    await setup_entry(hass, smartcar_entry)
    registry = er.async_get(hass)
    limit = "number.tesla_model_3_charge_limit"
    sim.state.smartcar.vehicles[TESLA].unsupported = frozenset({"charge_limit"})
    coordinator = smartcar_entry.runtime_data.coordinators[TESLA]

    async def next_day_refresh():
        # The charge limit is read once a day.
        freezer.tick(timedelta(days=1))
        await coordinator.async_refresh()

    # A signal that answered before keeps its entity and value through a one-off.
    await next_day_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(limit).state == "80.0"
    # Refused three times in a row: given up, unavailable, but not deleted
    # (the person's name, area and history stay in the registry).
    await next_day_refresh()
    await next_day_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(limit).state == STATE_UNAVAILABLE
    assert registry.async_get(limit) is not None
    assert hass.states.get("sensor.tesla_model_3_state_of_charge").state == "42.0"
    # No longer asked for.
    await sim.control("DELETE", "/requests")
    await next_day_refresh()
    log = await sim.control("GET", "/requests")
    assert "charge/limit" not in str(log)
    # Not created at the next set-up.
    await hass.config_entries.async_reload(smartcar_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(limit).state == STATE_UNAVAILABLE
    assert hass.states.get(limit).attributes.get("restored") is True


async def test_polling_follows_the_car(
    hass, sim, smartcar_entry, freezer: FrozenDateTimeFactory
):
    await setup_entry(hass, smartcar_entry)
    assert hass.states.get("sensor.tesla_model_3_state_of_charge").state == "42.0"
    assert hass.states.get("sensor.tesla_model_3_charging_state").state == "charging"
    sim.state.clock.advance(3600)
    await poll(hass, freezer)
    soc = float(hass.states.get("sensor.tesla_model_3_state_of_charge").state)
    assert soc == pytest.approx(42 + 11 * 0.9 / 75 * 100, abs=0.1)
    # Only the signals of enabled entities are asked for.
    log = await sim.control("GET", "/requests")
    assert log[-1]["path"].endswith("/batch")


async def test_provider_failure_makes_entities_unavailable(
    hass, sim, smartcar_entry, freezer
):
    await setup_entry(hass, smartcar_entry)
    await sim.control("POST", "/faults", json={"path": "/batch$", "kind": "html_502"})
    await poll(hass, freezer)
    coordinator = smartcar_entry.runtime_data.coordinators[TESLA]
    assert coordinator.last_update_success is False
    soc = "sensor.tesla_model_3_state_of_charge"
    assert hass.states.get(soc).state == STATE_UNAVAILABLE
    await sim.control("DELETE", "/faults")
    await poll(hass, freezer)
    assert hass.states.get(soc).state == "42.0"


async def test_car_asleep_keeps_last_values(hass, sim, smartcar_entry, freezer):
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST",
        "/faults",
        json={"path": f"{VW}/batch$", "error": "VEHICLE_STATE", "code": "ASLEEP"},
    )
    await poll(hass, freezer)
    coordinator = smartcar_entry.runtime_data.coordinators[VW]
    assert coordinator.last_update_success is True
    assert hass.states.get("sensor.volkswagen_id_4_state_of_charge").state == "63.0"
    age = hass.states.get("sensor.volkswagen_id_4_last_data_update").state
    assert age == "2026-11-02T07:00:00+00:00"


async def test_asleep_signal_keeps_last_value(hass, sim, smartcar_entry, freezer):
    await setup_entry(hass, smartcar_entry)
    await sim.control("PATCH", "/vehicles/vw-id4", json={"connectivity": "asleep"})
    await poll(hass, freezer)
    assert hass.states.get("sensor.volkswagen_id_4_state_of_charge").state == "63.0"
    assert hass.states.get("sensor.volkswagen_id_4_battery_capacity").state == "77.0"


async def test_rate_limit_backs_off(hass, sim, smartcar_entry, freezer):
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST",
        "/faults",
        json={
            "path": f"{VW}/batch$",
            "error": "RATE_LIMIT",
            "code": "VEHICLE",
            "retry_after": 7200,
            "count": 1,
        },
    )
    coordinator = smartcar_entry.runtime_data.coordinators[VW]
    await coordinator.async_refresh()
    assert coordinator.update_interval == timedelta(hours=2)
    await coordinator.async_refresh()
    # Then the poller decides again (the VW is parked, unplugged).
    assert coordinator.update_interval == coordinator.plan.interval
    assert coordinator.plan.reason.startswith("parked")


async def test_quota_used_up_waits_for_the_next_month(
    hass, sim, smartcar_entry, issue_registry, freezer
):
    await setup_entry(hass, smartcar_entry)
    await sim.control("PUT", "/smartcar/settings", json={"monthly_request_limit": 1})
    vw = smartcar_entry.runtime_data.coordinators[VW]
    await vw.async_refresh()
    # The last values stay; the issue belongs to this vehicle.
    assert hass.states.get("sensor.volkswagen_id_4_state_of_charge").state == "63.0"
    issue_id = f"quota_exceeded_{smartcar_entry.entry_id}_{VW}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.WARNING
    assert issue.translation_placeholders["vehicle"] == "Volkswagen ID.4"
    assert smartcar_entry.state is ConfigEntryState.LOADED
    # No call for that vehicle until the month renews.
    await sim.control("DELETE", "/requests")
    for _ in range(20):
        await poll(hass, freezer)
    log = await sim.control("GET", "/requests")
    assert not [r for r in log if VW in r["path"]]
    # Another vehicle's success does not clear it.
    await smartcar_entry.runtime_data.coordinators[LEAF].async_refresh()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    # At the next month the allowance renews; the first read clears it.
    await sim.control("PUT", "/smartcar/settings", json={"monthly_request_limit": 500})
    freezer.move_to(allowance_renews(dt_util.utcnow()) + timedelta(minutes=1))
    async_fire_time_changed(hass, dt_util.utcnow())
    await hass.async_block_till_done(wait_background_tasks=True)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_quota_used_up_at_setup_does_not_loop(hass, sim, smartcar_entry):
    await sim.control("PUT", "/smartcar/settings", json={"monthly_request_limit": 0})
    await setup_entry(hass, smartcar_entry)
    assert smartcar_entry.state is ConfigEntryState.LOADED
    # One refused call per vehicle, then nothing until the allowance renews.
    renewal = allowance_renews(dt_util.utcnow()) - dt_util.utcnow()
    for coordinator in smartcar_entry.runtime_data.coordinators.values():
        assert abs(coordinator.update_interval - renewal) < timedelta(minutes=1)
    log = await sim.control("GET", "/requests")
    assert len([r for r in log if r["path"].endswith("/batch")]) == 3


async def test_expired_token_is_refreshed(hass, sim, smartcar_entry):
    old = smartcar_entry.data["token"]
    hass.config_entries.async_update_entry(
        smartcar_entry,
        data={
            **smartcar_entry.data,
            "token": token_data(old, expires_at=time.time() - 10),
        },
    )
    await setup_entry(hass, smartcar_entry)
    assert smartcar_entry.state is ConfigEntryState.LOADED
    assert smartcar_entry.data["token"]["access_token"] != old["access_token"]
    assert smartcar_entry.data["token"]["refresh_token"] != old["refresh_token"]


async def test_revoked_token_starts_reauth(hass, sim, smartcar_entry):
    await sim.control("POST", "/smartcar/users/driver@example.com/revoke")
    hass.config_entries.async_update_entry(
        smartcar_entry,
        data={
            **smartcar_entry.data,
            "token": token_data(
                smartcar_entry.data["token"], expires_at=time.time() - 10
            ),
        },
    )
    await setup_entry(hass, smartcar_entry)
    assert smartcar_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_rejected_access_token_starts_reauth(hass, sim, smartcar_entry):
    await sim.control("POST", "/smartcar/users/driver@example.com/revoke")
    await setup_entry(hass, smartcar_entry)
    assert smartcar_entry.state is ConfigEntryState.SETUP_ERROR
    assert hass.config_entries.flow.async_progress()[0]["context"]["source"] == "reauth"


async def test_token_endpoint_down_retries_setup(hass, sim, smartcar_entry):
    hass.config_entries.async_update_entry(
        smartcar_entry,
        data={
            **smartcar_entry.data,
            "token": token_data(
                smartcar_entry.data["token"], expires_at=time.time() - 10
            ),
        },
    )
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/oauth/token", "error": "server_error", "status": 503},
    )
    await setup_entry(hass, smartcar_entry)
    assert smartcar_entry.state is ConfigEntryState.SETUP_RETRY


async def test_api_down_retries_setup(hass, sim, smartcar_entry):
    await sim.control(
        "POST", "/faults", json={"path": "/vehicles$", "kind": "html_502"}
    )
    await setup_entry(hass, smartcar_entry)
    assert smartcar_entry.state is ConfigEntryState.SETUP_RETRY


async def test_removed_vehicle_device_goes_away(
    hass, sim, smartcar_entry, device_registry
):
    await setup_entry(hass, smartcar_entry)
    assert vehicle_device(hass, smartcar_entry, LEAF) is not None
    coordinator = smartcar_entry.runtime_data.coordinators[LEAF]
    await coordinator.api.client.disconnect(LEAF)
    await hass.config_entries.async_reload(smartcar_entry.entry_id)
    await hass.async_block_till_done()
    assert vehicle_device(hass, smartcar_entry, LEAF) is None
    assert vehicle_device(hass, smartcar_entry, TESLA) is not None
    assert hass.states.get("sensor.nissan_leaf_state_of_charge") is None or (
        hass.states.get("sensor.nissan_leaf_state_of_charge").state == STATE_UNAVAILABLE
    )


async def test_unload(hass, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    assert await hass.config_entries.async_unload(smartcar_entry.entry_id)
    assert smartcar_entry.state is ConfigEntryState.NOT_LOADED


async def test_device_removal_allowed_only_for_gone_vehicles(
    hass, smartcar_entry, device_registry
):
    await setup_entry(hass, smartcar_entry)
    device = vehicle_device(hass, smartcar_entry, TESLA)
    assert not await async_remove_config_entry_device(hass, smartcar_entry, device)
    account = device_registry.async_get(device.via_device_id)
    assert not await async_remove_config_entry_device(hass, smartcar_entry, account)
    other = device_registry.async_get_or_create(
        config_entry_id=smartcar_entry.entry_id, identifiers={(DOMAIN, "gone")}
    )
    assert await async_remove_config_entry_device(hass, smartcar_entry, other)
    assert dr.async_get(hass) is device_registry


async def test_data_age_is_never_in_the_future(hass, sim, smartcar_entry):
    await setup_entry(hass, smartcar_entry)
    age = hass.states.get("sensor.tesla_model_3_last_data_update").state
    assert age == "2026-11-02T07:00:00+00:00"
    # The simulated clock runs ahead of Home Assistant's (as in the demo).
    sim.state.clock.advance(30 * 86400)
    coordinator = smartcar_entry.runtime_data.coordinators[TESLA]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    age = hass.states.get("sensor.tesla_model_3_last_data_update").state
    assert dt_util.parse_datetime(age) <= dt_util.utcnow()


async def test_no_secrets_or_identities_in_logs(hass, sim, smartcar_entry, caplog):
    caplog.set_level(logging.DEBUG)
    await setup_entry(hass, smartcar_entry)
    await sim.control(
        "POST", "/faults", json={"path": "/batch$", "error": "SERVER", "count": 1}
    )
    await smartcar_entry.runtime_data.coordinators[TESLA].async_refresh()
    await hass.async_block_till_done()
    assert "Error fetching" in caplog.text
    token = smartcar_entry.data["token"]
    for secret in (
        token["access_token"],
        token["refresh_token"],
        "5YJ3E7EB7PF000001",
        "52.3731",
        "4.8922",
    ):
        assert secret not in caplog.text
