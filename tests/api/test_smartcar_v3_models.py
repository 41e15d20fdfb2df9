"""Smartcar v3 models: tolerant parsing of every body variant (no network)."""

from datetime import UTC, datetime

import pytest

from custom_components.ev_battery.api import (
    ChargingStatus,
    CommandExecution,
    EVInvalidResponseError,
    Reading,
    SignalCode,
    SignalSet,
    SignalValue,
    V3Connection,
    V3Location,
    V3Subscription,
    V3Vehicle,
)
from custom_components.ev_battery.api.smartcar_v3_models import (
    SignalError,
    parse_time,
    signals_from_list,
)

T0 = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
T0_ISO = "2026-11-02T07:00:00Z"
T0_MS = int(T0.timestamp() * 1000)


def rest_signal(code, body, *, status="SUCCESS", error=None, meta=None):
    """A signal as GET /signals carries it."""
    status_obj = {"value": status}
    if error is not None:
        status_obj["error"] = error
    group, name = code.split("-", 1)
    return {
        "id": code,
        "type": "signal",
        "attributes": {
            "code": code,
            "name": name,
            "group": group,
            "status": status_obj,
            "body": body,
        },
        "meta": meta if meta is not None else {"retrievedAt": T0_ISO},
    }


def one(code, body, **kwargs):
    return SignalSet([SignalValue.from_json(rest_signal(code, body, **kwargs))])


# ------------------------------------------------------------------ times
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (T0_ISO, T0),
        ("2026-11-02T07:00:00+00:00", T0),
        ("2026-11-02T08:00:00+01:00", T0),
        ("2026-11-02T07:00:00", T0),  # naive: UTC
        ("2026-11-02T07:00:00.000Z", T0),
        (T0_MS, T0),
        (float(T0_MS), T0),
        (str(T0_MS), T0),
        (int(T0.timestamp()), T0),  # epoch seconds
        (None, None),
        ("", None),
        ("yesterday", None),
        (True, None),
        (float("nan"), None),
        (1e300, None),
        ({"at": T0_ISO}, None),
    ],
)
def test_parse_time(value, expected):
    assert parse_time(value) == expected


# ---------------------------------------------------------------- signals
def test_signal_rest_shape():
    signal = SignalValue.from_json(
        rest_signal(
            SignalCode.STATE_OF_CHARGE,
            {"value": 63.0, "unit": "percent"},
            meta={"ingestedAt": T0_ISO, "retrievedAt": T0_ISO, "oemUpdatedAt": T0_MS},
        )
    )
    assert signal.code == "tractionbattery-stateofcharge"
    assert (signal.name, signal.group) == ("stateofcharge", "tractionbattery")
    assert signal.ok
    assert signal.error is None
    assert signal.body == {"value": 63.0, "unit": "percent"}
    assert signal.ingested_at == signal.retrieved_at == signal.oem_updated_at == T0
    with pytest.raises(TypeError):
        signal.body["value"] = 1  # immutable


def test_signal_wrapped_flat_and_bare_status():
    wrapped = SignalValue.from_json(
        {"data": rest_signal("charge-ischarging", {"value": True})}
    )
    assert wrapped.code == "charge-ischarging"
    flat = SignalValue.from_json(
        {
            "code": "charge-ischarging",
            "body": {"value": False},
            "status": "SUCCESS",
            "meta": {"oemUpdatedAt": T0_MS},
        }
    )
    assert flat.ok
    assert flat.updated_at == T0
    # The code may come only from the resource id.
    assert SignalValue.from_json({"id": "closure-islocked"}).code == "closure-islocked"
    # No status at all: taken as a value.
    assert SignalValue.from_json({"code": "x", "body": {}}).ok


def test_signal_without_a_code_is_invalid_and_skipped_in_lists():
    with pytest.raises(EVInvalidResponseError):
        SignalValue.from_json({"attributes": {"body": {}}})
    signals = signals_from_list(
        [{"attributes": {}}, rest_signal("charge-ischarging", {"value": True}), 5]
    )
    assert [signal.code for signal in signals] == ["charge-ischarging"]


