"""v3 signals: the catalogue, what a car reports, and the two wire forms.

A signal's body is computed from the battery model at an ingestion; the
Vehicle API answers with what was ingested last (ISO timestamps), webhooks
carry the same values with epoch-millisecond timestamps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.car import ChargeState, Connectivity, LocationKind
from simulator.clock import isoformat_z

if TYPE_CHECKING:
    from datetime import datetime

    from simulator.car import Car, Observation

MAINS_VOLTAGE = 230.0
LOW_VOLTAGE_SOC = 88


@dataclass(frozen=True)
class Reading:
    """What the car shows at one ingestion (observation plus extras)."""

    seen: Observation
    car: Car
    locked: bool


type Builder = Callable[[Reading], dict[str, Any]]


def _soc(r: Reading) -> dict[str, Any]:
    return {"value": round(r.seen.soc * 100, 2), "unit": "percent"}


def _range(r: Reading) -> dict[str, Any]:
    return {
        "value": round(r.seen.range_km, 1),
        "unit": "kilometers",
        "type": "ESTIMATED",
        "additionalValues": [],
    }


def _capacity(r: Reading) -> dict[str, Any]:
    return {"value": r.car.capacity_kwh, "unit": "kWh"}


def _charging(r: Reading) -> bool:
    return r.seen.state is ChargeState.CHARGING


def _is_charging(r: Reading) -> dict[str, Any]:
    return {"value": _charging(r)}


def _cable(r: Reading) -> dict[str, Any]:
    return {"value": r.seen.plugged_in}


def _status(r: Reading) -> dict[str, Any]:
    return {"value": str(r.seen.state)}


def _limits(r: Reading) -> dict[str, Any]:
    limit = round(r.seen.charge_limit * 100)
    return {
        "values": [{"type": "GLOBAL", "limit": limit}],
        "activeLimit": limit,
        "unit": "percent",
    }


def _wattage(r: Reading) -> dict[str, Any]:
    return {"value": round(r.seen.power_kw, 2), "unit": "kW"}


def _amperage(r: Reading) -> dict[str, Any]:
    return {"value": round(r.seen.power_kw * 1000 / MAINS_VOLTAGE, 1), "unit": "A"}


def _voltage(r: Reading) -> dict[str, Any]:
    return {"value": MAINS_VOLTAGE if r.seen.plugged_in else 0.0, "unit": "V"}


def _rate(r: Reading) -> dict[str, Any]:
    car = r.car
    km_per_hour = r.seen.power_kw * car.charge_efficiency * car.efficiency_km_per_kwh
    return {"value": round(km_per_hour, 1), "unit": "km/h"}


def _energy_added(r: Reading) -> dict[str, Any]:
    sessions = r.car.sessions
    added = sessions[-1].energy_added_kwh if sessions else 0.0
    return {"value": round(added, 2), "unit": "kWh"}


def _time_to_complete(r: Reading) -> dict[str, Any]:
    minutes = 0
    if _charging(r) and r.car.frozen is None:
        minutes = round(r.car.seconds_to(r.car.charge_limit) / 60)
    return {"value": minutes, "unit": "minutes"}


def _fast_charger(r: Reading) -> dict[str, Any]:
    fast = r.seen.plugged_in and r.car.location_kind is LocationKind.SUPERCHARGER
    return {"value": fast}


def _odometer(r: Reading) -> dict[str, Any]:
    return {"value": round(r.seen.odometer_km, 1), "unit": "kilometers"}


def _location(r: Reading) -> dict[str, Any]:
    return {
        "latitude": r.seen.latitude,
        "longitude": r.seen.longitude,
        "heading": 0,
        "locationType": "GPS",
    }


def _at_home(r: Reading) -> dict[str, Any]:
    return {"value": r.car.location_kind is LocationKind.HOME}


def _vin(r: Reading) -> dict[str, Any]:
    return {"value": r.car.vin}


def _online(r: Reading) -> dict[str, Any]:
    return {"value": r.car.connectivity is not Connectivity.UNREACHABLE}


def _asleep(r: Reading) -> dict[str, Any]:
    return {"value": r.car.connectivity is Connectivity.ASLEEP}


def _locked(r: Reading) -> dict[str, Any]:
    return {"value": r.locked}


def _low_voltage(_r: Reading) -> dict[str, Any]:
    return {"value": LOW_VOLTAGE_SOC, "unit": "percent"}


@dataclass(frozen=True)
class SignalKind:
    """One signal of the catalogue."""

    group: str
    name: str
    permission: str
    build: Builder
    # The v2 capability (scenario ``unsupported``) that removes it, if any.
    capability: str | None = None

    @property
    def code(self) -> str:
        """``group-name`` in lower case."""
        return f"{self.group}-{self.name}".lower()


CATALOGUE: dict[str, SignalKind] = {
    kind.code: kind
    for kind in (
        SignalKind("TractionBattery", "StateOfCharge", "read_battery", _soc, "battery"),
        SignalKind("TractionBattery", "Range", "read_battery", _range, "battery"),
        SignalKind(
            "TractionBattery",
            "NominalCapacity",
            "read_battery",
            _capacity,
            "nominal_capacity",
        ),
        SignalKind("Charge", "IsCharging", "read_charge", _is_charging, "charge"),
        SignalKind(
            "Charge", "IsChargingCableConnected", "read_charge", _cable, "charge"
        ),
        SignalKind(
            "Charge", "DetailedChargingStatus", "read_charge", _status, "charge"
        ),
        SignalKind("Charge", "ChargeLimits", "read_charge", _limits, "charge_limit"),
        SignalKind("Charge", "ChargeRate", "read_charge", _rate, "charge"),
        SignalKind("Charge", "Wattage", "read_charge", _wattage, "charge"),
        SignalKind("Charge", "Amperage", "read_charge", _amperage, "charge"),
        SignalKind("Charge", "Voltage", "read_charge", _voltage, "charge"),
        SignalKind("Charge", "EnergyAdded", "read_charge", _energy_added, "charge"),
        SignalKind(
            "Charge", "TimeToComplete", "read_charge", _time_to_complete, "charge"
        ),
        SignalKind(
            "Charge", "IsFastChargerPresent", "read_charge", _fast_charger, "charge"
        ),
        SignalKind(
            "Odometer", "TraveledDistance", "read_odometer", _odometer, "odometer"
        ),
        SignalKind(
            "Location", "PreciseLocation", "read_location", _location, "location"
        ),
        SignalKind("Location", "IsAtHome", "read_location", _at_home, "location"),
        SignalKind("VehicleIdentification", "VIN", "read_vin", _vin, "vin"),
        SignalKind("ConnectivityStatus", "IsOnline", "read_vehicle_info", _online),
        SignalKind("ConnectivityStatus", "IsAsleep", "read_vehicle_info", _asleep),
        SignalKind("Closure", "IsLocked", "read_security", _locked, "security"),
        SignalKind("LowVoltageBattery", "StateOfCharge", "read_battery", _low_voltage),
    )
}


def reported_codes(
    unsupported: frozenset[str], commands: frozenset[str], listed: list[str] | None
) -> tuple[str, ...]:
    """The signal codes a car reports.

    ``listed`` (the vehicle's scenario ``signals``) names them outright;
    otherwise every catalogue signal except those ``unsupported`` names (by
    code or by v2 capability), and the lock state only for a car with the
    security commands.
    """
    if listed is not None:
        return tuple(code for code in listed if code in CATALOGUE)
    codes = []
    for code, kind in CATALOGUE.items():
        if code in unsupported or kind.capability in unsupported:
            continue
        if kind.capability == "security" and "security" not in commands:
            continue
        codes.append(code)
    return tuple(codes)


@dataclass
class Stored:
    """A signal as last ingested."""

    code: str
    body: dict[str, Any]
    ingested_at: datetime
    retrieved_at: datetime
    oem_updated_at: datetime
    error: dict[str, Any] | None = None


@dataclass
class SignalStore:
    """What Smartcar has ingested for one vehicle."""

    signals: dict[str, Stored] = field(default_factory=dict)

    def ingest(
        self, reading: Reading, codes: tuple[str, ...], moment: datetime
    ) -> list[str]:
        """Store the current values; the codes whose body changed."""
        changed: list[str] = []
        for code in codes:
            body = CATALOGUE[code].build(reading)
            old = self.signals.get(code)
            if old is None or old.body != body or old.error is not None:
                changed.append(code)
            self.signals[code] = Stored(
                code=code,
                body=body,
                ingested_at=moment,
                retrieved_at=moment,
                oem_updated_at=reading.seen.captured_at,
            )
        return changed


def permission_error(permission: str) -> dict[str, Any]:
    """The error of a signal whose permission was not granted."""
    return {
        "type": "PERMISSION",
        "code": None,
        "title": "Permission denied",
        "detail": f"The '{permission}' permission was not granted for this vehicle.",
        "resolution": {"type": "REAUTHENTICATE"},
    }


def _head(code: str) -> dict[str, Any]:
    kind = CATALOGUE[code]
    return {"code": code, "name": kind.name, "group": kind.group}


def api_signal(stored: Stored, permissions: frozenset[str]) -> dict[str, Any]:
    """A signal as the Vehicle API shows it (JSON:API resource, ISO times)."""
    kind = CATALOGUE[stored.code]
    error = stored.error
    if kind.permission not in permissions:
        error = permission_error(kind.permission)
    attributes: dict[str, Any] = _head(stored.code)
    if error is None:
        attributes["status"] = {"value": "SUCCESS"}
        attributes["body"] = stored.body
    else:
        attributes["status"] = {"value": "ERROR", "error": error}
        if kind.permission in permissions:
            attributes["body"] = stored.body  # an ERROR may keep its last body
    return {
        "id": stored.code,
        "type": "signal",
        "attributes": attributes,
        "meta": {
            "ingestedAt": isoformat_z(stored.ingested_at),
            "retrievedAt": isoformat_z(stored.retrieved_at),
            "oemUpdatedAt": isoformat_z(stored.oem_updated_at),
        },
    }


def epoch_ms(moment: datetime) -> int:
    """Epoch milliseconds, as webhooks carry times."""
    return round(moment.timestamp() * 1000)


def webhook_signal(stored: Stored) -> dict[str, Any]:
    """A signal as a webhook carries it (epoch-millisecond times)."""
    return {
        **_head(stored.code),
        "body": stored.body,
        "meta": {
            "oemUpdatedAt": epoch_ms(stored.oem_updated_at),
            "retrievedAt": epoch_ms(stored.retrieved_at),
        },
        "status": {"value": "SUCCESS" if stored.error is None else "ERROR"},
    }
