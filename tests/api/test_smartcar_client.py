"""SmartcarClient against the simulator over loopback HTTP."""

import ast
import hashlib
import hmac
from datetime import UTC, date, datetime
from pathlib import Path

import aiohttp
import pytest

from custom_components.ev_battery.api import (
    ChargeState,
    EVAccountError,
    EVApiError,
    EVAuthenticationError,
    EVConnectionError,
    EVInvalidResponseError,
    EVNotFoundError,
    EVNotSupportedError,
    EVPermissionError,
    EVQuotaExceededError,
    EVRateLimitError,
    EVServerError,
    EVTimeoutError,
    EVValidationError,
    EVVehicleStateError,
    Signal,
    SmartcarClient,
    StaticToken,
)
from custom_components.ev_battery.api import smartcar as smartcar_module
from custom_components.ev_battery.api._http import HttpCore
from custom_components.ev_battery.api.webhooks import (
    challenge_response,
    verify_signature,
)
from tests.simulator.conftest import (
    LEAF,
    SC_MANAGEMENT_TOKEN,
    SC_USER,
    TESLA,
    VW,
    smartcar_token,
)

API_DIR = Path(__file__).parents[2] / "custom_components" / "ev_battery" / "api"


def test_package_has_no_home_assistant_imports():
    for path in API_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
                assert node.level <= 1, f"{path.name} imports outside the package"
            for name in names:
                assert not name.startswith("homeassistant"), f"{path.name}: {name}"


async def fault(sim, **spec):
    await sim.control("POST", "/faults", json=spec)


async def test_reads(smartcar, sim):
    assert await smartcar.get_user_id() == SC_USER
    assert await smartcar.get_vehicle_ids() == [TESLA, VW, LEAF]
    attributes = await smartcar.get_attributes(TESLA)
    assert (attributes.make, attributes.model, attributes.year) == (
        "TESLA",
        "Model 3",
        2023,
    )
    assert attributes.meta.request_id
    assert (await smartcar.get_vin(TESLA)).vin == "5YJ3E7EB7PF000001"
    battery = await smartcar.get_battery(TESLA)
    assert battery.percent_remaining == 0.42
    assert battery.percentage == 42.0
    assert battery.range == round(0.42 * 75 * 6.7, 2)
    assert battery.meta.data_age == datetime(2026, 11, 2, 7, tzinfo=UTC)
    assert battery.meta.fetched_at == datetime(2026, 11, 2, 7, tzinfo=UTC)
    assert battery.meta.unit_system == "metric"
    assert (await smartcar.get_battery_capacity(TESLA)).capacity == 75.0
    nominal = await smartcar.get_nominal_capacity(TESLA)
    assert nominal.available_capacities[0].capacity == 75.0
    assert nominal.capacity.nominal == 75.0
    charge = await smartcar.get_charge_status(TESLA)
    assert charge.is_plugged_in is True
    assert charge.state is ChargeState.CHARGING
    limit = await smartcar.get_charge_limit(TESLA)
    assert (limit.limit, limit.percentage) == (0.8, 80.0)
    assert (await smartcar.get_odometer(TESLA)).distance == 18234.5
    location = await smartcar.get_location(TESLA)
    assert (location.latitude, location.longitude) == (52.3731, 4.8922)
    permissions = await smartcar.get_permissions(TESLA)
    assert "read_battery" in permissions.permissions
    assert len(permissions.permissions) == 8


async def test_sends_metric_units_and_user_agent(smartcar, sim):
    await sim.control("DELETE", "/requests")
    await smartcar.get_battery(TESLA)
    await smartcar.stop_charge(TESLA)
    log = await sim.control("GET", "/requests")
    assert log[0]["headers"]["sc-unit-system"] == "metric"
    assert log[0]["headers"]["User-Agent"].startswith("ev-battery-home-assistant/")
    assert "sc-unit-system" not in log[1]["headers"]
    assert log[1]["headers"]["Content-Type"] == "application/json"


async def test_vehicle_ids_follow_paging(smartcar, monkeypatch):
    monkeypatch.setattr(smartcar_module, "SMARTCAR_VEHICLES_PAGE", 2)
    assert await smartcar.get_vehicle_ids() == [TESLA, VW, LEAF]
    monkeypatch.setattr(smartcar_module, "SMARTCAR_VEHICLES_PAGE", 3)
    permissions = await smartcar.get_permissions(TESLA)
    assert len(permissions.permissions) == 8


async def test_commands(smartcar):
    result = await smartcar.stop_charge(TESLA)
    assert result.status == "success"
    assert (await smartcar.get_charge_status(TESLA)).state is ChargeState.NOT_CHARGING
    await smartcar.start_charge(TESLA)
    assert (await smartcar.get_charge_status(TESLA)).state is ChargeState.CHARGING
    await smartcar.set_charge_limit(TESLA, 0.9)
    assert (await smartcar.get_charge_limit(TESLA)).limit == 0.9