def test_error_signal_keeps_its_last_body():
    error = {
        "type": "COMPATIBILITY",
        "code": "VEHICLE_NOT_CAPABLE",
        "title": "Not capable",
        "detail": "The vehicle cannot",
        "resolution": {"type": "CONTACT_SUPPORT"},
    }
    signals = one(
        SignalCode.STATE_OF_CHARGE,
        {"value": 41, "unit": "percent"},
        status="ERROR",
        error=error,
    )
    signal = signals[SignalCode.STATE_OF_CHARGE]
    assert not signal.ok
    assert signal.error == SignalError(
        type="COMPATIBILITY",
        code="VEHICLE_NOT_CAPABLE",
        title="Not capable",
        detail="The vehicle cannot",
        resolution="CONTACT_SUPPORT",
    )
    assert signals.state_of_charge == Reading(41.0, T0, ok=False)
    # An error without a body gives no reading.
    empty = one(SignalCode.STATE_OF_CHARGE, None, status="ERROR", error=error)
    assert SignalCode.STATE_OF_CHARGE in empty
    assert empty.state_of_charge is None
    # An error object without a status value, a bare resolution string.
    other = SignalValue.from_json(
        {"code": "x", "error": {"type": "T", "resolution": "RETRY_LATER"}}
    )
    assert not other.ok
    assert other.error.resolution == "RETRY_LATER"
    assert not SignalValue.from_json({"code": "x", "status": {"value": "???"}}).ok


def test_updated_at_prefers_the_oem_time():
    later = datetime(2026, 11, 2, 8, tzinfo=UTC)
    signal = SignalValue.from_json(
        {"code": "x", "meta": {"ingestedAt": later.isoformat(), "oemUpdatedAt": T0_ISO}}
    )
    assert signal.updated_at == T0
    signal = SignalValue.from_json(
        {"code": "x", "meta": {"ingestedAt": T0_ISO, "retrievedAt": later.isoformat()}}
    )
    assert signal.updated_at == later
    assert (
        SignalValue.from_json({"code": "x", "meta": {"ingestedAt": T0_ISO}}).updated_at
        == T0
    )
    assert SignalValue.from_json({"code": "x"}).updated_at is None


