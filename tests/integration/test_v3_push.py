"""Smartcar v3 entries: set-up, push through Home Assistant's webhook, fallback."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ev_battery.const import DOMAIN
from tests.simulator.conftest import SC_USER
from tests.simulator.smartcar_v3 import (
    ALL_V3_SCOPES,
    AMT,
    APP_ID,
    M2M_ID,
    M2M_SECRET,
    WEBHOOK,
    connect_v3,
    hmac_hex,
)

from .conftest import setup_entry

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

TESLA = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
HA_WEBHOOK = "ev-battery-test-webhook"
SOC = "sensor.tesla_model_3_state_of_charge"


@pytest.fixture
async def v3_credential(hass: HomeAssistant) -> None:
    """The v3 application's M2M client as an application credential."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(M2M_ID, M2M_SECRET, "Smartcar v3"), "sc3_cred"
    )


def v3_data(**changes: Any) -> dict[str, Any]:
    """A v3 entry's data."""
    return {
        "auth_implementation": "sc3_cred",
        "provider": "smartcar",
        "api_version": "v3",
        "application_id": APP_ID,
        "management_token": AMT,
        "user_id": SC_USER,
        "webhook_id": HA_WEBHOOK,
        "read_odometer": True,
        "read_location": True,
        "scopes": ALL_V3_SCOPES.split(),
        **changes,
    }


@pytest.fixture
async def v3_entry(hass, sim, v3_credential, ha_url) -> MockConfigEntry:
    """A v3 entry whose user connected their cars to the v3 application."""
    await connect_v3(sim)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Smartcar",
        unique_id=f"smartcar_{SC_USER}",
        data=v3_data(),
    )
    entry.add_to_hass(hass)
    return entry


async def billed(sim, key: str = "tesla-model-3") -> int:
    """Calls billed for a car so far."""
    body = await sim.control("GET", "/billing")
    return int(body["vehicles"][key]["total"])


async def register_webhook(sim, ha_url: str) -> dict[str, Any]:
    """Create the Dashboard webhook with Home Assistant's URL (VERIFY follows)."""
    return await sim.control(
        "POST",
        "/smartcar/v3/webhooks",
        json={"id": WEBHOOK, "url": f"{ha_url}/api/webhook/{HA_WEBHOOK}"},
    )


async def settle(hass: HomeAssistant) -> None:
    """Let background tasks (subscriptions, deliveries) finish."""
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_push_end_to_end(hass, sim, v3_entry, ha_url):
    await setup_entry(hass, v3_entry)
    assert v3_entry.state is ConfigEntryState.LOADED
    webhook = await register_webhook(sim, ha_url)
    assert webhook["verified"] is True
    await settle(hass)
    # VERIFY told Home Assistant the webhook's id; the vehicles are subscribed.
    assert v3_entry.data["smartcar_webhook_id"] == WEBHOOK
    webhooks = await sim.control("GET", "/smartcar/v3/webhooks")
    assert set(webhooks[0]["subscriptions"]) >= {TESLA}
    deliveries = await sim.control(
        "GET", "/smartcar/v3/deliveries", params={"event_type": "FIRST_DELIVERY"}
    )
    assert deliveries["count"] >= 1
    assert all(d["ok"] for d in deliveries["deliveries"])
    await settle(hass)
    car = await sim.control("GET", "/vehicles/tesla-model-3")
    state = hass.states.get(SOC)
    assert state is not None
    assert float(state.state) == pytest.approx(car["soc"] * 100, abs=1)
    # Signals the car reports became entities without a reload.
    registry = er.async_get(hass)
    for entity_id in (
        "sensor.tesla_model_3_energy_added",
        "device_tracker.tesla_model_3_location",
        "binary_sensor.tesla_model_3_online",
    ):
        assert registry.async_get(entity_id) is not None, entity_id


async def test_charge_40_to_80_follows_every_delivery_with_no_poll(
    hass, sim, v3_entry, ha_url
):
    await sim.control(
        "PATCH",
        "/vehicles/tesla-model-3",
        json={"soc": 0.4, "plugged_in": False, "charge_limit": 0.8},
    )
    await setup_entry(hass, v3_entry)
    await register_webhook(sim, ha_url)
    await settle(hass)
    before = await billed(sim)
    await sim.control("DELETE", "/smartcar/v3/deliveries")
    await sim.control("PATCH", "/vehicles/tesla-model-3", json={"plugged_in": True})
    await settle(hass)
    errors: list[float] = []
    for _ in range(400):
        await sim.control("POST", "/clock/advance", json={"seconds": 60})
        await settle(hass)
        car = await sim.control("GET", "/vehicles/tesla-model-3")
        shown = hass.states.get(SOC)
        assert shown is not None
        errors.append(abs(float(shown.state) - car["soc"] * 100))
        if not car["charging"]:
            break
    assert car["soc"] == pytest.approx(0.8, abs=0.005)
    deliveries = await sim.control(
        "GET", "/smartcar/v3/deliveries", params={"event_type": "VEHICLE_STATE"}
    )
    assert deliveries["count"] >= 30
    # Within one percentage point of the car after every delivery.
    assert max(errors) <= 1.0, max(errors)
    # Push costs nothing: no read was billed while the car charged.
    assert await billed(sim) == before
    assert hass.states.get("binary_sensor.tesla_model_3").state == "off"