async def test_charge_limit_is_validated_before_the_call(smartcar, sim):
    for bad in (0.2, 1.2):
        with pytest.raises(EVValidationError):
            await smartcar.set_charge_limit(TESLA, bad)
    billing = await sim.control("GET", "/billing")
    assert billing["vehicles"]["tesla-model-3"]["total"] == 0


async def test_charge_records(smartcar):
    records = await smartcar.get_charge_records(
        TESLA, "TESLA", start=date(2026, 10, 1), end=date(2026, 11, 2)
    )
    assert [r.total for r in records.records] == [33.0, 60.0, 27.5]
    assert records.records[1].super_charger == 60.0
    assert records.records[0].date == datetime(2026, 10, 17, 7, tzinfo=UTC)
    assert len((await smartcar.get_charge_records(TESLA, "tesla")).records) == 3
    with pytest.raises(EVNotSupportedError) as err:
        await smartcar.get_charge_records(LEAF, "NISSAN")
    assert err.value.code == "MAKE_NOT_COMPATIBLE"


async def test_batch_mixed_success(smartcar, sim):
    snapshot = await smartcar.batch(
        LEAF,
        [
            Signal.BATTERY,
            Signal.CHARGE,
            Signal.CHARGE_LIMIT,
            Signal.BATTERY_CAPACITY,
            Signal.ATTRIBUTES,
            Signal.BATTERY,
        ],
    )
    assert snapshot.battery.percent_remaining == 0.55
    assert snapshot.charge.state is ChargeState.NOT_CHARGING
    assert snapshot.capacity.capacity == 40.0
    assert snapshot.attributes.make == "NISSAN"
    assert snapshot.charge_limit is None
    assert isinstance(snapshot.errors[Signal.CHARGE_LIMIT], EVNotSupportedError)
    assert snapshot.data_age == datetime(2026, 11, 2, 7, tzinfo=UTC)
    assert snapshot.meta.request_id == snapshot.errors[Signal.CHARGE_LIMIT].request_id
    # One billed call per distinct path (the battery is asked for once).
    billing = await sim.control("GET", "/billing")
    assert billing["vehicles"]["nissan-leaf"]["total"] == 5
    with pytest.raises(EVValidationError):
        await smartcar.batch(LEAF, [])


async def test_batch_permission_error_names_the_scope(sim):
    token = await smartcar_token(sim, scope="read_battery")
    client = SmartcarClient(
        StaticToken(token["access_token"]),
        session=sim.http,
        api_base=sim.url("/smartcar/api"),
    )
    snapshot = await client.batch(TESLA, [Signal.BATTERY, Signal.ODOMETER])
    assert snapshot.battery is not None
    err = snapshot.errors[Signal.ODOMETER]
    assert isinstance(err, EVPermissionError)
    assert err.permission == "read_odometer"
    with pytest.raises(EVPermissionError) as direct:
        await client.get_location(TESLA)
    assert direct.value.permission == "read_location"
    assert snapshot.data_age is not None


async def test_batch_with_a_malformed_sub_response(smartcar, sim):
    await fault(sim, path="/batch$", kind="truncated", count=1)
    with pytest.raises(EVInvalidResponseError):
        await smartcar.batch(TESLA, [Signal.BATTERY])


@pytest.mark.parametrize(
    ("error", "code", "cls"),
    [
        ("AUTHENTICATION", None, EVAuthenticationError),
        ("PERMISSION", None, EVPermissionError),
        ("RESOURCE_NOT_FOUND", "PATH", EVNotFoundError),
        ("RATE_LIMIT", "SMARTCAR_API", EVRateLimitError),
        ("BILLING", "VEHICLE_REQUEST_LIMIT", EVQuotaExceededError),
        ("VEHICLE_STATE", "ASLEEP", EVVehicleStateError),
        ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", EVNotSupportedError),
        ("UPSTREAM", "NO_RESPONSE", EVServerError),
        ("SERVER", "INTERNAL", EVServerError),
        ("VALIDATION", "PARAMETER", EVValidationError),
        ("CONNECTED_SERVICES_ACCOUNT", "ACCOUNT_ISSUE", EVAccountError),
        ("SOMETHING_NEW", "X", EVApiError),
    ],
)
async def test_every_error_type_maps_to_one_class(smartcar, sim, error, code, cls):
    status = 418 if error == "SOMETHING_NEW" else None
    await fault(sim, path="/battery$", error=error, code=code, status=status, count=1)
    with pytest.raises(EVApiError) as err:
        await smartcar.get_battery(VW)
    assert type(err.value) is cls
    assert err.value.error_type == error
    assert err.value.code == code
    assert err.value.request_id
    assert err.value.request_id in str(err.value)
    assert isinstance(err.value.raw, dict)
    assert err.value.raw["type"] == error