# -------------------------------------------------------------- accessors
@pytest.mark.parametrize(
    ("accessor", "code", "body", "expected"),
    [
        (
            "state_of_charge",
            "tractionbattery-stateofcharge",
            {"value": 63, "unit": "percent"},
            63.0,
        ),
        ("state_of_charge", "tractionbattery-stateofcharge", {"value": 63.5}, 63.5),
        (
            "state_of_charge",
            "tractionbattery-stateofcharge",
            {"value": 63, "unit": "%"},
            63.0,
        ),
        ("state_of_charge", "tractionbattery-stateofcharge", {"value": "63"}, None),
        (
            "state_of_charge",
            "tractionbattery-stateofcharge",
            {"value": 63, "unit": "fraction"},
            None,
        ),
        (
            "state_of_charge",
            "tractionbattery-stateofcharge",
            {"value": 63, "unit": 5},
            None,
        ),
        (
            "range_km",
            "tractionbattery-range",
            {
                "value": 312.5,
                "unit": "kilometers",
                "type": "ESTIMATED",
                "additionalValues": [],
            },
            312.5,
        ),
        ("range_km", "tractionbattery-range", {"value": 312.5, "unit": "km"}, 312.5),
        (
            "range_km",
            "tractionbattery-range",
            {"value": 312.5, "unit": "Kilometres"},
            312.5,
        ),
        (
            "range_km",
            "tractionbattery-range",
            {"value": 100, "unit": "miles"},
            160.9344,
        ),
        ("range_km", "tractionbattery-range", {"value": 100, "unit": "mi"}, 160.9344),
        ("range_km", "tractionbattery-range", {"value": 100, "unit": "leagues"}, None),
        (
            "nominal_capacity_kwh",
            "tractionbattery-nominalcapacity",
            {"value": 75.0, "unit": "kWh"},
            75.0,
        ),
        (
            "nominal_capacity_kwh",
            "tractionbattery-nominalcapacity",
            {"value": 75.0, "unit": "kilowatt_hours"},
            75.0,
        ),
        (
            "nominal_capacity_kwh",
            "tractionbattery-nominalcapacity",
            {"value": 75000, "unit": "Wh"},
            75.0,
        ),
        (
            "nominal_capacity_kwh",
            "tractionbattery-nominalcapacity",
            {"capacity": 77.0, "unit": "kWh"},
            77.0,
        ),
        (
            "nominal_capacity_kwh",
            "tractionbattery-nominalcapacity",
            {"capacity": {"nominal": 64.0}},
            64.0,
        ),
        (
            "nominal_capacity_kwh",
            "tractionbattery-nominalcapacity",
            {"unit": "kWh"},
            None,
        ),
        ("is_charging", "charge-ischarging", {"value": True}, True),
        ("is_charging", "charge-ischarging", {"value": "yes"}, None),
        ("is_plugged_in", "charge-ischargingcableconnected", {"value": False}, False),
        (
            "charging_status",
            "charge-detailedchargingstatus",
            {"value": "CHARGING"},
            ChargingStatus.CHARGING,
        ),
        (
            "charging_status",
            "charge-detailedchargingstatus",
            {"value": "FULLY_CHARGED"},
            ChargingStatus.FULLY_CHARGED,
        ),
        (
            "charging_status",
            "charge-detailedchargingstatus",
            {"value": "NOT_CHARGING"},
            ChargingStatus.NOT_CHARGING,
        ),
        (
            "charging_status",
            "charge-detailedchargingstatus",
            {"value": "PRECONDITIONING"},
            ChargingStatus.UNKNOWN,
        ),
        ("charging_status", "charge-detailedchargingstatus", {"value": 3}, None),
        (
            "charge_limit",
            "charge-chargelimits",
            {
                "values": [{"type": "GLOBAL", "limit": 80}],
                "activeLimit": 90,
                "unit": "percent",
            },
            90.0,
        ),
        (
            "charge_limit",
            "charge-chargelimits",
            {
                "values": [
                    {"type": "LOCATION", "limit": 70},
                    "x",
                    {"type": "GLOBAL", "limit": 80},
                ],
                "unit": "percent",
            },
            80.0,
        ),
        (
            "charge_limit",
            "charge-chargelimits",
            {"values": [{"type": "LOCATION", "limit": 70}]},
            None,
        ),
        (
            "charge_limit",
            "charge-chargelimits",
            {"values": None, "activeLimit": None},
            None,
        ),
        ("charging_power_kw", "charge-wattage", {"value": 11.0, "unit": "kW"}, 11.0),
        ("charging_power_kw", "charge-wattage", {"value": 7400, "unit": "W"}, 7.4),
        ("charging_power_kw", "charge-wattage", {"value": 7400, "unit": "watts"}, 7.4),
        (
            "charging_power_kw",
            "charge-wattage",
            {"value": 7.4, "unit": "kilowatts"},
            7.4,
        ),
        (
            "energy_added_kwh",
            "charge-energyadded",
            {"value": 12.3, "unit": "kWh"},
            12.3,
        ),
        (
            "energy_added_kwh",
            "charge-energyadded",
            {"value": 12300, "unit": "Wh"},
            12.3,
        ),
        (
            "time_to_complete_min",
            "charge-timetocomplete",
            {"value": 95, "unit": "minutes"},
            95.0,
        ),
        (
            "time_to_complete_min",
            "charge-timetocomplete",
            {"value": 2, "unit": "hours"},
            120.0,
        ),
        (
            "time_to_complete_min",
            "charge-timetocomplete",
            {"value": 90, "unit": "seconds"},
            1.5,
        ),
        (
            "odometer_km",
            "odometer-traveleddistance",
            {"value": 18234.5, "unit": "kilometers"},
            18234.5,
        ),
        (
            "odometer_km",
            "odometer-traveleddistance",
            {"value": 1000, "unit": "miles"},
            1609.344,
        ),
        (
            "odometer_km",
            "odometer-traveleddistance",
            {"value": 1500, "unit": "meters"},
            1.5,
        ),
        (
            "location",
            "location-preciselocation",
            {
                "latitude": 52.37,
                "longitude": 4.89,
                "heading": 90,
                "locationType": "GPS",
            },
            V3Location(52.37, 4.89, 90.0, "GPS"),
        ),
        (
            "location",
            "location-preciselocation",
            {"latitude": 52.37, "longitude": 4.89},
            V3Location(52.37, 4.89),
        ),
        ("location", "location-preciselocation", {"latitude": 52.37}, None),
        ("is_at_home", "location-isathome", {"value": True}, True),
        (
            "vin",
            "vehicleidentification-vin",
            {"value": "5YJ3E7EB7PF000001"},
            "5YJ3E7EB7PF000001",
        ),
        ("vin", "vehicleidentification-vin", {"value": ""}, None),
        ("is_online", "connectivitystatus-isonline", {"value": True}, True),
        ("is_asleep", "connectivitystatus-isasleep", {"value": False}, False),
        ("is_locked", "closure-islocked", {"value": True}, True),
        (
            "low_voltage_soc",
            "lowvoltagebattery-stateofcharge",
            {"value": 88, "unit": "percent"},
            88.0,
        ),
        (
            "fast_charger_present",
            "charge-isfastchargerpresent",
            {"value": False},
            False,
        ),
        ("charging_current_a", "charge-amperage", {"value": 16, "unit": "A"}, 16.0),
        ("charging_current_a", "charge-amperage", {"value": 16000, "unit": "mA"}, 16.0),
        ("charging_voltage_v", "charge-voltage", {"value": 230, "unit": "V"}, 230.0),
        (
            "charging_voltage_v",
            "charge-voltage",
            {"value": 230, "unit": "volts"},
            230.0,
        ),
    ],
)
def test_accessors_normalise_units(accessor, code, body, expected):
    reading = getattr(one(code, body), accessor)
    if expected is None:
        assert reading is None
    else:
        assert reading == Reading(expected, T0, ok=True)
        assert type(reading.value) is type(expected)
    # A car that does not report the signal: None.
    assert getattr(SignalSet(), accessor) is None