async def test_forged_and_replayed_deliveries(
    hass, sim, v3_entry, hass_client_no_auth, caplog
):
    await setup_entry(hass, v3_entry)
    await register_webhook(sim, hass.config.internal_url)
    await settle(hass)
    client = await hass_client_no_auth()
    soc = hass.states.get(SOC).state
    body = {
        "eventId": "forged-1",
        "eventType": "VEHICLE_STATE",
        "data": {
            "user": {"id": SC_USER},
            "vehicle": {"id": TESLA, "make": "TESLA", "model": "Model 3", "year": 2023},
            "signals": [
                {
                    "code": "tractionbattery-stateofcharge",
                    "name": "StateOfCharge",
                    "group": "TractionBattery",
                    "body": {"value": 3, "unit": "percent"},
                    "meta": {"oemUpdatedAt": 1_900_000_000_000},
                    "status": {"value": "SUCCESS"},
                }
            ],
        },
        "triggers": [],
        "meta": {
            "deliveryId": "d1",
            "webhookId": WEBHOOK,
            "mode": "LIVE",
            "version": "4.0",
        },
    }
    raw = json.dumps(body).encode()
    url = f"/api/webhook/{HA_WEBHOOK}"
    forged = await client.post(url, data=raw, headers={"SC-Signature": "0" * 64})
    assert forged.status == 401
    unsigned = await client.post(url, data=raw)
    assert unsigned.status == 401
    # Logged once, without the token or the body.
    rejected = [r for r in caplog.records if "signature is wrong" in r.getMessage()]
    assert len(rejected) == 1
    assert AMT not in caplog.text
    assert hass.states.get(SOC).state == soc
    # Signed right, it is taken; the same event again (Smartcar's retry) is not.
    signed = await client.post(url, data=raw, headers={"SC-Signature": hmac_hex(raw)})
    assert signed.status == 200
    await settle(hass)
    assert float(hass.states.get(SOC).state) == 3
    body["data"]["signals"][0]["body"]["value"] = 4
    body["meta"]["deliveryId"] = "d2"
    replay = json.dumps(body).encode()
    again = await client.post(
        url, data=replay, headers={"SC-Signature": hmac_hex(replay)}
    )
    assert again.status == 200
    await settle(hass)
    assert float(hass.states.get(SOC).state) == 3
    # A test delivery changes nothing; garbage is refused.
    body["eventId"] = "test-1"
    body["meta"]["mode"] = "TEST"
    test = json.dumps(body).encode()
    answer = await client.post(url, data=test, headers={"SC-Signature": hmac_hex(test)})
    assert answer.status == 200
    await settle(hass)
    assert float(hass.states.get(SOC).state) == 3
    garbage = await client.post(url, data=b"not json")
    assert garbage.status == 400


async def test_webhook_silence_falls_back_to_polling(
    hass, sim, v3_entry, ha_url, freezer
):
    await setup_entry(hass, v3_entry)
    await register_webhook(sim, ha_url)
    await settle(hass)
    before = await billed(sim)
    coordinator = v3_entry.runtime_data.coordinators[TESLA]
    assert coordinator.last_push_at is not None
    # A day and more without a delivery: polling steps in, and a repair says why.
    for _ in range(5):
        freezer.tick(timedelta(hours=7))
        async_fire_time_changed(hass, dt_util.utcnow())
        await settle(hass)
    assert await billed(sim) > before
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"push_silent_{v3_entry.entry_id}_{TESLA}"
    )
    assert issue is not None
    assert issue.translation_key == "push_silent"
    # The next delivery clears it.
    await sim.control(
        "POST",
        f"/smartcar/v3/webhooks/{WEBHOOK}/events",
        json={"event_type": "VEHICLE_STATE", "vehicle_id": TESLA},
    )
    await settle(hass)
    assert (
        ir.async_get(hass).async_get_issue(
            DOMAIN, f"push_silent_{v3_entry.entry_id}_{TESLA}"
        )
        is None
    )


async def test_without_a_reachable_url_a_repair_says_so(
    hass, sim, v3_credential, monkeypatch
):
    await connect_v3(sim)
    # No simulator: Home Assistant has only an internal URL, useless to Smartcar.
    monkeypatch.setattr("custom_components.ev_battery.push.simulator_url", lambda: "")
    await hass.config.async_update(internal_url="http://192.168.1.2:8123")
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=f"smartcar_{SC_USER}", data=v3_data()
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"push_unreachable_{entry.entry_id}"
    )
    assert issue is not None


async def test_without_management_token_only_polls(hass, sim, v3_credential):
    await connect_v3(sim)
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"smartcar_{SC_USER}",
        data=v3_data(management_token="", webhook_id=None),
    )
    entry.add_to_hass(hass)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    coordinator = entry.runtime_data.coordinators[TESLA]
    assert coordinator.push_enabled is False
    # One billed read at set-up (GET /signals), none more until the poller says.
    assert await billed(sim) == 1


async def test_removal_unsubscribes(hass, sim, v3_entry, ha_url):
    await setup_entry(hass, v3_entry)
    await register_webhook(sim, ha_url)
    await settle(hass)
    assert (await sim.control("GET", "/smartcar/v3/webhooks"))[0]["subscriptions"]
    await hass.config_entries.async_remove(v3_entry.entry_id)
    await settle(hass)
    assert (await sim.control("GET", "/smartcar/v3/webhooks"))[0]["subscriptions"] == []
