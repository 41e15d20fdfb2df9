"""JSON shapes of the resources, with absolute URLs and ``expand``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.car import LocationKind
from simulator.clock import isoformat_z

from .choices import (
    AWAY_PENCE_PER_KWH,
    CO2_BANDS,
    CO2_GRAMS_PER_KWH,
    CO2_HIGHEST,
    COST_DECIMALS,
    CURRENCY,
    DATA_SOURCE,
    DEFAULT_MODEL_BATTERY_WH,
    DEFAULT_TIMEZONE,
    DEGRADATION_PER_100000_KM,
    EXPAND_SEPARATOR,
    HOME_PENCE_PER_KWH,
    URL_TRAILING_SLASH,
)
from .problems import bad_expand

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from .model import Catalogue, Make, Model, StatusLog, Trim, User, Vehicle
    from .sessions import ChargingSession, SubSession

type Tree = dict[str, Tree]

VEHICLE_EXPANDS = frozenset(
    {"user", "trim", "trim.model", "trim.model.make", "latest_status_log"}
)
STATUS_LOG_EXPANDS = frozenset(
    {
        "vehicle",
        "vehicle.trim",
        "vehicle.trim.model",
        "vehicle.trim.model.make",
        "vehicle.user",
    }
)
TRIM_EXPANDS = frozenset({"model", "model.make"})
MODEL_EXPANDS = frozenset({"make"})
MAKE_EXPANDS: frozenset[str] = frozenset()
# SIM CHOICE: accepted, but tariffs and EVSE sites are not simulated (null).
USER_EXPANDS = frozenset(
    {
        "default_location.tariff",
        "default_location.tariff.supplier",
        "default_location.evse_site",
    }
)
# SIM CHOICE: of the documented sub-session expansions only the vehicle ones
# are simulated; the others (tariff, carbon feed, ...) are a 400.
SUB_SESSION_EXPANDS = frozenset(
    {
        "vehicle",
        "vehicle.latest_status_log",
        "vehicle.trim",
        "vehicle.trim.model",
        "vehicle.trim.model.make",
        "vehicle.user",
    }
)
# SIM CHOICE: "evse" is accepted and stays null (no chargers are simulated).
CHARGING_SESSION_EXPANDS = frozenset({"vehicle", "evse", "sub_sessions"})
SUB_SESSION_MODES = frozenset(
    {"SMART", "BOOST", "UNMANAGED_HOME", "UNMANAGED_OTG", "MANAGED_OTG"}
)


def parse_expand(values: Iterable[str], allowed: frozenset[str]) -> Tree:
    """The nested expansion tree of repeated ``expand`` values."""
    tree: Tree = {}
    for value in values:
        if value not in allowed:
            raise bad_expand(value)
        node = tree
        for part in value.split(EXPAND_SEPARATOR):
            node = node.setdefault(part, {})
    return tree


def stamp(moment: datetime) -> str:
    """An ev.energy timestamp: ISO-8601 with microseconds and Z."""
    return isoformat_z(moment, timespec="microseconds")


def co2_class(intensity: float) -> str:
    """The carbon-intensity band of ``intensity`` g/kWh."""
    for bound, name in CO2_BANDS:
        if intensity < bound:
            return name
    return CO2_HIGHEST


@dataclass
class Urls:
    """Absolute URLs of resources, from the request's origin."""

    base: str  # e.g. http://127.0.0.1:8080/evenergy/v2

    def collection(self, name: str) -> str:
        """A collection URL."""
        return f"{self.base}/{name}{URL_TRAILING_SLASH}"

    def item(self, collection: str, item_id: str) -> str:
        """A resource URL."""
        return f"{self.base}/{collection}/{item_id}{URL_TRAILING_SLASH}"

    def status_log(self, vehicle_id: str, sampled_at: datetime) -> str:
        """A status log's URL, keyed by its ``sampled_at``."""
        return (
            f"{self.base}/vehicles/{vehicle_id}/status_logs/{stamp(sampled_at)}"
            f"{URL_TRAILING_SLASH}"
        )

    def filtered(self, collection: str, name: str, value: str) -> str:
        """A collection URL with one filter."""
        return f"{self.collection(collection)}?{name}={value}"