def test_every_accessor_has_a_signal_code():
    accessors = [
        name
        for name, value in vars(SignalSet).items()
        if isinstance(value, property) and name not in {"codes", "vehicle"}
    ]
    assert len(accessors) == 21
    assert len(SignalCode) == 22  # charge-chargerate has no accessor


# ------------------------------------------------------------- signal set
def signals_document(*signals, included=None):
    document = {
        "data": list(signals),
        "meta": {"totalCount": len(signals)},
        "links": {"self": "/v3/vehicles/v/signals"},
    }
    if included is not None:
        document["included"] = included
    return document


def test_signal_set_from_document():
    document = signals_document(
        rest_signal(SignalCode.STATE_OF_CHARGE, {"value": 63, "unit": "percent"}),
        rest_signal(SignalCode.IS_CHARGING, {"value": True}),
        included={
            "vehicle": {
                "id": "v",
                "type": "vehicle",
                "attributes": {
                    "make": "TESLA",
                    "model": "Model 3",
                    "year": 2023,
                    "mode": "LIVE",
                    "powertrainType": "BEV",
                },
            }
        },
    )
    signals = SignalSet.from_json(document, "v")
    assert signals.codes == {SignalCode.STATE_OF_CHARGE, SignalCode.IS_CHARGING}
    assert SignalCode.IS_CHARGING in signals
    assert "charge-ischarging" in signals
    assert SignalCode.RANGE not in signals
    assert len(signals) == 2
    assert sorted(signals) == sorted(signals.codes)
    assert signals.vehicle == V3Vehicle("v", "TESLA", "Model 3", 2023, "LIVE", "BEV")
    assert "tractionbattery-stateofcharge" in repr(signals)
    with pytest.raises(TypeError):
        signals["x"] = signals[SignalCode.IS_CHARGING]
    with pytest.raises(AttributeError):
        signals.vehicle = None


def test_signal_set_included_variants():
    soc = rest_signal(SignalCode.STATE_OF_CHARGE, {"value": 63})
    # A JSON:API list of included resources, flat vehicle attributes.
    listed = SignalSet.from_json(
        signals_document(
            soc, included=[{"type": "user"}, {"type": "vehicle", "make": "KIA"}]
        ),
        "v",
    )
    assert listed.vehicle == V3Vehicle("v", "KIA")
    assert SignalSet.from_json(signals_document(soc, included=[]), "v").vehicle is None
    assert SignalSet.from_json(signals_document(soc, included="x"), "v").vehicle is None
    # Without an id anywhere there is no vehicle.
    no_id = SignalSet.from_json(signals_document(soc, included={"vehicle": {}}))
    assert no_id.vehicle is None
    # A bare list of signals.
    assert SignalSet.from_json([soc]).state_of_charge.value == 63.0
    for bad in ({"data": {"x": 1}}, {}, None, "signals"):
        with pytest.raises(EVInvalidResponseError):
            SignalSet.from_json(bad)