async def test_rate_limit_carries_retry_after(smartcar, sim):
    await sim.control(
        "PUT",
        "/smartcar/settings",
        json={"vehicle_rate_limit": {"requests": 1, "window_seconds": 30}},
    )
    await smartcar.get_battery(VW)
    with pytest.raises(EVRateLimitError) as err:
        await smartcar.get_battery(VW)
    assert err.value.retry_after == 31
    assert err.value.code == "VEHICLE"


async def test_real_api_errors(smartcar, sim):
    with pytest.raises(EVVehicleStateError) as err:
        await smartcar.start_charge(VW)
    assert err.value.code == "CHARGE_PLUG_DISCONNECTED"
    with pytest.raises(EVNotSupportedError):
        await smartcar.set_charge_limit(LEAF, 0.8)
    # The VW has used one call (the failed START); allow one more this month.
    await sim.control("PUT", "/smartcar/settings", json={"monthly_request_limit": 2})
    await smartcar.get_battery(VW)
    with pytest.raises(EVQuotaExceededError):
        await smartcar.get_battery(VW)


async def test_rejected_token(sim):
    client = SmartcarClient(
        StaticToken("expired"), session=sim.http, api_base=sim.url("/smartcar/api")
    )
    with pytest.raises(EVAuthenticationError):
        await client.get_vehicle_ids()


async def test_transport_faults(smartcar, sim):
    await fault(sim, path="/battery$", kind="truncated", count=1)
    with pytest.raises(EVInvalidResponseError):
        await smartcar.get_battery(VW)
    await fault(sim, path="/battery$", kind="non_json", count=1)
    with pytest.raises(EVInvalidResponseError):
        await smartcar.get_battery(VW)
    await fault(sim, path="/battery$", kind="html_502", count=1)
    with pytest.raises(EVServerError) as err:
        await smartcar.get_battery(VW)
    assert "502 Bad Gateway" in err.value.raw
    await fault(sim, path="/battery$", kind="non_json", status=500, count=1)
    with pytest.raises(EVServerError):
        await smartcar.get_battery(VW)
    await fault(sim, path="/battery$", kind="non_json", status=429, count=1)
    with pytest.raises(EVRateLimitError):
        await smartcar.get_battery(VW)
    await fault(sim, path="/battery$", kind="non_json", status=418, count=1)
    with pytest.raises(EVApiError):
        await smartcar.get_battery(VW)
    await fault(sim, path="/battery$", kind="disconnect", count=4)
    with pytest.raises(EVConnectionError):
        await smartcar.get_battery(VW)


async def test_wrong_shapes(smartcar, sim):
    # A body that is JSON but not the documented shape.
    sim.state.smartcar.vehicles[VW].car.year = "soon"
    with pytest.raises(EVInvalidResponseError):
        await smartcar.get_attributes(VW)


async def test_odd_but_valid_json(odd_api):
    client, answers = odd_api
    answers["/v2.0/user"] = (200, {"id": 5}, {})
    with pytest.raises(EVApiError):
        await client.get_user_id()
    answers["/v2.0/vehicles"] = (200, {"vehicles": "all"}, {})
    with pytest.raises(EVApiError):
        await client.get_vehicle_ids()
    answers["/v2.0/vehicles"] = (200, {"vehicles": ["a"], "paging": None}, {})
    assert await client.get_vehicle_ids() == ["a"]
    answers["/v2.0/vehicles/a/permissions"] = (200, {"permissions": None}, {})
    with pytest.raises(EVApiError):
        await client.get_permissions("a")
    answers["/v2.0/vehicles/a/batch"] = (200, {"nothing": True}, {})
    with pytest.raises(EVApiError):
        await client.batch("a", [Signal.BATTERY])
    answers["/v2.0/vehicles/a/batch"] = (
        200,
        {"responses": [{"path": "/charge", "code": "200", "body": {}}, "junk"]},
        {},
    )
    snapshot = await client.batch("a", [Signal.BATTERY, Signal.CHARGE])
    assert set(snapshot.errors) == {Signal.BATTERY, Signal.CHARGE}
    assert type(snapshot.errors[Signal.CHARGE]) is EVApiError
    answers["/v2.0/vehicles/a/battery"] = (
        200,
        {"percentRemaining": 0.5, "range": 100},
        {"sc-data-age": "yesterday", "sc-unit-system": "furlongs"},
    )
    battery = await client.get_battery("a")
    assert battery.meta.data_age is None
    assert battery.meta.unit_system is None
    answers["/v2.0/vehicles/a/charge"] = (
        200,
        {"isPluggedIn": True, "state": "SUPERCHARGING_V9"},
        {},
    )
    assert (await client.get_charge_status("a")).state is ChargeState.UNKNOWN
    answers["/v2.0/vehicles/a/odometer"] = (
        429,
        {"type": "RATE_LIMIT", "code": "VEHICLE"},
        {"Retry-After": "soon"},
    )
    with pytest.raises(EVRateLimitError) as err:
        await client.get_odometer("a")
    assert err.value.retry_after is None
    answers["/v2.0/vehicles/a/location"] = (401, [], {})
    with pytest.raises(EVAuthenticationError) as err:
        await client.get_location("a")
    assert err.value.raw == []


