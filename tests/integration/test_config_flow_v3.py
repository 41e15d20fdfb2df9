"""The config flow of a Smartcar v3 application: checks, Connect, the user."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from unittest.mock import patch
from urllib.parse import parse_qs, urlsplit

import pytest
from homeassistant.components.application_credentials import (
    ClientCredential,
    async_import_client_credential,
)
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component

from custom_components.ev_battery.const import DOMAIN
from tests.simulator.conftest import SC_USER, START
from tests.simulator.smartcar_v3 import AMT, APP_ID, M2M_ID, M2M_SECRET

from .conftest import setup_entry

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

CALLBACK = "https://example.com/api/ev_battery/smartcar/connect"
TESLA = "36ab27d0-fd9d-4455-823a-ce30af709ffc"


async def add_credential(
    hass: HomeAssistant, secret: str = M2M_SECRET, client_id: str = M2M_ID
) -> None:
    """The v3 application's M2M client as the only application credential."""
    assert await async_setup_component(hass, "application_credentials", {})
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(client_id, secret, "Smartcar v3"), "sc3_cred"
    )


@pytest.fixture
async def v3_credential(hass: HomeAssistant) -> None:
    """The right credential."""
    await add_credential(hass)


async def start(hass: HomeAssistant, **user: Any) -> dict[str, Any]:
    """From the provider choice to the v3 form."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"provider": "smartcar", **user}
    )


async def connect(sim, url: str, *, deny: bool = False) -> dict[str, str]:
    """Sign in at the simulated Connect; the redirect's query."""
    await sim.control("PUT", "/config", json={"auto_approve": "driver@example.com"})
    if deny:
        # The consent page's Deny button answers access_denied.
        await sim.control("PUT", "/config", json={"auto_approve": None})
        async with sim.http.get(url, allow_redirects=False) as resp:
            assert resp.status == 200
            page = await resp.text()
        request_id = page.split('name="request_id" value="')[1].split('"')[0]
        action = url.split("?", maxsplit=1)[0]
        login = {
            "request_id": request_id,
            "step": "login",
            "username": "driver@example.com",
            "password": "demo",
        }
        async with sim.http.post(action, data=login) as resp:
            assert resp.status == 200
        form = {"request_id": request_id, "step": "deny"}
        async with sim.http.post(action, data=form, allow_redirects=False) as resp:
            assert resp.status == 302, await resp.text()
            location = resp.headers["Location"]
    else:
        async with sim.http.get(url, allow_redirects=False) as resp:
            assert resp.status == 302, await resp.text()
            location = resp.headers["Location"]
        await sim.control("PUT", "/config", json={"auto_approve": None})
    assert location.startswith(CALLBACK)
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def finish(
    hass, sim, hass_client_no_auth, result, *, drop: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Connect, come back through EV Battery's callback, and end the flow."""
    assert result["type"] is FlowResultType.EXTERNAL_STEP, result
    query = await connect(sim, result["url"])
    for key in drop:
        query.pop(key, None)
    client = await hass_client_no_auth()
    resp = await client.get("/api/ev_battery/smartcar/connect", params=query)
    assert resp.status == 200
    assert "close this window" in await resp.text()
    with patch("custom_components.ev_battery.async_setup_entry", return_value=True):
        return await hass.config_entries.flow.async_configure(result["flow_id"])


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
@pytest.mark.parametrize("returns_code", [False, True])
async def test_v3_flow_with_and_without_code(
    hass, sim, hass_client_no_auth, returns_code
):
    await sim.control(
        "PUT", "/smartcar/v3/settings", json={"connect_returns_code": returns_code}
    )
    result = await start(hass, read_location=True)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "smartcar_v3"
    assert result["description_placeholders"]["redirect_uri"] == CALLBACK
    assert result["description_placeholders"]["client_id"] == M2M_ID
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID, "management_token": AMT}
    )
    url = urlsplit(result["url"])
    query = parse_qs(url.query)
    assert url.path == "/smartcar/connect/oauth/authorize"
    assert query["client_id"] == [APP_ID]
    assert query["redirect_uri"] == [CALLBACK]
    assert query["scope"][0].split() == [
        "read_vehicle_info",
        "read_vin",
        "read_battery",
        "read_charge",
        "control_charge",
        "read_location",
    ]
    redirect = await connect(sim, result["url"])
    assert ("code" in redirect) is returns_code
    assert redirect["user_id"] == SC_USER
    client = await hass_client_no_auth()
    resp = await client.get("/api/ev_battery/smartcar/connect", params=redirect)
    assert resp.status == 200
    with patch("custom_components.ev_battery.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.unique_id == f"smartcar_{SC_USER}"
    assert entry.data["api_version"] == "v3"
    assert entry.data["application_id"] == APP_ID
    assert entry.data["management_token"] == AMT
    assert entry.data["user_id"] == SC_USER
    assert entry.data["read_location"] is True
    assert "token" not in entry.data
    # The last dialog shows the webhook URL to paste in the Dashboard.
    assert result["description"] == "push"
    webhook_id = entry.data["webhook_id"]
    assert result["description_placeholders"]["webhook_url"].endswith(
        f"/api/webhook/{webhook_id}"
    )


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_redirect_without_user_id_finds_the_user(
    hass, sim, hass_client_no_auth, freezer
):
    # The connection made at Connect is recognised by its time: one clock.
    freezer.move_to(START)
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID}
    )
    result = await finish(hass, sim, hass_client_no_auth, result, drop=("user_id",))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].data["user_id"] == SC_USER
    # Without a management token there is no push to set up.
    assert result["description"] == "no_push"
    assert result["result"].data["management_token"] == ""


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"application_id": M2M_ID}, {"application_id": "application_id_is_client_id"}),
        ({"application_id": "my-app"}, {"application_id": "application_id_not_uuid"}),
        (
            {"application_id": str(uuid.UUID(int=7))},
            {"application_id": "application_id_unknown"},
        ),
        (
            {"application_id": APP_ID, "management_token": "wrong"},
            {"management_token": "management_token_invalid"},
        ),
    ],
)
async def test_wrong_values_are_named(hass, sim, values, errors):
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], values)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == errors
    # The form keeps what was typed, so only the wrong value needs fixing.
    schema = result["data_schema"].schema
    suggested = {
        str(key): key.description["suggested_value"]
        for key in schema
        if key.description and key.description.get("suggested_value")
    }
    assert suggested["application_id"] == values["application_id"]