def test_merge_newer_value_wins():
    old_time = {"oemUpdatedAt": "2026-11-02T06:00:00Z"}
    new_time = {"oemUpdatedAt": T0_MS}
    polled = SignalSet(
        [
            SignalValue.from_json(
                rest_signal(SignalCode.STATE_OF_CHARGE, {"value": 50}, meta=old_time)
            ),
            SignalValue.from_json(
                rest_signal(SignalCode.RANGE, {"value": 300}, meta=new_time)
            ),
            SignalValue.from_json(
                rest_signal(SignalCode.IS_CHARGING, {"value": False}, meta={})
            ),
        ],
        vehicle=V3Vehicle("v", "TESLA"),
    )
    pushed = SignalSet(
        [
            SignalValue.from_json(
                rest_signal(SignalCode.STATE_OF_CHARGE, {"value": 55}, meta=new_time)
            ),
            SignalValue.from_json(
                rest_signal(SignalCode.RANGE, {"value": 250}, meta=old_time)
            ),
            SignalValue.from_json(
                rest_signal(SignalCode.IS_CHARGING, {"value": True}, meta=new_time)
            ),
            SignalValue.from_json(
                rest_signal(SignalCode.IS_LOCKED, {"value": True}, meta={})
            ),
        ]
    )
    merged = polled.merge(pushed)
    assert merged.state_of_charge.value == 55.0  # newer push
    assert merged.range_km.value == 300.0  # the push was older
    assert merged.is_charging.value is True  # unknown time: the incoming wins
    assert merged.is_locked.value is True  # new code
    assert merged.vehicle == V3Vehicle("v", "TESLA")  # kept when other has none
    assert polled.state_of_charge.value == 50.0  # immutable: a new set
    other_vehicle = SignalSet(vehicle=V3Vehicle("w"))
    assert polled.merge(other_vehicle).vehicle == V3Vehicle("w")
    assert SignalSet().merge(polled).codes == polled.codes


def test_merge_keeps_the_last_value_of_a_newer_error_without_body():
    good = SignalSet(
        [
            SignalValue.from_json(
                rest_signal(
                    SignalCode.STATE_OF_CHARGE,
                    {"value": 50},
                    meta={"oemUpdatedAt": "2026-11-02T06:00:00Z"},
                )
            )
        ]
    )
    error = {"type": "UPSTREAM", "code": "NO_RESPONSE"}
    failed = one(SignalCode.STATE_OF_CHARGE, None, status="ERROR", error=error)
    merged = good.merge(failed)
    reading = merged.state_of_charge
    assert reading.value == 50.0
    assert not reading.ok
    assert reading.updated_at == datetime(2026, 11, 2, 6, tzinfo=UTC)
    assert merged[SignalCode.STATE_OF_CHARGE].error.code == "NO_RESPONSE"
    # A newer error with its own last body keeps that body.
    failed_body = one(
        SignalCode.STATE_OF_CHARGE, {"value": 48}, status="ERROR", error=error
    )
    assert good.merge(failed_body).state_of_charge == Reading(48.0, T0, ok=False)
    # And a later success replaces the error.
    assert merged.merge(
        one(SignalCode.STATE_OF_CHARGE, {"value": 47})
    ).state_of_charge == Reading(47.0, T0)


def test_signal_set_from_a_mapping():
    signal = SignalValue.from_json(rest_signal(SignalCode.IS_ONLINE, {"value": True}))
    assert SignalSet({"whatever": signal}).codes == {SignalCode.IS_ONLINE}
    assert SignalSet({}).codes == frozenset()


# ------------------------------------------------------------ resources
def test_vehicle_wrapped_or_not():
    attributes = {
        "make": "VOLKSWAGEN",
        "model": "ID.4",
        "year": 2022,
        "powertrainType": "BEV",
        "mode": "LIVE",
    }
    expected = V3Vehicle("v", "VOLKSWAGEN", "ID.4", 2022, "LIVE", "BEV")
    resource = {"id": "v", "type": "vehicle", "attributes": attributes}
    assert V3Vehicle.from_json({"data": resource}) == expected
    assert V3Vehicle.from_json(resource) == expected
    assert V3Vehicle.from_json({"id": "v", **attributes}) == expected
    assert V3Vehicle.from_json({"attributes": attributes}, "v") == expected
    assert V3Vehicle.from_json({"id": "v", "year": "2022"}).year == 2022
    assert V3Vehicle.from_json({"id": "v", "year": "soon"}).year is None
    assert V3Vehicle.from_json({"id": "v", "year": True}).year is None
    assert V3Vehicle.from_json({"id": 7}).id == "7"
    with pytest.raises(EVInvalidResponseError):
        V3Vehicle.from_json({"attributes": attributes})
    with pytest.raises(EVInvalidResponseError):
        V3Vehicle.from_json([])


