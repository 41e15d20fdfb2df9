"""Smartcar v3 entries: commands, errors pushed, cloudhooks, subscription faults."""

from __future__ import annotations

import json
import logging
import sys
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request
from homeassistant.components.number import ATTR_VALUE, SERVICE_SET_VALUE
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_TURN_OFF, SERVICE_TURN_ON
from homeassistant.exceptions import ServiceValidationError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ev_battery import push
from custom_components.ev_battery.const import DOMAIN
from custom_components.ev_battery.diagnostics import (
    async_get_config_entry_diagnostics,
)
from tests.simulator.conftest import SC_USER
from tests.simulator.smartcar_v3 import AMT, WEBHOOK, connect_v3

from .conftest import setup_entry, vehicle_device
from .test_v3_push import (
    HA_WEBHOOK,
    SOC,
    TESLA,
    billed,
    register_webhook,
    settle,
    v3_credential,
    v3_data,
    v3_entry,
)

__all__ = ["v3_credential", "v3_entry"]

SWITCH = "switch.tesla_model_3_charging"
LIMIT = "number.tesla_model_3_charge_limit"
VW_SWITCH = "switch.volkswagen_id_4_charging"


async def switch(hass, service: str, entity_id: str = SWITCH) -> None:
    await hass.services.async_call(
        "switch", service, {ATTR_ENTITY_ID: entity_id}, blocking=True
    )
    await settle(hass)


async def test_commands_through_v3(hass, sim, v3_entry, ha_url):
    await sim.control(
        "PATCH",
        "/vehicles/tesla-model-3",
        json={"plugged_in": True, "charge_enabled": False, "soc": 0.5},
    )
    await setup_entry(hass, v3_entry)
    await register_webhook(sim, ha_url)
    await settle(hass)
    assert hass.states.get(SWITCH).state == "off"
    await switch(hass, SERVICE_TURN_ON)
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    assert car["charging"] is True
    # The car's own delivery confirms it.
    assert hass.states.get(SWITCH).state == "on"
    await hass.services.async_call(
        "number",
        SERVICE_SET_VALUE,
        {ATTR_ENTITY_ID: LIMIT, ATTR_VALUE: 70},
        blocking=True,
    )
    await settle(hass)
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    assert car["charge_limit"] == pytest.approx(0.7)
    await switch(hass, SERVICE_TURN_OFF)
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    assert car["charging"] is False
    # Stopping a car that is not charging: what was wanted holds.
    await switch(hass, SERVICE_TURN_OFF, VW_SWITCH)
    assert hass.states.get(VW_SWITCH).state == "off"


async def test_a_202_is_a_success(hass, sim, v3_entry, ha_url):
    await sim.control(
        "PATCH",
        "/vehicles/tesla-model-3",
        json={"plugged_in": True, "charge_enabled": False, "soc": 0.5},
    )
    await sim.control("PUT", "/smartcar/v3/settings", json={"async_command_share": 1})
    await setup_entry(hass, v3_entry)
    await register_webhook(sim, ha_url)
    await settle(hass)
    await switch(hass, SERVICE_TURN_ON)
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    assert car["charging"] is True
    # Shown as commanded until a signal confirms it.
    assert hass.states.get(SWITCH).state == "on"


async def test_no_charge_records_in_v3(hass, sim, v3_entry):
    await setup_entry(hass, v3_entry)
    tesla = vehicle_device(hass, v3_entry, TESLA)
    assert tesla is not None
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "get_charge_records",
            {"device_id": tesla.id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "charge_records_not_supported"


async def test_vehicle_error_delivery_keeps_values(hass, sim, v3_entry, ha_url):
    await setup_entry(hass, v3_entry)
    await register_webhook(sim, ha_url)
    await settle(hass)
    soc = hass.states.get(SOC).state
    coordinator = v3_entry.runtime_data.coordinators[TESLA]
    coordinator.last_push_at = None
    answer = await sim.control(
        "POST",
        f"/smartcar/v3/webhooks/{WEBHOOK}/events",
        json={"event_type": "VEHICLE_ERROR", "vehicle_id": TESLA},
    )
    assert answer["deliveries"][0]["status"] == 200
    await settle(hass)
    assert coordinator.last_push_at is not None
    assert hass.states.get(SOC).state == soc


async def test_subscription_failure_leaves_polling_on(
    hass, sim, v3_entry, ha_url, caplog
):
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/smartcar/management", "status": 500, "error": "SERVER"},
    )
    await setup_entry(hass, v3_entry)
    with caplog.at_level(logging.WARNING):
        await register_webhook(sim, ha_url)
        await settle(hass)
    assert v3_entry.state is ConfigEntryState.LOADED
    assert "could not be subscribed" in caplog.text
    webhooks = await sim.control("GET", "/smartcar/v3/webhooks")
    assert webhooks[0]["subscriptions"] == []
    assert v3_entry.runtime_data.coordinators[TESLA].subscribed_at is None
    # Unsubscribing on removal fails the same way, without an error.
    await hass.config_entries.async_remove(v3_entry.entry_id)
    await settle(hass)
    assert "could not be unsubscribed" in caplog.text