@pytest.mark.usefixtures("current_request_with_host")
async def test_wrong_client_secret_is_named(hass, sim):
    await add_credential(hass, secret="not-the-secret")
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_client"}


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_smartcar_down_is_cannot_connect(hass, sim):
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/smartcar/iam", "status": 503, "error": "server_error"},
    )
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID}
    )
    assert result["errors"] == {"base": "cannot_connect"}


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_denied_connect_aborts(hass, sim, hass_client_no_auth):
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID}
    )
    query = await connect(sim, result["url"], deny=True)
    assert query["error"] == "access_denied"
    client = await hass_client_no_auth()
    resp = await client.get("/api/ev_battery/smartcar/connect", params=query)
    assert resp.status == 200
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "user_rejected_authorize"


async def test_unknown_state_is_refused(hass, hass_client_no_auth):
    assert await async_setup_component(hass, DOMAIN, {})
    client = await hass_client_no_auth()
    resp = await client.get(
        "/api/ev_battery/smartcar/connect", params={"state": "nope", "user_id": "x"}
    )
    assert resp.status == 400
    assert "start again" in await resp.text()


@pytest.mark.usefixtures("current_request_with_host", "credentials")
@pytest.mark.parametrize("same_user_id", [True, False])
async def test_moving_a_v2_entry_to_v3_keeps_its_entities(
    hass, sim, hass_client_no_auth, smartcar_entry, same_user_id
):
    if not same_user_id:
        # Recognised by its vehicles when the user id is another one.
        hass.config_entries.async_update_entry(smartcar_entry, unique_id="smartcar_x")
    await setup_entry(hass, smartcar_entry)
    registry = er.async_get(hass)
    before = {
        entry.unique_id: entry.entity_id
        for entry in er.async_entries_for_config_entry(
            registry, smartcar_entry.entry_id
        )
    }
    soc_entity = before[f"{TESLA}_battery:state_of_charge"]
    registry.async_update_entity(soc_entity, name="Model 3 battery")
    await async_import_client_credential(
        hass, DOMAIN, ClientCredential(M2M_ID, M2M_SECRET, "Smartcar v3"), "sc3_cred"
    )
    result = await start(hass)
    # Two credentials: pick the v3 one.
    assert result["step_id"] == "pick_implementation"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": "sc3_cred"}
    )
    assert result["step_id"] == "smartcar_v3"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID}
    )
    query = await connect(sim, result["url"])
    client = await hass_client_no_auth()
    await client.get("/api/ev_battery/smartcar/connect", params=query)
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "moved_to_v3"
    await hass.async_block_till_done()
    assert smartcar_entry.state is ConfigEntryState.LOADED
    assert smartcar_entry.data["api_version"] == "v3"
    assert smartcar_entry.unique_id == f"smartcar_{SC_USER}"
    assert smartcar_entry.data["auth_implementation"] == "sc3_cred"
    assert "token" not in smartcar_entry.data
    after = {
        entry.unique_id: entry.entity_id
        for entry in er.async_entries_for_config_entry(
            registry, smartcar_entry.entry_id
        )
    }
    # Same unique ids, same entity ids, the person's name kept.
    for unique_id, entity_id in before.items():
        if unique_id.endswith("charge_records:charge_records"):
            continue
        assert after.get(unique_id) == entity_id, unique_id
    entity = registry.async_get(soc_entity)
    assert entity is not None
    assert entity.name == "Model 3 battery"
    assert entity.config_entry_id == smartcar_entry.entry_id


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_v3_reauth_checks_the_credential_again(hass, sim, hass_client_no_auth):
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID, "management_token": AMT}
    )
    result = await finish(hass, sim, hass_client_no_auth, result)
    entry = result["result"]
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id},
        data=entry.data,
    )
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["step_id"] == "smartcar_v3"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID, "management_token": AMT}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data["user_id"] == SC_USER


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_v3_reconfigure_sets_the_management_token(hass, sim, hass_client_no_auth):
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID}
    )
    result = await finish(hass, sim, hass_client_no_auth, result)
    entry = result["result"]
    assert not entry.data.get("webhook_id")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    assert result["step_id"] == "reconfigure_smartcar"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"monthly_calls": 800, "management_token": "wrong"}
    )
    assert result["errors"] == {"management_token": "management_token_invalid"}
    with patch("custom_components.ev_battery.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"monthly_calls": 800, "management_token": AMT}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["monthly_calls"] == 800
    assert entry.data["management_token"] == AMT
    assert entry.data["webhook_id"]


async def to_connect(hass, **values: Any) -> dict[str, Any]:
    """From the provider choice to the external step."""
    result = await start(hass)
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID, **values}
    )


