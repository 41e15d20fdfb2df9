"""SmartcarV3Client and SmartcarM2MToken against the simulator over loopback."""

import asyncio

import aiohttp
import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from custom_components.ev_battery.api import (
    SIGNATURE_HEADER,
    ChargingStatus,
    EVAccountError,
    EVApiError,
    EVAuthenticationError,
    EVConnectionError,
    EVInvalidClientError,
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
    SignalCode,
    SmartcarM2MToken,
    SmartcarV3Client,
    V3Location,
    V3Vehicle,
    VehicleErrorEvent,
    VehicleStateEvent,
    VerifyEvent,
    challenge_response,
    parse_webhook,
    verify_signature,
)
from custom_components.ev_battery.api import smartcar_v3 as v3_module
from tests.simulator.conftest import KIA, LEAF, SC_USER, TESLA, VW
from tests.simulator.smartcar_v3 import (
    AMT,
    M2M_ID,
    M2M_SECRET,
    MGMT,
    TOKEN_URL,
    V3,
    WEBHOOK,
    connect_v3,
)

OTHER_USER = "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
SOC = SignalCode.STATE_OF_CHARGE


def m2m(sim, *, secret=M2M_SECRET, client_id=M2M_ID, **kwargs):
    return SmartcarM2MToken(
        sim.http, client_id, secret, token_url=sim.url(TOKEN_URL), **kwargs
    )


def v3_client(sim, token=None, **kwargs):
    options = {
        "user_id": SC_USER,
        "base_url": sim.url(V3),
        "management_url": sim.url(MGMT),
        "management_token": AMT,
        **kwargs,
    }
    return SmartcarV3Client(sim.http, token or m2m(sim), **options)


@pytest.fixture
async def client(sim):
    """The driver's vehicles connected to the v3 app; a client for them."""
    await connect_v3(sim)
    return v3_client(sim)


async def fault(sim, **spec):
    await sim.control("POST", "/faults", json=spec)


async def billed(sim, car="tesla-model-3"):
    return (await sim.control("GET", "/billing"))["vehicles"][car]["this_month"]


# -------------------------------------------------------------------- token
async def test_token_is_asked_by_form_once_and_cached(sim, client):
    await sim.control("DELETE", "/requests")
    await client.get_vehicle(TESLA)
    await client.get_vehicle(VW)
    log = await sim.control("GET", "/requests")
    token_requests = [entry for entry in log if entry["path"].endswith("/token")]
    assert len(token_requests) == 1
    headers = token_requests[0]["headers"]
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Authorization" not in headers
    vehicle_request = next(e for e in log if e["path"].endswith(f"/vehicles/{VW}"))
    assert vehicle_request["headers"]["sc-user-id"] == SC_USER
    assert vehicle_request["headers"]["User-Agent"].startswith("ev-battery")


async def test_twenty_concurrent_callers_share_one_token_request(sim):
    await connect_v3(sim)
    token = m2m(sim)
    client = v3_client(sim, token)
    vehicles = await asyncio.gather(*(client.get_vehicle(TESLA) for _ in range(20)))
    assert {vehicle.make for vehicle in vehicles} == {"TESLA"}
    assert token.request_count == 1


async def test_check_and_wrong_credentials(sim):
    await m2m(sim).async_check()
    with pytest.raises(EVInvalidClientError) as err:
        await m2m(sim, secret="wrong").async_check()
    assert err.value.status == 401
    assert err.value.code == "invalid_client"
    with pytest.raises(EVInvalidClientError):
        await m2m(sim, client_id="client_unknown").async_check()
    with pytest.raises(EVValidationError) as err:
        await m2m(sim, client_id="").async_check()
    assert err.value.code == "invalid_request"


async def test_an_expired_token_is_replaced_once_on_401(sim, client):
    token = client._http._token_provider
    await client.get_vehicle(TESLA)
    # The simulated hour passes; the client's monotonic clock does not.
    await sim.control("POST", "/clock/advance", json={"seconds": 3600})
    assert (await client.get_vehicle(TESLA)).id == TESLA
    assert token.request_count == 2


async def test_expiry_by_the_injected_clock(sim):
    await connect_v3(sim)
    now = [0.0]
    token = m2m(sim, clock=lambda: now[0])
    client = v3_client(sim, token)
    await client.get_vehicle(TESLA)
    now[0] = 3299.0
    await client.get_vehicle(TESLA)
    assert token.request_count == 1
    now[0] = 3300.0  # refresh_margin (300 s) before the hour
    await client.get_vehicle(TESLA)
    assert token.request_count == 2