async def test_auto_enrolled_vehicles_are_left_as_they_are(
    hass, sim, v3_credential, ha_url
):
    # Auto-enrollment on, then the person connects: Smartcar subscribes.
    await sim.control(
        "POST",
        "/smartcar/v3/webhooks",
        json={
            "id": WEBHOOK,
            "url": f"{ha_url}/api/webhook/{HA_WEBHOOK}",
            "auto_enroll": True,
        },
    )
    await connect_v3(sim)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"smartcar_{SC_USER}",
        data=v3_data(smartcar_webhook_id=WEBHOOK),
    )
    entry.add_to_hass(hass)
    await sim.control("DELETE", "/requests")
    await setup_entry(hass, entry)
    await settle(hass)
    requests = await sim.control("GET", "/requests")
    posted = [
        r
        for r in requests
        if r["method"] == "POST" and r["path"].endswith("/subscriptions")
    ]
    assert posted == []
    assert entry.runtime_data.coordinators[TESLA].subscribed_at is not None
    assert await billed(sim) >= 1


class FakeCloud(SimpleNamespace):
    """Home Assistant Cloud as far as push uses it."""

    class CloudNotAvailable(Exception):  # noqa: N818 - Home Assistant's name
        """Cloud is down."""


@pytest.fixture
def cloud(hass, monkeypatch) -> FakeCloud:
    """A connected Home Assistant Cloud that makes cloudhooks."""
    calls: dict[str, list[str]] = {"create": [], "delete": []}

    async def create(_hass: Any, webhook_id: str) -> str:
        calls["create"].append(webhook_id)
        return f"https://hooks.nabu.casa/{webhook_id}"

    async def delete(_hass: Any, webhook_id: str) -> None:
        calls["delete"].append(webhook_id)

    fake = FakeCloud(
        async_active_subscription=lambda _hass: True,
        async_create_cloudhook=create,
        async_delete_cloudhook=delete,
        calls=calls,
    )
    monkeypatch.setattr(push, "_cloud", lambda _hass: fake)
    return fake


async def test_cloudhook_when_cloud_is_connected(hass, sim, v3_credential, cloud):
    url, cloudhook = await push.async_webhook_url(hass, "abc")
    assert (url, cloudhook) == ("https://hooks.nabu.casa/abc", True)
    await connect_v3(sim)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"smartcar_{SC_USER}",
        data=v3_data(cloudhook_url=f"https://hooks.nabu.casa/{HA_WEBHOOK}"),
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_remove(entry.entry_id)
    await settle(hass)
    assert cloud.calls["delete"] == [HA_WEBHOOK]


async def test_cloud_down_falls_back_to_the_url(hass, monkeypatch, cloud):
    async def down(_hass: Any, _webhook_id: str) -> str:
        raise FakeCloud.CloudNotAvailable

    monkeypatch.setattr(cloud, "async_create_cloudhook", down)
    await hass.config.async_update(internal_url="http://127.0.0.1:8123")
    url, cloudhook = await push.async_webhook_url(hass, "abc")
    assert cloudhook is False
    assert url == "http://127.0.0.1:8123/api/webhook/abc"


async def test_a_shared_cloudhook_stays_while_another_entry_uses_it(hass, cloud):
    data = v3_data(cloudhook_url="https://hooks.nabu.casa/x")
    first = MockConfigEntry(domain=DOMAIN, unique_id="a", data=data)
    second = MockConfigEntry(domain=DOMAIN, unique_id="b", data=data)
    first.add_to_hass(hass)
    second.add_to_hass(hass)
    await push.async_remove_cloudhook(hass, first)
    assert cloud.calls["delete"] == []


OTHER_USER = "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d"


