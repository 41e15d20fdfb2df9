"""ev.energy's resources: catalogue, users, vehicles and their status logs."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from simulator.car import ChargeState, Connectivity, LocationKind
from simulator.state import car_from_spec, parse_time

from . import ids
from .choices import (
    DEFAULT_STATUS_LOG_INTERVAL,
    DEFAULT_VEHICLE_CLASS,
    SAMPLE_LAG_SECONDS,
    STATUS_LOG_KEEP,
)

if TYPE_CHECKING:
    from simulator.car import Car, ChargeSession


class Integration(StrEnum):
    """``Vehicle.integrated``."""

    UNINTEGRATED = "UNINTEGRATED"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


@dataclass
class Make:
    """A vehicle make."""

    id: str
    name: str
    integrable: bool = True


@dataclass
class Model:
    """A vehicle model of one make."""

    id: str
    name: str
    make_id: str
    integrable: bool = True
    connector: str | None = "CCS"


@dataclass
class Trim:
    """A trim (variant) of one model, with its battery size."""

    id: str
    name: str
    model_id: str
    battery_wh: int | None
    integrable: bool = True
    hidden: bool = False


@dataclass
class User:
    """An ev.energy user."""

    id: str
    email: str
    password: str
    full_name: str
    joined_at: datetime
    location: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusLog:
    """One snapshot of a vehicle's state (the 2026 fields are derived too)."""

    sampled_at: datetime
    logged_at: datetime
    soc_percent: int
    is_charging: bool
    is_plugged_in: bool
    charge_rate_watts: int
    charge_level_wh: int
    target_percent: int
    target_wh: int
    energy_added_wh: int | None
    minutes_to_full: int | None
    ac: bool
    is_complete: bool
    odometer_m: int
    state: str


@dataclass
class Vehicle:
    """A vehicle of a user: integrated (with a simulated car) or not."""

    id: str
    user_id: str
    trim_id: str
    integrated: Integration
    charge_limit_percent: int | None
    car: Car | None = None
    logs: deque[StatusLog] = field(
        default_factory=lambda: deque(maxlen=STATUS_LOG_KEEP)
    )
    inactive_since: datetime | None = None
    description: str = ""
    smart_charging_enabled: bool = True
    vehicle_class: str | None = DEFAULT_VEHICLE_CLASS
    battery_wh: int | None = None  # set on unintegrated vehicles (2026 PATCH)
    log_interval: float = DEFAULT_STATUS_LOG_INTERVAL

    # ------------------------------------------------------------- status log
    def attach(self, moment: datetime) -> None:
        """Start logging the car's state (integrated ACTIVE vehicles)."""
        car = self.car
        if car is None:
            return
        car.advance_to(moment)
        car.checkpoint_interval = self.log_interval
        if self._on_checkpoint not in car.checkpoint_listeners:
            car.checkpoint_listeners.append(self._on_checkpoint)
            car.listeners.append(self._on_event)
        self.record(car, moment)

    def detach(self, moment: datetime) -> None:
        """Stop logging (the connection is severed or the vehicle removed)."""
        car = self.car
        if car is None:
            return
        car.advance_to(moment)
        car.checkpoint_interval = None
        if self._on_checkpoint in car.checkpoint_listeners:
            car.checkpoint_listeners.remove(self._on_checkpoint)
            car.listeners.remove(self._on_event)

    def set_integration(self, state: Integration, moment: datetime) -> None:
        """Change ``integrated``; logs stop while the vehicle is not ACTIVE."""
        if state is Integration.ACTIVE:
            self.integrated = state
            self.inactive_since = None
            self.attach(moment)
            return
        self.detach(moment)
        if state is Integration.INACTIVE and self.inactive_since is None:
            self.inactive_since = moment
        self.integrated = state

    def _on_checkpoint(self, car: Car, moment: datetime) -> None:
        self.record(car, moment)

    def _on_event(self, car: Car, _event: str, moment: datetime) -> None:
        self.record(car, moment)

    def record(self, car: Car, moment: datetime) -> None:
        """Append a status log for the car's state at ``moment``."""
        if self.integrated is not Integration.ACTIVE:
            return
        if car.connectivity is not Connectivity.ONLINE:
            return
        log = snapshot(car, moment, self.charge_limit_percent)
        if self.logs and self.logs[-1].sampled_at >= log.sampled_at:
            self.logs.pop()
        self.logs.append(log)

    def latest_log(self) -> StatusLog | None:
        """The newest status log, if any."""
        return self.logs[-1] if self.logs else None

    def find_log(self, sampled_at: datetime) -> StatusLog | None:
        """The status log sampled at exactly ``sampled_at``."""
        for log in self.logs:
            if log.sampled_at == sampled_at:
                return log
        return None

    # --------------------------------------------------------------- sessions
    def visible_sessions(self) -> list[ChargeSession]:
        """The car's charge sessions ev.energy knows of, oldest first."""
        if self.car is None or self.integrated is Integration.UNINTEGRATED:
            return []
        cutoff = self.inactive_since
        return [
            session
            for session in self.car.sessions
            if cutoff is None or session.started_at < cutoff
        ]

    def session_id(self, session: ChargeSession) -> str:
        """The stable ``csub`` ID of one of the car's sessions."""
        return ids.derived_id(
            ids.SUB_SESSION, session.started_at, f"{self.id}/{session.number}"
        )