async def test_a_rejected_token_that_stays_rejected(sim, client):
    # A token the provider believes valid is refused, and so is the next.
    await fault(sim, path=f"{V3}/vehicles/", error="AUTHENTICATION", count=2)
    with pytest.raises(EVAuthenticationError) as err:
        await client.get_vehicle(TESLA)
    assert type(err.value) is EVAuthenticationError
    assert client._http._token_provider.request_count == 2


async def test_token_endpoint_faults(sim):
    await fault(sim, path="/smartcar/iam/", error="server_error", status=503, count=1)
    with pytest.raises(EVServerError):
        await m2m(sim).async_check()
    await fault(sim, path="/smartcar/iam/", kind="non_json", count=1)
    with pytest.raises(EVInvalidResponseError):
        await m2m(sim).async_check()
    await fault(sim, path="/smartcar/iam/", kind="delay", seconds=0.5, count=1)
    with pytest.raises(EVTimeoutError):
        await m2m(sim, request_timeout=0.1).async_check()
    await fault(sim, path="/smartcar/iam/", kind="disconnect", count=2)
    with pytest.raises(EVConnectionError):
        await m2m(sim).async_check()


# -------------------------------------------------------------- connections
async def test_connections_follow_every_page(sim, monkeypatch):
    await connect_v3(sim)
    await connect_v3(sim, user="other@example.com")
    client = v3_client(sim)
    monkeypatch.setattr(v3_module, "CONNECTIONS_PAGE_SIZE", 3)
    await sim.control("DELETE", "/requests")
    connections = await client.get_connections()
    assert len(connections) == 4
    pages = [
        e for e in await sim.control("GET", "/requests") if "connections" in e["path"]
    ]
    assert len(pages) == 2
    by_vehicle = {c.vehicle_id: c for c in connections}
    assert set(by_vehicle) == {TESLA, VW, LEAF, KIA}
    kia = by_vehicle[KIA]
    assert kia.user_id == OTHER_USER
    assert kia.vehicle == V3Vehicle(KIA, "KIA", "EV6", 2024, "LIVE", "BEV")
    assert kia.created_at is not None
    tesla = by_vehicle[TESLA]
    assert "read_battery" in tesla.permissions
    assert tesla.user_id == SC_USER
    # Filters (one page each).
    mine = await client.get_connections(user_id=SC_USER)
    assert {c.vehicle_id for c in mine} == {TESLA, VW, LEAF}
    assert [c.vehicle_id for c in await client.get_connections(vehicle_id=KIA)] == [KIA]
    assert len(await client.get_connections(mode="live")) == 4
    assert await client.get_connections(mode="simulated") == []


async def test_connections_need_no_user_id(sim):
    await connect_v3(sim)
    client = v3_client(sim, user_id=None)
    assert len(await client.get_connections()) == 3
    with pytest.raises(EVValidationError) as err:
        await client.get_vehicle(TESLA)
    assert err.value.code == "NO_USER_ID"
    client.user_id = SC_USER
    assert (await client.get_vehicle(TESLA)).make == "TESLA"


# ----------------------------------------------------------------- vehicle
async def test_vehicle(sim, client):
    assert await client.get_vehicle(TESLA) == V3Vehicle(
        TESLA, "TESLA", "Model 3", 2023, "LIVE", "BEV"
    )
    client.user_id = OTHER_USER
    with pytest.raises(EVNotFoundError) as err:
        await client.get_vehicle(TESLA)
    assert (err.value.error_type, err.value.code) == ("RESOURCE_NOT_FOUND", "VEHICLE")
    assert err.value.request_id


# ----------------------------------------------------------------- signals
async def test_signals_typed(sim, client):
    await client.subscribe(TESLA, WEBHOOK)
    signals = await client.get_signals(TESLA)
    assert len(signals) == 22
    assert signals.vehicle.make == "TESLA"
    assert signals.vehicle.id == TESLA
    soc = signals.state_of_charge
    assert (soc.value, soc.ok) == (42.0, True)
    assert soc.updated_at is not None
    assert signals.charge_limit.value == 80.0
    assert signals.nominal_capacity_kwh.value == 75.0
    assert signals.charging_power_kw.value == 11.0
    assert signals.charging_status.value is ChargingStatus.CHARGING
    assert signals.is_charging.value is True
    assert signals.is_plugged_in.value is True
    assert signals.vin.value == "5YJ3E7EB7PF000001"
    assert signals.is_locked.value is True
    assert isinstance(signals.location.value, V3Location)
    assert signals.range_km.value > 0
    assert signals.odometer_km.value == 18234.5
    for accessor in (
        "energy_added_kwh",
        "time_to_complete_min",
        "is_at_home",
        "is_online",
        "is_asleep",
        "low_voltage_soc",
        "fast_charger_present",
        "charging_current_a",
        "charging_voltage_v",
    ):
        reading = getattr(signals, accessor)
        if reading is not None:
            assert reading.ok, accessor
    one = await client.get_signal(TESLA, SOC)
    assert one == signals[SOC]