CONNECTION = {
    "id": "conn_1",
    "type": "connection",
    "attributes": {
        "permissions": ["read_battery", "control_charge", 5],
        "vehicle": {
            "make": "TESLA",
            "model": "Model 3",
            "year": 2023,
            "mode": "LIVE",
            "powertrainType": "BEV",
        },
        "user": {"id": "user-1"},
    },
    "relationships": {
        "vehicle": {"data": {"id": "veh-1", "type": "vehicle"}},
        "user": {"data": {"id": "user-1", "type": "user"}},
    },
    "meta": {"createdAt": T0_ISO, "updatedAt": T0_ISO},
}


def test_connection():
    connection = V3Connection.from_json(CONNECTION)
    assert connection == V3Connection(
        id="conn_1",
        user_id="user-1",
        vehicle_id="veh-1",
        make="TESLA",
        model="Model 3",
        year=2023,
        mode="LIVE",
        powertrain_type="BEV",
        permissions=("read_battery", "control_charge"),
        created_at=T0,
    )
    assert connection.vehicle == V3Vehicle(
        "veh-1", "TESLA", "Model 3", 2023, "LIVE", "BEV"
    )


def test_connection_variants():
    # The ids only in the attributes, no permissions list, no meta.
    sparse = V3Connection.from_json(
        {
            "id": "c",
            "attributes": {
                "vehicle": {"id": "veh-2"},
                "permissions": "all",
                "createdAt": T0_MS,
            },
            "relationships": {"user": {"data": {"id": "u"}}},
        }
    )
    assert (sparse.vehicle_id, sparse.user_id) == ("veh-2", "u")
    assert sparse.permissions == ()
    assert sparse.created_at == T0
    assert sparse.make is None
    with pytest.raises(EVInvalidResponseError):
        V3Connection.from_json({"id": "c", "attributes": {}})
    with pytest.raises(EVInvalidResponseError):
        V3Connection.from_json({"attributes": CONNECTION["attributes"]})


def test_subscription():
    subscription = V3Subscription.from_json(
        {
            "id": "sub_1",
            "type": "subscription",
            "attributes": {
                "webhookId": "wh",
                "vehicleId": "veh",
                "userId": "u",
                "createdAt": T0_ISO,
            },
        }
    )
    assert subscription == V3Subscription("sub_1", "wh", "veh", "u", T0)
    related = V3Subscription.from_json(
        {
            "id": "sub_2",
            "relationships": {
                "webhook": {"data": {"id": "wh"}},
                "vehicle": {"data": {"id": "veh"}},
                "user": {"data": {"id": "u"}},
            },
        }
    )
    assert related == V3Subscription("sub_2", "wh", "veh", "u")
    with pytest.raises(EVInvalidResponseError):
        V3Subscription.from_json({"attributes": {}})


# ------------------------------------------------------------- commands
def execution(status, mode="sync", completed=T0_ISO):
    return {
        "data": {
            "id": "exec_1",
            "type": "command-execution",
            "attributes": {
                "commandType": "charge-start",
                "status": {"value": status},
                "executionMode": mode,
                "parameters": {},
            },
            "meta": {
                "executedAt": T0_ISO,
                "completedAt": completed,
                "durationInSeconds": 3,
            },
        }
    }


def test_command_execution_sync():
    result = CommandExecution.from_json(execution("SUCCESS"))
    assert result == CommandExecution(
        id="exec_1",
        command_type="charge-start",
        status="SUCCESS",
        execution_mode="sync",
        pending=False,
        executed_at=T0,
        completed_at=T0,
    )
    assert result.succeeded


def test_command_execution_pending_and_unknown_status():
    running = CommandExecution.from_json(
        execution("IN_PROGRESS", "async", None), http_status=202
    )
    assert running.pending
    assert not running.succeeded
    assert running.completed_at is None
    # 202 alone makes it pending, whatever the status says.
    assert CommandExecution.from_json(execution("SUCCESS"), http_status=202).pending
    # A running status on a 200 too.
    assert CommandExecution.from_json(execution("QUEUED")).pending
    # An unknown status is kept as text and taken as final.
    odd = CommandExecution.from_json(execution("PARTIALLY_APPLIED"))
    assert (odd.status, odd.pending, odd.succeeded) == (
        "PARTIALLY_APPLIED",
        False,
        False,
    )
    # Unwrapped, a bare status string.
    bare = CommandExecution.from_json(
        {"id": "e", "attributes": {"status": "SUCCESS", "commandType": "charge-stop"}}
    )
    assert (bare.id, bare.status, bare.command_type) == ("e", "SUCCESS", "charge-stop")
    # An empty 202.
    empty = CommandExecution.from_json({}, http_status=202)
    assert empty.pending
    assert empty.id is None