@dataclass
class View:
    """Renders resources for one request."""

    urls: Urls
    era: str
    catalogue: Catalogue
    users: dict[str, User]
    vehicles: dict[str, Vehicle]
    now: datetime

    @property
    def modern(self) -> bool:
        """Whether the 2026 fields are included."""
        return self.era != "seed"

    # -------------------------------------------------------------- catalogue
    def make(self, make: Make, _tree: Tree | None = None) -> dict[str, Any]:
        """A vehicle make."""
        body: dict[str, Any] = {
            "id": make.id,
            "url": self.urls.item("vehicle_makes", make.id),
            "name": make.name,
            "icon": None,
            "onboarding_url": self._onboarding("make_id", make.id, make.integrable),
            "models": self.urls.filtered("vehicle_models", "make_id", make.id),
        }
        if self.modern:
            body["subscription_name"] = None
            body["subscription_package"] = None
        return body

    def model(self, model: Model, tree: Tree | None = None) -> dict[str, Any]:
        """A vehicle model."""
        tree = tree or {}
        make = self.catalogue.model_make(model)
        trims_url = self.urls.filtered("vehicle_trims", "model_id", model.id)
        body: dict[str, Any] = {
            "id": model.id,
            "url": self.urls.item("vehicle_models", model.id),
            "name": model.name,
            "make": (
                self.make(make)
                if "make" in tree
                else self.urls.item("vehicle_makes", make.id)
            ),
            "onboarding_url": self._onboarding("model_id", model.id, model.integrable),
        }
        if self.modern:
            body["vehicle_trims"] = trims_url
            body["default_battery_size_watt_hours"] = self._model_battery(model)
            body["default_connector_type"] = model.connector
        else:
            body["trims"] = trims_url
        return body

    def _model_battery(self, model: Model) -> int:
        sizes = [
            trim.battery_wh
            for trim in self.catalogue.trims.values()
            if trim.model_id == model.id and trim.battery_wh and not trim.hidden
        ]
        return sizes[0] if sizes else DEFAULT_MODEL_BATTERY_WH

    def trim(self, trim: Trim, tree: Tree | None = None) -> dict[str, Any]:
        """A vehicle trim."""
        tree = tree or {}
        model = self.catalogue.trim_model(trim)
        return {
            "id": trim.id,
            "url": self.urls.item("vehicle_trims", trim.id),
            "name": trim.name,
            "model": (
                self.model(model, tree["model"])
                if "model" in tree
                else self.urls.item("vehicle_models", model.id)
            ),
            "battery_size_watt_hours": trim.battery_wh,
            "onboarding_url": self._onboarding("trim_id", trim.id, trim.integrable),
        }

    def _onboarding(self, name: str, value: str, integrable: bool) -> str | None:  # noqa: FBT001
        # SIM CHOICE: onboarding itself is not simulated; the link has the
        # documented shape and is null for cars ev.energy cannot integrate.
        if not integrable:
            return None
        return f"{self.urls.base}/vehicle_onboarding?{name}={value}"

    # ------------------------------------------------------------------ users
    def user(self, user: User, *, single: bool = False) -> dict[str, Any]:
        """A user (``single`` adds the live carbon intensity)."""
        vehicles = [v for v in self.vehicles.values() if v.user_id == user.id]
        location = {
            "address_1": user.location.get("address_1"),
            "address_2": user.location.get("address_2"),
            "city": user.location.get("city"),
            "state": user.location.get("state"),
            "postal_code": user.location.get("postal_code"),
            "country_code": user.location.get("country_code"),
            "coordinates": user.location.get("coordinates"),
            "tariff": None,
            "evse_site": None,
        }
        body: dict[str, Any] = {
            "id": user.id,
            "url": self.urls.item("users", user.id),
            "email": user.email,
            "full_name": user.full_name,
            "joined_at": stamp(user.joined_at),
            "terms_consent_datetime": stamp(user.joined_at),
            "default_location": location,
            "vehicles": [self.urls.item("vehicles", v.id) for v in vehicles],
            "evses": [],
        }
        if single:
            body["current_carbon_intensity_grams_per_kilowatt_hour"] = CO2_GRAMS_PER_KWH
        return body

    # --------------------------------------------------------------- vehicles
    def vehicle(self, vehicle: Vehicle, tree: Tree | None = None) -> dict[str, Any]:
        """A vehicle."""
        tree = tree or {}
        trim = self.catalogue.trims[vehicle.trim_id]
        user = self.users[vehicle.user_id]
        latest = vehicle.latest_log()
        log_field: Any = None
        if latest is not None:
            log_field = (
                self.status_log(vehicle, latest)
                if "latest_status_log" in tree
                else self.urls.status_log(vehicle.id, latest.sampled_at)
            )
        body: dict[str, Any] = {
            "id": vehicle.id,
            "url": self.urls.item("vehicles", vehicle.id),
            "trim": (
                self.trim(trim, tree["trim"])
                if "trim" in tree
                else self.urls.item("vehicle_trims", trim.id)
            ),
            "user": (
                self.user(user) if "user" in tree else self.urls.item("users", user.id)
            ),
            "latest_status_log": log_field,
            "charging_sub_sessions": self.urls.filtered(
                "charging_sub_sessions", "vehicle_id", vehicle.id
            ),
            "integrated": str(vehicle.integrated),
            "maximum_charge_limit_percentage": vehicle.charge_limit_percent,
        }
        if self.modern:
            body.update(self._vehicle_2026(vehicle, trim))
        return body

    def _vehicle_2026(self, vehicle: Vehicle, trim: Trim) -> dict[str, Any]:
        battery = vehicle.battery_wh or trim.battery_wh
        effective = battery
        car = vehicle.car
        if car is not None:
            battery = round(car.capacity_kwh * 1000)
            wear = DEGRADATION_PER_100000_KM * car.odometer_km / 100000
            effective = round(battery * max(0.0, 1 - wear))
        return {
            "battery_size_watt_hours": battery,
            "effective_battery_size_watt_hours": effective,
            "description": vehicle.description,
            "disabled": False,
            "smart_charging_enabled": vehicle.smart_charging_enabled,
            "vehicle_class": vehicle.vehicle_class,
        }

    def status_log(
        self, vehicle: Vehicle, log: StatusLog, tree: Tree | None = None
    ) -> dict[str, Any]:
        """A vehicle status log."""
        tree = tree or {}
        body: dict[str, Any] = {
            "url": self.urls.status_log(vehicle.id, log.sampled_at),
            "logged_at": stamp(log.logged_at),
            "sampled_at": stamp(log.sampled_at),
            "vehicle": (
                self.vehicle(vehicle, tree["vehicle"])
                if "vehicle" in tree
                else self.urls.item("vehicles", vehicle.id)
            ),
            "state_of_charge_percentage": log.soc_percent,
            "is_charging": log.is_charging,
            "is_plugged_in": log.is_plugged_in,
            "charge_rate_watts": log.charge_rate_watts,
        }
        if self.modern:
            body.update(
                {
                    "estimated_charge_rate_watts": log.charge_rate_watts,
                    "charge_level_watt_hours": log.charge_level_wh,
                    "target_charge_level_percentage": log.target_percent,
                    "target_charge_level_watt_hours": log.target_wh,
                    "charge_energy_added_watt_hours": log.energy_added_wh,
                    "minutes_to_full_charge": log.minutes_to_full,
                    "current_type": (
                        "AC - Typically home chargers"
                        if log.ac
                        else "DC - Typically OTG chargers"
                    ),
                    "is_complete": log.is_complete,
                    "odometer_meters": log.odometer_m,
                    "data_source": DATA_SOURCE,
                    "state": log.state,
                }
            )
        return body

    # ----------------------------------------------------------- sub-sessions
    def sub_session(
        self, vehicle: Vehicle, sub: SubSession, tree: Tree | None = None
    ) -> dict[str, Any]:
        """A charging sub-session: one mode of one plug-in."""
        tree = tree or {}
        car = vehicle.car
        home = sub.location_kind is LocationKind.HOME
        kwh = sub.energy_kwh(car) if car is not None else 0.0
        seconds = sub.charging_seconds(car, self.now) if car is not None else 0.0
        end_soc = sub.end_soc
        if end_soc is None:
            end_soc = car.soc if car is not None else sub.start_soc
        pence = HOME_PENCE_PER_KWH if home else AWAY_PENCE_PER_KWH
        energy_wh = round(kwh * 1000)
        return {
            "id": sub.id,
            "url": self.urls.item("charging_sub_sessions", sub.id),
            "start": stamp(sub.started_at),
            "end": stamp(sub.ended_at) if sub.ended_at is not None else None,
            "mode": sub.mode,
            "energy_delivered_watt_hours": energy_wh,
            "location": self._session_location(vehicle, home=home),
            "cost": round(kwh * pence),
            "currency": CURRENCY,
            "total_co2_grams": round(kwh * CO2_GRAMS_PER_KWH),
            "co2_intensity_grams_per_kilowatt_hour": CO2_GRAMS_PER_KWH,
            "co2_intensity_classification": co2_class(CO2_GRAMS_PER_KWH),
            "duration_minutes": round(seconds / 60),
            "grid_energy_delivered_watt_hours": energy_wh,
            "solar_energy_delivered_watt_hours": 0,
            "vehicle": (
                self.vehicle(vehicle, tree["vehicle"])
                if "vehicle" in tree
                else self.urls.item("vehicles", vehicle.id)
            ),
            "evse": None,
            "percentage_added": round((end_soc - sub.start_soc) * 100),
            "cost_per_kilowatt_hour": f"{pence:.{COST_DECIMALS}f}",
        }

    def charging_session(
        self, vehicle: Vehicle, session: ChargingSession, tree: Tree | None = None
    ) -> dict[str, Any]:
        """A charging session (2026): one plug-in, its sub-sessions newest first."""
        tree = tree or {}
        subs = list(reversed(session.sub_sessions))
        return {
            "id": session.id,
            "url": self.urls.item("charging_sessions", session.id),
            "start": stamp(session.started_at),
            "end": stamp(session.ended_at) if session.ended_at is not None else None,
            "vehicle": (
                self.vehicle(vehicle, tree["vehicle"])
                if "vehicle" in tree
                else self.urls.item("vehicles", vehicle.id)
            ),
            "evse": None,
            "sub_sessions": [
                self.sub_session(vehicle, sub)
                if "sub_sessions" in tree
                else self.urls.item("charging_sub_sessions", sub.id)
                for sub in subs
            ],
        }

    def _session_location(self, vehicle: Vehicle, *, home: bool) -> dict[str, Any]:
        # SIM CHOICE: home sessions are at the user's default location; other
        # sessions have an anonymous "On the go" location.
        if not home:
            return {
                "name": "On the go",
                "coordinates": None,
                "postal_code": None,
                "address_1": None,
                "timezone": DEFAULT_TIMEZONE,
            }
        location = self.users[vehicle.user_id].location
        return {
            "name": "Home",
            "coordinates": location.get("coordinates"),
            "postal_code": location.get("postal_code"),
            "address_1": location.get("address_1"),
            "timezone": location.get("timezone", DEFAULT_TIMEZONE),
        }