async def test_one_signal_is_404_until_ingested(sim, client):
    with pytest.raises(EVNotFoundError) as err:
        await client.get_signal(VW, SOC)
    assert err.value.code == "SIGNAL"
    assert len(await client.get_signals(VW)) == 0
    await client.subscribe(VW, WEBHOOK)
    assert (await client.get_signal(VW, SOC)).body == {"value": 63.0, "unit": "percent"}
    # A car reports only what it has.
    await client.subscribe(LEAF, WEBHOOK)
    leaf = await client.get_signals(LEAF)
    assert SignalCode.CHARGE_LIMITS not in leaf
    assert leaf.charge_limit is None
    with pytest.raises(EVNotFoundError):
        await client.get_signal(LEAF, SignalCode.CHARGE_LIMITS)


async def test_signals_without_permission_are_inline_errors(sim):
    await connect_v3(sim, scope="read_battery")
    client = v3_client(sim)
    await client.subscribe(VW, WEBHOOK)
    signals = await client.get_signals(VW)
    assert signals.state_of_charge.ok
    charging = signals[SignalCode.IS_CHARGING]
    assert not charging.ok
    assert charging.error.type == "PERMISSION"
    assert charging.error.resolution == "REAUTHENTICATE"
    assert signals.is_charging is None  # no last body


# ---------------------------------------------------------------- commands
async def test_commands_sync(sim, client):
    result = await client.stop_charge(TESLA)
    assert result.id.startswith("exec_")
    assert (result.command_type, result.status) == ("charge-stop", "SUCCESS")
    assert (result.execution_mode, result.pending) == ("sync", False)
    assert result.succeeded
    assert result.completed_at > result.executed_at
    with pytest.raises(EVVehicleStateError) as err:
        await client.stop_charge(TESLA)
    assert err.value.code == "NOT_CHARGING"
    assert (await client.start_charge(TESLA)).command_type == "charge-start"
    limit = await client.set_charge_limit(TESLA, 90)
    assert limit.command_type == "charge-set-limit"
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))["charge_limit"] == 0.9
    assert (await client.open_charge_port(TESLA)).command_type == "charge-port-open"
    assert (await client.close_charge_port(TESLA)).command_type == "charge-port-close"
    assert (await client.unlock(VW)).command_type == "security-unlock"
    assert (await client.lock(VW)).command_type == "security-lock"
    with pytest.raises(EVNotSupportedError) as err:
        await client.lock(LEAF)
    assert err.value.code == "VEHICLE_NOT_CAPABLE"
    with pytest.raises(EVNotSupportedError):
        await client.set_charge_limit(LEAF, 80)
    with pytest.raises(EVVehicleStateError) as err:
        await client.start_charge(VW)
    assert err.value.code == "CHARGE_PLUG_DISCONNECTED"


async def test_command_202_is_pending_not_an_error(sim, client):
    await sim.control("PUT", "/smartcar/v3/settings", json={"async_command_share": 1.0})
    result = await client.stop_charge(TESLA)
    assert result.pending
    assert (result.status, result.execution_mode) == ("IN_PROGRESS", "async")
    assert result.completed_at is None
    assert not result.succeeded


async def test_charge_limit_is_checked_before_the_call(sim, client):
    for bad in (49, 101, 80.5, True, "80"):
        with pytest.raises(EVValidationError):
            await client.set_charge_limit(TESLA, bad)
    assert await billed(sim) == 0


async def test_a_command_is_never_sent_twice(sim, client):
    await fault(sim, path="/commands/", kind="disconnect", count=1)
    with pytest.raises(EVConnectionError):
        await client.stop_charge(TESLA)
    assert (await sim.control("GET", "/vehicles/tesla-model-3"))["charging"] is True