def vehicle_state(is_plugged_in: bool, is_charging: bool, is_complete: bool) -> str:  # noqa: FBT001
    """The 2026 status-log ``state``."""
    if not is_plugged_in:
        return "STATIONARY"
    if is_charging:
        return "PLUGGED_IN_CHARGING"
    if is_complete:
        return "PLUGGED_IN_COMPLETE"
    return "PLUGGED_IN_NOT_CHARGING"


def snapshot(car: Car, moment: datetime, target_percent: int | None) -> StatusLog:
    """A status log of the car as observed now, logged at ``moment``."""
    obs = car.observe()
    capacity_wh = car.capacity_kwh * 1000
    target = target_percent if target_percent is not None else obs.charge_limit * 100
    is_charging = obs.state is ChargeState.CHARGING
    is_complete = obs.soc >= obs.charge_limit - 1e-9
    session = car.current_session or (car.sessions[-1] if car.sessions else None)
    minutes = None
    if is_charging:
        minutes = round(car.seconds_to(obs.charge_limit) / 60)
    return StatusLog(
        sampled_at=moment - timedelta(seconds=SAMPLE_LAG_SECONDS),
        logged_at=moment,
        soc_percent=round(obs.soc * 100),
        is_charging=is_charging,
        is_plugged_in=obs.plugged_in,
        charge_rate_watts=round(obs.power_kw * 1000),
        charge_level_wh=round(obs.soc * capacity_wh),
        target_percent=round(target),
        target_wh=round(target / 100 * capacity_wh),
        energy_added_wh=(
            round(session.energy_added_kwh * 1000) if session is not None else None
        ),
        minutes_to_full=minutes,
        ac=car.location_kind is LocationKind.HOME,
        is_complete=is_complete,
        odometer_m=round(obs.odometer_km * 1000),
        state=vehicle_state(obs.plugged_in, is_charging, is_complete),
    )


@dataclass
class Catalogue:
    """Makes, models and trims by ID (in scenario order)."""

    makes: dict[str, Make] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)
    trims: dict[str, Trim] = field(default_factory=dict)

    @classmethod
    def from_config(cls, makes: list[dict[str, Any]]) -> Catalogue:
        """Read the nested ``catalogue`` list of the scenario."""
        catalogue = cls()
        for make_spec in makes:
            make = Make(
                id=make_spec["id"],
                name=make_spec["name"],
                integrable=bool(make_spec.get("integrable", True)),
            )
            catalogue.makes[make.id] = make
            for model_spec in make_spec.get("models", []):
                model = Model(
                    id=model_spec["id"],
                    name=model_spec["name"],
                    make_id=make.id,
                    integrable=bool(model_spec.get("integrable", make.integrable)),
                    connector=model_spec.get("connector", "CCS"),
                )
                catalogue.models[model.id] = model
                for trim_spec in model_spec.get("trims", []):
                    battery = trim_spec.get("battery_size_watt_hours")
                    trim = Trim(
                        id=trim_spec["id"],
                        name=trim_spec["name"],
                        model_id=model.id,
                        battery_wh=int(battery) if battery is not None else None,
                        integrable=bool(trim_spec.get("integrable", model.integrable)),
                    )
                    catalogue.trims[trim.id] = trim
        return catalogue

    def trim_model(self, trim: Trim) -> Model:
        """The model of a trim."""
        return self.models[trim.model_id]

    def model_make(self, model: Model) -> Make:
        """The make of a model."""
        return self.makes[model.make_id]


def user_from_config(spec: dict[str, Any], default_joined: datetime) -> User:
    """A user from the scenario."""
    joined = spec.get("joined_at")
    return User(
        id=spec["id"],
        email=spec["email"],
        password=spec["password"],
        full_name=spec.get("full_name", ""),
        joined_at=parse_time(joined) if joined else default_joined,
        location=dict(spec.get("default_location", {})),
    )


def vehicle_from_config(
    spec: dict[str, Any], user_id: str, now: datetime, log_interval: float
) -> Vehicle:
    """A vehicle from the scenario (with its car when it is integrated)."""
    integrated = Integration(spec.get("integrated", Integration.UNINTEGRATED))
    car_spec = spec.get("car")
    if integrated is not Integration.UNINTEGRATED and not car_spec:
        msg = f"integrated vehicle {spec['id']!r} needs a 'car'"
        raise ValueError(msg)
    car = car_from_spec(car_spec["key"], car_spec, now) if car_spec else None
    limit = spec.get("maximum_charge_limit_percentage")
    if (
        limit is None
        and car is not None
        and "maximum_charge_limit_percentage" not in spec
    ):
        limit = round(car.charge_limit * 100)
    vehicle = Vehicle(
        id=spec["id"],
        user_id=user_id,
        trim_id=spec["trim"],
        integrated=Integration.UNINTEGRATED,
        charge_limit_percent=int(limit) if limit is not None else None,
        car=car,
        description=str(spec.get("description", "")),
        smart_charging_enabled=bool(spec.get("smart_charging_enabled", True)),
        vehicle_class=spec.get("vehicle_class", DEFAULT_VEHICLE_CLASS),
        log_interval=log_interval,
    )
    if integrated is not Integration.UNINTEGRATED:
        # Log the state at setup, then (if INACTIVE) stop right away.
        vehicle.set_integration(Integration.ACTIVE, now)
        vehicle.set_integration(integrated, now)
    return vehicle
