"""ev.energy webhooks: the simulator's Svix deliveries to Home Assistant's webhook."""

from __future__ import annotations

import base64
import json
import logging
import time
from datetime import timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from homeassistant.components import webhook
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import REQUEST_REFRESH_DEFAULT_COOLDOWN
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.ev_battery import push
from custom_components.ev_battery.api.svix import sign
from custom_components.ev_battery.const import DOMAIN
from custom_components.ev_battery.diagnostics import async_get_config_entry_diagnostics
from custom_components.ev_battery.push import PUSH_HUBS

from .conftest import add_evenergy_entry, setup_entry
from .test_config_flow import run_oauth

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

KIA = "vhcl01JHKM51007XDJCD5HJG6PK4GW"
KIA_KEY = "ee-kia-ev6"
HA_WEBHOOK = "ev-battery-evenergy-webhook"
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"fedcba9876543210fedcba9876543210").decode()
CHARGING = "binary_sensor.kia_ev6"
CABLE = "binary_sensor.kia_ev6_charging_cable"
PATH = f"/api/webhook/{HA_WEBHOOK}"


@pytest.fixture
async def hooked(hass, sim, ee_credentials, ha_url) -> MockConfigEntry:
    """An ev.energy entry with its webhook's signing secret, set up."""
    entry = await add_evenergy_entry(
        hass, sim, webhook_id=HA_WEBHOOK, webhook_secret=SECRET
    )
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
def refreshes(hooked: MockConfigEntry, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Refreshes the webhook asked of the EV6's coordinator."""
    coordinator = hooked.runtime_data.coordinators[KIA]
    original = coordinator.async_request_refresh
    asked: list[str] = []

    async def counted() -> None:
        asked.append(KIA)
        await original()

    monkeypatch.setattr(coordinator, "async_request_refresh", counted)
    return asked


def registered(hass: HomeAssistant) -> set[str]:
    """The ids of Home Assistant's registered webhooks."""
    return set(hass.data.get(webhook.DOMAIN, {}))


async def settle(hass: HomeAssistant, sim: Any) -> None:
    """Let the simulator's deliveries and Home Assistant's refreshes finish."""
    await sim.state.evenergy.webhooks.drain()
    await hass.async_block_till_done(wait_background_tasks=True)


def past_cooldown(hass: HomeAssistant) -> None:
    """Let the refresh debouncer's cooldown pass (a poll is minutes away)."""
    async_fire_time_changed(
        hass,
        dt_util.utcnow() + timedelta(seconds=REQUEST_REFRESH_DEFAULT_COOLDOWN + 1),
    )


def event_body(sim: Any, vehicle_id: str = KIA, kind: str = "created") -> bytes:
    """A charging sub-session event as ev.energy sends it."""
    vehicle = sim.url(f"/evenergy/v2/vehicles/{vehicle_id}/")
    return json.dumps(
        {
            "type": f"charging_sub_session.{kind}",
            "timestamp": "2026-11-02T07:00:00.000000Z",
            "data": {
                "id": "csub01JHKM51007XDJCD5HJG6PK4GW",
                "url": sim.url("/evenergy/v2/charging_sub_sessions/csub01/"),
                "start": "2026-11-02T07:00:00.000000Z",
                "end": None,
                "mode": "SMART",
                "energy_delivered_watt_hours": 0,
                "vehicle": vehicle,
            },
        }
    ).encode()


def svix_headers(
    body: bytes,
    *,
    message_id: str = "msg_test1",
    secret: str = SECRET,
    timestamp: int | None = None,
) -> dict[str, str]:
    """Svix's headers of one attempt."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "svix-id": message_id,
        "svix-timestamp": str(stamp),
        "svix-signature": sign(secret, message_id, stamp, body),
        "svix-event-type": "charging_sub_session.created",
    }


async def test_charge_start_and_end_refresh_the_vehicle_at_once(
    hass, sim, hooked, ha_url, refreshes
):
    endpoint = await sim.control(
        "PUT",
        "/evenergy/webhook",
        json={"url": f"{ha_url}{PATH}", "secret": SECRET},
    )
    assert endpoint["url"] == f"{ha_url}{PATH}"
    assert hass.states.get(CABLE).state == "off"
    assert hass.states.get(CHARGING).state == "off"
    # Plugged in: a sub-session starts; the delivery reads the EV6 now.
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    await settle(hass, sim)
    assert refreshes == [KIA]
    assert hass.states.get(CABLE).state == "on"
    assert hass.states.get(CHARGING).state == "on"
    # Minutes later (no poll in between), unplugged: the sub-session ends.
    past_cooldown(hass)
    await sim.control("POST", "/clock/advance", json={"seconds": 600})
    await sim.control("POST", f"/vehicles/{KIA_KEY}/unplug")
    await settle(hass, sim)
    assert refreshes == [KIA, KIA]
    assert hass.states.get(CABLE).state == "off"
    assert hass.states.get(CHARGING).state == "off"
    attempts = (await sim.control("GET", "/evenergy/webhook"))["attempts"]
    assert [a["event"] for a in attempts] == [
        "charging_sub_session.created",
        "charging_sub_session.ended",
    ]
    assert all(a["status"] == 200 for a in attempts)


@pytest.mark.usefixtures("hooked")
async def test_forged_signature_is_refused(
    hass, sim, refreshes, hass_client_no_auth, caplog
):
    client = await hass_client_no_auth()
    body = event_body(sim)
    caplog.set_level(logging.DEBUG, logger="custom_components.ev_battery")
    forged = await client.post(
        PATH, data=body, headers=svix_headers(body, secret=OTHER_SECRET)
    )
    assert forged.status == 401
    again = await client.post(
        PATH,
        data=body,
        headers=svix_headers(body, message_id="msg_2", secret=OTHER_SECRET),
    )
    assert again.status == 401
    # A signature of another body is no signature of this one.
    tampered = await client.post(
        PATH, data=event_body(sim, kind="ended"), headers=svix_headers(body)
    )
    assert tampered.status == 401
    await hass.async_block_till_done(wait_background_tasks=True)
    assert refreshes == []
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.WARNING and "ev.energy webhook" in r.getMessage()
    ]
    assert len(warnings) == 1  # once, not per delivery
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert all(OTHER_SECRET not in r.getMessage() for r in caplog.records)


async def test_a_replayed_svix_id_is_taken_once(
    hass, sim, hooked, refreshes, hass_client_no_auth
):
    client = await hass_client_no_auth()
    body = event_body(sim)
    first = await client.post(PATH, data=body, headers=svix_headers(body))
    assert first.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    past_cooldown(hass)
    # Svix's retry (or a replay) of the same message: a new timestamp and
    # signature, the same svix-id. Acknowledged, not taken again.
    retry = await client.post(
        PATH, data=body, headers=svix_headers(body, timestamp=int(time.time()) - 5)
    )
    assert retry.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert refreshes == [KIA]
    # Another message is taken.
    other = await client.post(
        PATH, data=body, headers=svix_headers(body, message_id="msg_test2")
    )
    assert other.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert refreshes == [KIA, KIA]


@pytest.mark.parametrize("offset", [-301, 301, -3600])
@pytest.mark.usefixtures("hooked")
async def test_a_timestamp_out_of_window_is_refused(
    hass, sim, refreshes, hass_client_no_auth, offset
):
    client = await hass_client_no_auth()
    body = event_body(sim)
    stale = await client.post(
        PATH,
        data=body,
        headers=svix_headers(body, timestamp=int(time.time()) + offset),
    )
    assert stale.status == 401
    await hass.async_block_till_done(wait_background_tasks=True)
    assert refreshes == []


@pytest.mark.parametrize("missing", ["svix-id", "svix-timestamp", "svix-signature"])
@pytest.mark.usefixtures("hooked")
async def test_missing_headers_are_refused(
    hass, sim, refreshes, hass_client_no_auth, missing
):
    client = await hass_client_no_auth()
    body = event_body(sim)
    headers = svix_headers(body)
    del headers[missing]
    answer = await client.post(PATH, data=body, headers=headers)
    assert answer.status == 401
    await hass.async_block_till_done(wait_background_tasks=True)
    assert refreshes == []


async def test_malformed_and_other_events(
    hass, sim, hooked, refreshes, hass_client_no_auth
):
    client = await hass_client_no_auth()
    for garbage in (
        b"not json",
        b"[1, 2]",
        b'{"type": "charging_sub_session.created"}',
    ):
        answer = await client.post(
            PATH, data=garbage, headers=svix_headers(garbage, message_id="msg_bad")
        )
        assert answer.status == 400, garbage
    # Signed, but an event this integration does not use: acknowledged.
    other = json.dumps({"type": "vehicle.updated", "data": {}}).encode()
    answer = await client.post(PATH, data=other, headers=svix_headers(other))
    assert answer.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert refreshes == []
    # A malformed attempt is not remembered: the good message is still taken.
    body = event_body(sim)
    good = await client.post(
        PATH, data=body, headers=svix_headers(body, message_id="msg_bad")
    )
    assert good.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert refreshes == [KIA]


async def test_an_unknown_vehicle_is_acknowledged_and_ignored(
    hass, sim, hooked, refreshes, hass_client_no_auth
):
    client = await hass_client_no_auth()
    body = event_body(sim, vehicle_id="vhcl01ZZZZZZZZZZZZZZZZZZZZZZZZ")
    answer = await client.post(PATH, data=body, headers=svix_headers(body))
    assert answer.status == 200
    await hass.async_block_till_done(wait_background_tasks=True)
    assert refreshes == []


async def test_without_a_secret_no_webhook_is_registered(
    hass, sim, ee_credentials, ha_url, hass_client_no_auth
):
    entry = await add_evenergy_entry(hass, sim, webhook_id=HA_WEBHOOK)
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert HA_WEBHOOK not in hass.data.get(PUSH_HUBS, {})
    assert HA_WEBHOOK not in registered(hass)
    coordinator = entry.runtime_data.coordinators[KIA]
    before = coordinator.api.account.list_calls
    client = await hass_client_no_auth()
    body = event_body(sim)
    # Home Assistant answers an unknown webhook with 200 and does nothing.
    await client.post(PATH, data=body, headers=svix_headers(body))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert coordinator.api.account.list_calls == before
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"push_unreachable_{entry.entry_id}")
        is None
    )


async def test_unload_unregisters_and_removal_deletes_the_cloudhook(
    hass, sim, ee_credentials, ha_url, monkeypatch
):
    deleted: list[str] = []

    async def delete(_hass: Any, webhook_id: str) -> None:
        deleted.append(webhook_id)

    fake_cloud = SimpleNamespace(
        async_active_subscription=lambda _hass: True,
        async_delete_cloudhook=delete,
        CloudNotAvailable=RuntimeError,
    )
    monkeypatch.setattr(push, "_cloud", lambda _hass: fake_cloud)
    entry = await add_evenergy_entry(
        hass,
        sim,
        webhook_id=HA_WEBHOOK,
        webhook_secret=SECRET,
        cloudhook_url=f"https://hooks.nabu.casa/{HA_WEBHOOK}",
    )
    await setup_entry(hass, entry)
    assert HA_WEBHOOK in registered(hass)
    await hass.config_entries.async_unload(entry.entry_id)
    assert HA_WEBHOOK not in registered(hass)
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert deleted == [HA_WEBHOOK]


async def test_reconfigure_shows_the_steps_and_stores_the_secret(
    hass, sim, ee_credentials, ha_url, hass_client_no_auth
):
    entry = await add_evenergy_entry(hass, sim)
    await setup_entry(hass, entry)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure_evenergy"
    assert result["errors"] == {}
    placeholders = result["description_placeholders"]
    assert placeholders["portal_url"] == sim.url("/_sim/evenergy/webhook")
    assert placeholders["webhook_url"].startswith(f"{ha_url}/api/webhook/")
    webhook_id = placeholders["webhook_url"].rsplit("/", 1)[-1]
    # Not a Svix secret: said so, nothing stored.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"scan_interval_minutes": 5, "webhook_secret": "my-secret"},
    )
    assert result["errors"] == {"webhook_secret": "webhook_secret_invalid"}
    assert "webhook_secret" not in entry.data
    # The same URL on the form again (the flow keeps its webhook id).
    assert result["description_placeholders"]["webhook_url"] == (
        f"{ha_url}/api/webhook/{webhook_id}"
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"scan_interval_minutes": 5, "webhook_secret": f" {SECRET} "},
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["webhook_secret"] == SECRET
    assert entry.data["webhook_id"] == webhook_id
    assert entry.state is ConfigEntryState.LOADED
    assert webhook_id in registered(hass)
    # The simulator delivers with that URL and secret: the EV6 is read at once.
    await sim.control(
        "PUT",
        "/evenergy/webhook",
        json={"url": placeholders["webhook_url"], "secret": SECRET},
    )
    await sim.control("POST", f"/vehicles/{KIA_KEY}/plug")
    await settle(hass, sim)
    assert hass.states.get(CHARGING).state == "on"
    # Diagnostics keep the secret out.
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert diagnostics["entry"]["data"]["webhook_secret"] == "**REDACTED**"
    assert SECRET not in json.dumps(diagnostics)
    # Emptied: only polling again, the URL kept for later.
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"scan_interval_minutes": 5, "webhook_secret": ""}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["webhook_secret"] == ""
    assert entry.data["webhook_id"] == webhook_id
    assert webhook_id not in registered(hass)


async def test_reconfigure_without_a_portal(hass, sim, ee_credentials, ha_url):
    # The seed-era API has no webhook portal: the form says so, polling stays.
    await sim.control("PUT", "/evenergy/settings", json={"era": "seed"})
    entry = await add_evenergy_entry(hass, sim)
    await setup_entry(hass, entry)
    result = await entry.start_reconfigure_flow(hass)
    assert result["errors"] == {"base": "webhook_portal_unavailable"}
    assert result["description_placeholders"]["portal_url"] == ""
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"scan_interval_minutes": 10, "webhook_secret": "whsec_not base64!"},
    )
    assert result["errors"] == {"webhook_secret": "webhook_secret_invalid"}


async def test_reconfigure_without_a_reachable_url(
    hass, sim, ee_credentials, monkeypatch
):
    monkeypatch.setattr(push, "simulator_url", lambda: "")
    await hass.config.async_update(internal_url="http://192.168.1.2:8123")
    entry = await add_evenergy_entry(hass, sim)
    await setup_entry(hass, entry)
    result = await entry.start_reconfigure_flow(hass)
    assert result["errors"] == {"base": "webhook_unreachable"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"scan_interval_minutes": 10}
    )
    await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"


async def test_an_unreachable_url_raises_a_repair(
    hass, sim, ee_credentials, monkeypatch
):
    # No simulator: Home Assistant has only an internal URL, useless to ev.energy.
    monkeypatch.setattr(push, "simulator_url", lambda: "")
    await hass.config.async_update(internal_url="http://192.168.1.2:8123")
    entry = await add_evenergy_entry(
        hass, sim, webhook_id=HA_WEBHOOK, webhook_secret=SECRET
    )
    await setup_entry(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"push_unreachable_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "evenergy_push_unreachable"
    assert issue.translation_placeholders == {"title": "ev.energy"}


@pytest.mark.usefixtures("current_request_with_host", "ee_credentials")
async def test_the_new_entry_says_how_to_add_the_webhook(
    hass, sim, ha_url, hass_client_no_auth
):
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "evenergy"}
    )
    result = await run_oauth(hass, sim, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == "evenergy_webhook"
    entry = result["result"]
    webhook_id = entry.data["webhook_id"]
    assert result["description_placeholders"] == {
        "webhook_url": f"{ha_url}/api/webhook/{webhook_id}",
        "portal_url": sim.url("/_sim/evenergy/webhook"),
    }
    assert "webhook_secret" not in entry.data


@pytest.mark.usefixtures("current_request_with_host", "ee_credentials")
async def test_the_new_entry_without_portal_or_url(
    hass, sim, ha_url, hass_client_no_auth, monkeypatch
):
    # The seed-era API has no webhook portal.
    await sim.control("PUT", "/evenergy/settings", json={"era": "seed"})
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "evenergy"}
    )
    result = await run_oauth(hass, sim, hass_client_no_auth, result)
    assert result["description"] == "evenergy_no_portal"
    await hass.config_entries.async_remove(result["result"].entry_id)
    # No URL ev.energy can reach.
    monkeypatch.setattr(push, "simulator_url", lambda: "")
    await hass.config.async_update(internal_url="http://192.168.1.2:8123")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "evenergy"}
    )
    result = await run_oauth(hass, sim, hass_client_no_auth, result)
    assert result["description"] == "evenergy_unreachable"