# -------------------------------------------------------------- management
async def test_management_subscriptions(sim, client):
    await client.subscribe(TESLA, WEBHOOK)
    await client.subscribe(TESLA, WEBHOOK)  # idempotent
    await client.subscribe(VW, WEBHOOK)
    subscriptions = await client.get_subscriptions()
    assert [(s.vehicle_id, s.webhook_id, s.user_id) for s in subscriptions] == [
        (TESLA, WEBHOOK, SC_USER),
        (VW, WEBHOOK, SC_USER),
    ]
    assert subscriptions[0].id.startswith("sub_")
    assert subscriptions[0].created_at is not None
    filtered = await client.get_subscriptions(vehicle_id=VW)
    assert [s.vehicle_id for s in filtered] == [VW]
    assert await client.get_subscriptions(user_id="x") == []
    assert len(await client.get_subscriptions(webhook_id=WEBHOOK)) == 2
    await client.unsubscribe(subscriptions[0].id)
    assert [s.vehicle_id for s in await client.get_subscriptions()] == [VW]
    with pytest.raises(EVNotFoundError):
        await client.unsubscribe(subscriptions[0].id)
    with pytest.raises(EVNotFoundError):
        await client.subscribe(TESLA, "nope")
    with pytest.raises(EVNotFoundError):
        await client.subscribe(KIA, WEBHOOK)  # not this user's car


async def test_management_token_missing_or_wrong(sim, client):
    await sim.control("DELETE", "/requests")
    client.management_token = None
    for call in (
        client.subscribe(TESLA, WEBHOOK),
        client.get_subscriptions(),
        client.unsubscribe("sub_x"),
    ):
        with pytest.raises(EVPermissionError) as err:
            await call
        assert err.value.code == "NO_MANAGEMENT_TOKEN"
    assert await sim.control("GET", "/requests") == []
    client.management_token = "wrong"
    with pytest.raises(EVAuthenticationError):
        await client.get_subscriptions()


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("error", "code", "status", "cls"),
    [
        ("AUTHENTICATION", None, None, EVAuthenticationError),
        ("PERMISSION", None, None, EVPermissionError),
        ("RESOURCE_NOT_FOUND", "PATH", None, EVNotFoundError),
        ("RATE_LIMIT", "SMARTCAR_API", None, EVRateLimitError),
        ("BILLING", "VEHICLE_REQUEST_LIMIT", None, EVQuotaExceededError),
        ("VEHICLE_STATE", "ASLEEP", None, EVVehicleStateError),
        ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE", None, EVNotSupportedError),
        ("UPSTREAM", "NO_RESPONSE", None, EVServerError),
        ("UPSTREAM", "TIMEOUT", 504, EVServerError),
        ("SERVER", "INTERNAL", None, EVServerError),
        ("VALIDATION", "PARAMETER", None, EVValidationError),
        ("CONNECTED_SERVICES_ACCOUNT", "ACCOUNT_ISSUE", None, EVAccountError),
        ("SOMETHING_NEW", "X", 418, EVApiError),
    ],
)
async def test_every_error_type_maps_to_one_class(  # noqa: PLR0917
    sim, client, error, code, status, cls
):
    # AUTHENTICATION twice: the refused token, then the refreshed one.
    count = 2 if error == "AUTHENTICATION" else 1
    await fault(
        sim, path="/signals$", error=error, code=code, status=status, count=count
    )
    with pytest.raises(EVApiError) as err:
        await client.get_signals(TESLA)
    assert type(err.value) is cls
    assert (err.value.error_type, err.value.code) == (error, code)
    assert err.value.request_id
    assert err.value.request_id in str(err.value)
    assert err.value.raw["type"] == error


async def test_rate_limit_fault_carries_retry_after(sim, client):
    await fault(
        sim,
        path="/signals$",
        error="RATE_LIMIT",
        code="VEHICLE",
        retry_after=17,
        count=1,
    )
    with pytest.raises(EVRateLimitError) as err:
        await client.get_signals(TESLA)
    assert err.value.retry_after == 17


async def test_429_with_retry_after(sim, client):
    await sim.control(
        "PUT",
        "/smartcar/settings",
        json={"vehicle_rate_limit": {"requests": 1, "window_seconds": 30}},
    )
    await client.get_signals(TESLA)
    with pytest.raises(EVRateLimitError) as err:
        await client.get_signals(TESLA)
    assert err.value.code == "VEHICLE"
    assert err.value.status == 429
    assert err.value.retry_after >= 1


async def test_430_the_used_up_allowance(sim, client):
    await sim.control("PUT", "/smartcar/settings", json={"monthly_request_limit": 1})
    await client.get_signals(TESLA)
    with pytest.raises(EVQuotaExceededError) as err:
        await client.get_signals(TESLA)
    assert (err.value.status, err.value.code) == (430, "VEHICLE_REQUEST_LIMIT")