async def test_two_people_of_one_application_share_its_webhook(
    hass, sim, v3_credential, ha_url
):
    # One Smartcar application, two people: one Dashboard webhook for both.
    await connect_v3(sim)
    await connect_v3(sim, user="other@example.com")
    first = MockConfigEntry(
        domain=DOMAIN, unique_id=f"smartcar_{SC_USER}", data=v3_data()
    )
    second = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"smartcar_{OTHER_USER}",
        data=v3_data(user_id=OTHER_USER),
    )
    first.add_to_hass(hass)
    second.add_to_hass(hass)
    await setup_entry(hass, first)
    await setup_entry(hass, second)
    assert push.shared_webhook_id(hass, v3_data()["application_id"]) == HA_WEBHOOK
    await register_webhook(sim, ha_url)
    await settle(hass)
    assert first.data["smartcar_webhook_id"] == WEBHOOK
    assert second.data["smartcar_webhook_id"] == WEBHOOK
    kia = next(iter(second.runtime_data.coordinators))
    assert kia not in first.runtime_data.coordinators
    assert second.runtime_data.coordinators[kia].last_push_at is not None
    # Unloading one keeps the webhook for the other.
    await hass.config_entries.async_unload(first.entry_id)
    await settle(hass)
    answer = await sim.control(
        "POST",
        f"/smartcar/v3/webhooks/{WEBHOOK}/events",
        json={"event_type": "VEHICLE_STATE", "vehicle_id": kia},
    )
    assert answer["deliveries"][0]["status"] == 200
    # With the last entry unloaded, the webhook goes.
    await hass.config_entries.async_unload(second.entry_id)
    await settle(hass)
    assert HA_WEBHOOK not in hass.data[push.PUSH_HUBS]


async def test_a_hub_whose_entries_are_not_loaded_answers_503(hass):
    hass.data.setdefault(push.PUSH_HUBS, {})["x"] = push.PushHub("x", {"gone"})
    request = make_mocked_request("POST", "/api/webhook/x")
    response = await push._async_handle(hass, "x", request)
    assert response.status == 503


def test_event_ids_remembered_are_bounded(monkeypatch):
    monkeypatch.setattr(push, "SEEN_EVENTS", 2)
    hub = push.PushHub("x")
    assert all(hub.first_time(event) for event in ("a", "b", "c"))
    assert hub.first_time("a")  # forgotten: the oldest went first
    assert not hub.first_time("c")


async def test_cloud_is_imported_only_when_loaded(hass, monkeypatch):
    assert push._cloud(hass) is None
    fake = ModuleType("homeassistant.components.cloud")
    monkeypatch.setitem(sys.modules, "homeassistant.components.cloud", fake)
    hass.config.components.add("cloud")
    assert push._cloud(hass) is fake


async def test_cloudhook_deletion_without_cloud(hass, cloud, monkeypatch):
    entry = MockConfigEntry(
        domain=DOMAIN, data=v3_data(cloudhook_url="https://hooks.nabu.casa/x")
    )
    entry.add_to_hass(hass)

    async def down(_hass: Any, _webhook_id: str) -> None:
        raise FakeCloud.CloudNotAvailable

    monkeypatch.setattr(cloud, "async_delete_cloudhook", down)
    await push.async_remove_cloudhook(hass, entry)  # Cloud down: no error
    monkeypatch.setattr(push, "_cloud", lambda _hass: None)
    await push.async_remove_cloudhook(hass, entry)  # Cloud gone: nothing to do
    assert cloud.calls["delete"] == []


async def test_a_vehicle_disconnected_at_smartcar_loses_its_device(
    hass, sim, v3_credential
):
    await connect_v3(sim)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"smartcar_{SC_USER}",
        data=v3_data(management_token="", webhook_id=None),
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert vehicle_device(hass, entry, TESLA) is not None
    v3 = sim.state.smartcar.v3
    for connection in list(v3.connections.values()):
        if connection.vehicle_id == TESLA:
            v3.disconnect(connection)
    await entry.runtime_data.coordinators[TESLA].async_refresh()
    await settle(hass)
    assert vehicle_device(hass, entry, TESLA) is None
    assert TESLA not in entry.runtime_data.coordinators


async def test_v3_diagnostics_hold_no_secret_identity_or_place(
    hass, sim, v3_entry, ha_url
):
    await setup_entry(hass, v3_entry)
    await register_webhook(sim, ha_url)
    await settle(hass)
    state = v3_entry.runtime_data.coordinators[TESLA].data
    assert state.latitude is not None
    # Called directly: Home Assistant's HTTP server is already serving.
    diagnostics = await async_get_config_entry_diagnostics(hass, v3_entry)
    text = json.dumps(diagnostics)
    for secret in (
        AMT,
        SC_USER,
        TESLA,
        HA_WEBHOOK,
        WEBHOOK,
        str(state.latitude),
        str(state.longitude),
        v3_data()["application_id"],
    ):
        assert secret not in text, secret
    assert diagnostics["entry"]["data"]["api_version"] == "v3"
    vehicle = diagnostics["vehicles"][0]
    assert vehicle["poller"]["reason"] == "push is healthy"