async def test_timeout(sim):
    token = await smartcar_token(sim)
    client = SmartcarClient(
        StaticToken(token["access_token"]),
        session=sim.http,
        api_base=sim.url("/smartcar/api"),
        request_timeout=0.1,
    )
    await fault(sim, path="/battery$", kind="delay", seconds=0.5, count=1)
    with pytest.raises(EVTimeoutError) as err:
        await client.get_battery(VW)
    assert isinstance(err.value, EVConnectionError)
    assert "Timed out after 0.1 s" in str(err.value)


async def test_connection_refused(socket_enabled):
    async with SmartcarClient(
        StaticToken("x"), api_base="http://127.0.0.1:9", request_timeout=2
    ) as client:
        with pytest.raises(EVConnectionError):
            await client.get_user_id()
    assert client._http._session.closed


async def test_connection_reset_before_sending_is_retried_once(smartcar, monkeypatch):
    calls = []
    original = HttpCore._once

    async def flaky(self, *args):
        calls.append(args[0])
        if len(calls) == 1:
            raise aiohttp.ClientConnectionResetError
        return await original(self, *args)

    monkeypatch.setattr(HttpCore, "_once", flaky)
    assert (await smartcar.get_battery(VW)).percent_remaining == 0.63
    assert len(calls) == 2

    async def always(self, *args):
        raise aiohttp.ClientConnectionResetError

    monkeypatch.setattr(HttpCore, "_once", always)
    with pytest.raises(EVConnectionError):
        await smartcar.get_battery(VW)


async def test_injected_session_is_not_closed(sim):
    client = SmartcarClient(
        StaticToken("x"), session=sim.http, api_base=sim.url("/smartcar/api")
    )
    await client.close()
    assert not sim.http.closed


async def test_disconnect_and_webhooks(smartcar, sim):
    assert (await smartcar.disconnect(VW)).status == "success"
    assert VW not in await smartcar.get_vehicle_ids()
    sim.state.smartcar.add_webhook(
        sim.state.smartcar.oauth.clients["sc-demo-client-id"],
        "http://127.0.0.1:9/x",
        "wh",
    )
    subscription = await smartcar.subscribe_webhook(TESLA, "wh")
    assert (subscription.webhook_id, subscription.vehicle_id) == ("wh", TESLA)
    result = await smartcar.unsubscribe_webhook(TESLA, "wh", SC_MANAGEMENT_TOKEN)
    assert result.status == "success"
    with pytest.raises(EVAuthenticationError):
        await smartcar.unsubscribe_webhook(TESLA, "wh", "wrong")


def test_webhook_helpers():
    expected = hmac.new(b"mgmt", b"abc", hashlib.sha256).hexdigest()
    assert challenge_response("mgmt", "abc") == {"challenge": expected}
    body = b'{"eventName":"x"}'
    signature = hmac.new(b"mgmt", body, hashlib.sha256).hexdigest()
    assert verify_signature("mgmt", body, signature)
    assert verify_signature("mgmt", body, signature.upper())
    assert not verify_signature("mgmt", body + b" ", signature)
    assert not verify_signature("mgmt", body, None)
    assert not verify_signature("other", body, signature)


async def test_a_bare_430_is_the_used_up_allowance(odd_api):
    client, answers = odd_api
    # A 430 whose body is not Smartcar's (a proxy's, say): the status alone.
    answers["/v2.0/vehicles/a/battery"] = (430, {"message": "limit"}, {})
    with pytest.raises(EVQuotaExceededError):
        await client.get_battery("a")


async def test_a_rate_limited_batch_path_carries_its_retry_after(smartcar, sim):
    await sim.control(
        "PUT",
        "/smartcar/settings",
        json={"vehicle_rate_limit": {"requests": 1, "window_seconds": 30}},
    )
    snapshot = await smartcar.batch(VW, [Signal.BATTERY, Signal.CHARGE])
    refused = [
        error
        for error in snapshot.errors.values()
        if isinstance(error, EVRateLimitError)
    ]
    # The first path is admitted; the second is refused with its own wait.
    assert len(refused) == 1
    assert refused[0].retry_after == 31