async def test_transport_faults(sim, client):
    await fault(sim, path="/signals$", kind="truncated", count=1)
    with pytest.raises(EVInvalidResponseError):
        await client.get_signals(TESLA)
    await fault(sim, path="/signals$", kind="non_json", count=1)
    with pytest.raises(EVInvalidResponseError):
        await client.get_signals(TESLA)
    await fault(sim, path="/signals$", kind="html_502", count=1)
    with pytest.raises(EVServerError) as err:
        await client.get_signals(TESLA)
    assert "502 Bad Gateway" in err.value.raw
    await fault(sim, path="/commands/", kind="non_json", status=500, count=1)
    with pytest.raises(EVServerError):
        await client.stop_charge(TESLA)
    await fault(sim, path="/connections$", kind="non_json", count=1)
    with pytest.raises(EVInvalidResponseError):
        await client.get_connections()
    await fault(sim, path=f"{MGMT}/subscriptions$", kind="html_502", count=1)
    with pytest.raises(EVServerError):
        await client.get_subscriptions()
    await fault(sim, path="/signals$", kind="disconnect", count=4)
    with pytest.raises(EVConnectionError):
        await client.get_signals(TESLA)


async def test_timeout(sim):
    await connect_v3(sim)
    client = v3_client(sim, request_timeout=0.1)
    await client.get_vehicle(TESLA)  # the token first
    await fault(sim, path="/signals$", kind="delay", seconds=0.5, count=1)
    with pytest.raises(EVTimeoutError) as err:
        await client.get_signals(TESLA)
    assert "Timed out after 0.1 s" in str(err.value)


async def test_injected_session_is_not_closed(sim):
    async with v3_client(sim) as client:
        pass
    assert client._http.session is sim.http
    assert not sim.http.closed


# ---------------------------------------------------------------- webhooks
class Hook:
    """Home Assistant's side of the webhook, built from the package alone."""

    def __init__(self):
        self.events = []
        self.rejected = 0

    async def handler(self, request):
        raw = await request.read()
        event = parse_webhook(raw)
        if isinstance(event, VerifyEvent):
            return web.json_response(challenge_response(AMT, event.challenge))
        if not verify_signature(AMT, raw, request.headers.get(SIGNATURE_HEADER)):
            self.rejected += 1
            return web.json_response({}, status=401)
        self.events.append(event)
        return web.json_response({})


@pytest.fixture
async def hook(socket_enabled):
    receiver = Hook()
    app = web.Application()
    app.router.add_post("/hook", receiver.handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    receiver.url = str(server.make_url("/hook"))
    yield receiver
    await server.close()


async def test_simulator_deliveries_parse_and_verify(sim, client, hook):
    webhook = await sim.control(
        "POST", "/smartcar/v3/webhooks", json={"id": WEBHOOK, "url": hook.url}
    )
    assert webhook["verified"] is True  # our challenge answer was right
    await client.subscribe(TESLA, WEBHOOK)
    await sim.control(
        "POST", f"/smartcar/v3/webhooks/{WEBHOOK}/events", json={"vehicle_id": TESLA}
    )
    await sim.control(
        "POST",
        f"/smartcar/v3/webhooks/{WEBHOOK}/events",
        json={"event_type": "VEHICLE_ERROR", "vehicle_id": TESLA, "mode": "TEST"},
    )
    await sim.control("GET", "/smartcar/v3/deliveries")  # waits for the sender
    assert hook.rejected == 0
    first, state, error = hook.events
    assert isinstance(first, VehicleStateEvent)
    assert first.event_type == "FIRST_DELIVERY"
    assert first.triggers == ()
    assert (first.vehicle_id, first.user_id, first.make) == (TESLA, SC_USER, "TESLA")
    assert first.webhook_id == WEBHOOK
    assert first.delivered_at is not None
    assert first.signals.state_of_charge.value == 42.0
    assert first.signals.state_of_charge.updated_at is not None  # epoch ms
    assert state.event_type == "VEHICLE_STATE"
    assert SOC in state.triggers
    # Pushed signals merge onto polled ones.
    polled = await client.get_signals(TESLA)
    assert polled.merge(state.signals).state_of_charge.value == 42.0
    assert isinstance(error, VehicleErrorEvent)
    assert error.test is True
    assert error.errors[0].type == "VEHICLE_STATE"
    assert error.errors[0].code == "UNREACHABLE"


# ------------------------------------------- what the simulator never sends
@pytest.fixture
async def odd_v3(socket_enabled):
    """A server answering each path with a set body: variants the contract
    allows but the simulator does not produce (unwrapped, epoch times...)."""
    answers = {}
    seen = []

    async def handler(request):
        seen.append(request)
        status, body, headers = answers.get(request.path, (200, {}, {}))
        if body is None:
            return web.Response(status=status, headers=headers)
        return web.Response(
            body=orjson.dumps(body),
            status=status,
            headers=headers,
            content_type="application/json",
        )

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url(""))
    async with aiohttp.ClientSession() as session:
        answers["/iam/token"] = (200, {"access_token": "t", "expires_in": 3600}, {})
        token = SmartcarM2MToken(session, "c", "s", token_url=f"{base}/iam/token")
        client = SmartcarV3Client(
            session,
            token,
            user_id="u",
            base_url=f"{base}/v3",
            management_url=f"{base}/m",
            management_token="amt",
        )
        yield client, answers, seen
    await server.close()