async def back_from_connect(
    hass, sim, hass_client_no_auth, result, *, drop: tuple[str, ...] = ()
) -> None:
    """Connect and come back through the callback (the flow is not ended)."""
    query = await connect(sim, result["url"])
    for key in drop:
        query.pop(key, None)
    client = await hass_client_no_auth()
    resp = await client.get("/api/ev_battery/smartcar/connect", params=query)
    assert resp.status == 200


@pytest.mark.usefixtures("v3_credential")
async def test_redirect_uri_without_the_frontend_header(hass):
    await hass.config.async_update(internal_url="http://192.168.1.5:8123")
    result = await start(hass)
    if result["step_id"] == "pick_implementation":
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"implementation": "sc3_cred"}
        )
    assert result["step_id"] == "smartcar_v3"
    assert result["description_placeholders"]["redirect_uri"] == (
        "http://192.168.1.5:8123/api/ev_battery/smartcar/connect"
    )


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_connect_out_of_reach_is_not_blocking(hass, sim):
    # Connect's page cannot be checked: the flow goes on (Connect says so).
    await sim.control(
        "POST", "/faults", json={"path": "/smartcar/connect", "kind": "disconnect"}
    )
    result = await to_connect(hass)
    assert result["type"] is FlowResultType.EXTERNAL_STEP


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_management_api_down_is_cannot_connect(hass, sim):
    await sim.control(
        "POST",
        "/faults",
        json={"path": "/smartcar/management", "status": 500, "error": "SERVER"},
    )
    result = await to_connect(hass, management_token=AMT)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_no_user_found_aborts(hass, sim, hass_client_no_auth, freezer):
    # Without user_id, and no connection made since Connect opened.
    freezer.move_to(START + timedelta(days=1))
    result = await to_connect(hass)
    await back_from_connect(hass, sim, hass_client_no_auth, result, drop=("user_id",))
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "user_unknown"


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"status": 500, "error": "SERVER"}, "cannot_connect"),
        ({"path": "/smartcar/iam", "status": 401, "error": "invalid_client"}, None),
    ],
)
async def test_connections_failing_after_connect_abort(
    hass, sim, hass_client_no_auth, fault, reason
):
    result = await to_connect(hass)
    await back_from_connect(hass, sim, hass_client_no_auth, result)
    # The credential stops working (or Smartcar fails) right after Connect.
    await sim.control(
        "POST", "/faults", json={"path": "/smartcar/vehicle/v3/connections", **fault}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == (reason or "invalid_client")


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_no_vehicles_aborts(hass, sim, hass_client_no_auth):
    result = await to_connect(hass)
    await back_from_connect(hass, sim, hass_client_no_auth, result)
    # The person disconnected every vehicle again before the flow went on.
    for connection in await sim.control("GET", "/smartcar/v3/connections"):
        v3 = sim.state.smartcar.v3
        v3.disconnect(v3.connections[connection["id"]])
    result = await hass.config_entries.flow.async_configure(result["flow_id"])
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_vehicles"


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
@pytest.mark.parametrize(
    ("webhook_url", "description"),
    [
        (("https://hooks.nabu.casa/x", True), "push"),
        ((None, False), "push_unreachable"),
    ],
)
async def test_entry_dialog_says_where_smartcar_delivers(
    hass, sim, hass_client_no_auth, webhook_url, description
):
    async def url(_hass: Any, _webhook_id: str) -> tuple[str | None, bool]:
        return webhook_url

    result = await to_connect(hass, management_token=AMT)
    with patch("custom_components.ev_battery.v3_flow.async_webhook_url", url):
        result = await finish(hass, sim, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["description"] == description
    assert result["result"].data.get("cloudhook_url") == (
        "https://hooks.nabu.casa/x" if webhook_url[1] else None
    )


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_a_dismissed_flow_stops_waiting(hass, sim, hass_client_no_auth):
    result = await to_connect(hass)
    query = await connect(sim, result["url"])
    hass.config_entries.flow.async_abort(result["flow_id"])
    client = await hass_client_no_auth()
    resp = await client.get("/api/ev_battery/smartcar/connect", params=query)
    assert resp.status == 400


@pytest.mark.usefixtures("current_request_with_host", "credentials", "v3_credential")
async def test_other_entries_are_not_taken_for_the_v2_one(
    hass, sim, hass_client_no_auth, evenergy_entry, smartcar_entry
):
    # A v2 entry of another account (other vehicles) and an ev.energy entry.
    hass.config_entries.async_update_entry(smartcar_entry, unique_id="smartcar_x")
    await setup_entry(hass, smartcar_entry)
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, smartcar_entry.entry_id):
        registry.async_update_device(
            device.id, new_identifiers={(DOMAIN, f"other-{device.id}")}
        )
    result = await start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"implementation": "sc3_cred"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"application_id": APP_ID}
    )
    result = await finish(hass, sim, hass_client_no_auth, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert "api_version" not in smartcar_entry.data


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_reauth_with_another_application_forgets_the_webhook(
    hass, sim, hass_client_no_auth
):
    result = await to_connect(hass, management_token=AMT)
    result = await finish(hass, sim, hass_client_no_auth, result)
    entry = result["result"]
    hass.config_entries.async_update_entry(
        entry,
        data={
            **entry.data,
            "application_id": str(uuid.UUID(int=1)),
            "smartcar_webhook_id": "wh-old",
        },
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id},
        data=entry.data,
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    with patch("custom_components.ev_battery.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"application_id": APP_ID, "management_token": AMT}
        )
    assert result["reason"] == "reauth_successful"
    assert entry.data["application_id"] == APP_ID
    assert entry.data["smartcar_webhook_id"] is None


@pytest.mark.usefixtures("current_request_with_host", "v3_credential")
async def test_reconfigure_without_a_token_only_polls(hass, sim, hass_client_no_auth):
    result = await to_connect(hass, management_token=AMT)
    result = await finish(hass, sim, hass_client_no_auth, result)
    entry = result["result"]
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    with patch("custom_components.ev_battery.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"monthly_calls": 500, "management_token": ""}
        )
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["management_token"] == ""