async def test_unwrapped_vehicle_and_epoch_times(odd_v3):
    client, answers, _ = odd_v3
    answers["/v3/vehicles/v"] = (
        200,
        {"id": "v", "type": "vehicle", "attributes": {"make": "KIA", "year": 2024}},
        {},
    )
    assert await client.get_vehicle("v") == V3Vehicle("v", "KIA", year=2024)
    answers["/v3/vehicles/v/signals/" + SOC] = (
        200,
        {
            "id": SOC,
            "attributes": {"body": {"value": 5}, "status": {"value": "SUCCESS"}},
            "meta": {"oemUpdatedAt": 1793602800000},
        },
        {},
    )
    signal = await client.get_signal("v", SOC)
    assert signal.updated_at.year == 2026


async def test_odd_documents(odd_v3):
    client, answers, seen = odd_v3
    answers["/v3/connections"] = (200, {"data": "none"}, {})
    with pytest.raises(EVInvalidResponseError):
        await client.get_connections()
    # A server that always says there is a next page stops at totalCount...
    item = {"id": "c", "relationships": {"vehicle": {"data": {"id": "v"}}}}
    answers["/v3/connections"] = (
        200,
        {"data": [item, "junk"], "meta": {"totalCount": 1}, "links": {"next": "?p"}},
        {},
    )
    await client.get_vehicle("v")  # the token first
    seen.clear()
    assert [c.vehicle_id for c in await client.get_connections()] == ["v"]
    assert len(seen) == 1
    # ...or at an empty page.
    answers["/m/subscriptions"] = (200, {"data": [], "links": {"next": "x"}}, {})
    assert await client.get_subscriptions() == []
    answers["/v3/vehicles/v/signals"] = (200, [], {})
    with pytest.raises(EVInvalidResponseError):
        await client.get_signals("v")
    # A 202 without a body is a pending execution.
    answers["/v3/vehicles/v/commands/charge/start"] = (202, None, {})
    result = await client.start_charge("v")
    assert result.pending
    assert result.id is None
    # A 200 command without a body is not understood.
    answers["/v3/vehicles/v/commands/charge/stop"] = (200, None, {})
    with pytest.raises(EVInvalidResponseError):
        await client.stop_charge("v")
    # Any 2xx deletes.
    answers["/m/subscriptions/s"] = (200, {"meta": {}}, {})
    await client.unsubscribe("s")
    # Error bodies: a v3 body without type, a bare 430.
    answers["/v3/vehicles/w"] = (404, {"message": "nope"}, {})
    with pytest.raises(EVNotFoundError):
        await client.get_vehicle("w")
    answers["/v3/vehicles/w/signals"] = (430, {}, {})
    with pytest.raises(EVQuotaExceededError):
        await client.get_signals("w")


async def test_paging_guard(odd_v3, monkeypatch):
    client, answers, seen = odd_v3
    monkeypatch.setattr(v3_module, "MAX_PAGES", 3)
    item = {"id": "c", "relationships": {"vehicle": {"data": {"id": "v"}}}}
    answers["/v3/connections"] = (200, {"data": [item], "links": {"next": "n"}}, {})
    seen.clear()
    assert len(await client.get_connections()) == 3
    pages = [r for r in seen if r.path == "/v3/connections"]
    assert [r.query.get("page[number]") for r in pages] == ["1", "2", "3"]
    assert pages[0].query["page[size]"] == "100"
