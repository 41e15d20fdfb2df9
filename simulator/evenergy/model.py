"""ev.energy's resources: catalogue, users, vehicles and their status logs."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from simulator.car import ChargeState, Connectivity, LocationKind
from simulator.state import car_from_spec, parse_time

from .choices import (
    DEFAULT_SMART_SCHEDULE,
    DEFAULT_STATUS_LOG_INTERVAL,
    DEFAULT_VEHICLE_CLASS,
    MODE_BOOST,
    MODE_SMART,
    SAMPLE_LAG_SECONDS,
    SMART_SCHEDULES,
    STATUS_LOG_KEEP,
)
from .sessions import SessionBook, SubSession, is_managed, plain_mode

if TYPE_CHECKING:
    from simulator.car import Car


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
    managed: bool = False  # the 2026 era: smart charging and boost exist
    smart_schedule: str = DEFAULT_SMART_SCHEDULE
    held: bool = False  # ev.energy holds the car (a SMART sub-session waits)
    book: SessionBook = field(init=False)

    def __post_init__(self) -> None:
        """Start an empty record of charging sessions."""
        self.book = SessionBook(self.id)

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
        # Catch up with a plug-in or unplug missed while not listening.
        if car.plugged_in and self.book.open is None:
            self.book.plug_in(car, moment, self.mode_for(car))
            self.apply_schedule(car, moment)
        elif not car.plugged_in and self.book.open is not None:
            self.book.unplug(car, moment)
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

    def _on_event(self, car: Car, event: str, moment: datetime) -> None:
        if event == "plugged_in":
            self.book.plug_in(car, moment, self.mode_for(car))
            self.apply_schedule(car, moment)
        elif event == "unplugged":
            self.book.unplug(car, moment)
            self.held = False
        self.record(car, moment)

    # ------------------------------------------------------ smart charging
    def mode_for(self, car: Car, *, boost: bool = False) -> str:
        """The mode a sub-session starting now has."""
        if self.managed and self.smart_charging_enabled and is_home(car):
            return MODE_BOOST if boost else MODE_SMART
        return plain_mode(car.location_kind)

    def current_sub_session(self) -> SubSession | None:
        """The running sub-session, if the car is plugged in."""
        session = self.book.open
        return session.current if session is not None else None

    def apply_schedule(self, car: Car, moment: datetime) -> None:
        """Hold the car while a SMART sub-session waits; let it go otherwise."""
        sub = self.current_sub_session()
        wait = (
            sub is not None and sub.mode == MODE_SMART and self.smart_schedule == "wait"
        )
        if wait and not self.held:
            self.held = True
            car.stop_charging(moment)
        elif not wait and self.held:
            self.held = False
            car.start_charging(moment)

    def switch_mode(self, car: Car, moment: datetime, mode: str) -> None:
        """End the running sub-session and start one in ``mode``."""
        self.book.switch(car, moment, mode)
        if mode == MODE_BOOST and not car.charge_enabled:
            self.held = False
            car.start_charging(moment)  # boost: full power now
        self.apply_schedule(car, moment)
        self.record(car, moment)

    def smart_charging_changed(self, moment: datetime) -> None:
        """Smart charging was switched on or off (a PATCH)."""
        car = self.car
        sub = self.current_sub_session()
        if car is None or sub is None:
            return
        car.advance_to(moment)
        wanted = self.mode_for(car)
        if is_managed(sub.mode) != is_managed(wanted):
            self.switch_mode(car, moment, wanted)

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
    def visible_sub_sessions(self) -> list[SubSession]:
        """The sub-sessions ev.energy reports, oldest first."""
        if self.car is None or self.integrated is Integration.UNINTEGRATED:
            return []
        cutoff = self.inactive_since
        return [
            sub
            for sub in self.book.sub_sessions()
            if cutoff is None or sub.started_at < cutoff
        ]


def is_home(car: Car) -> bool:
    """Whether the car is at its home charger."""
    return car.location_kind is LocationKind.HOME


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
    spec: dict[str, Any],
    user_id: str,
    now: datetime,
    log_interval: float,
    *,
    managed: bool = False,
) -> Vehicle:
    """A vehicle from the scenario (with its car when it is integrated)."""
    integrated = Integration(spec.get("integrated", Integration.UNINTEGRATED))
    car_spec = spec.get("car")
    if integrated is not Integration.UNINTEGRATED and not car_spec:
        msg = f"integrated vehicle {spec['id']!r} needs a 'car'"
        raise ValueError(msg)
    car = car_from_spec(car_spec["key"], car_spec, now) if car_spec else None
    schedule = str(spec.get("smart_schedule", DEFAULT_SMART_SCHEDULE))
    if schedule not in SMART_SCHEDULES:
        msg = f"smart_schedule must be one of {', '.join(SMART_SCHEDULES)}"
        raise ValueError(msg)
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
        managed=managed,
        smart_schedule=schedule,
    )
    if car is not None:
        for past in car.sessions:
            if past.ended_at is not None:
                home = past.location_kind is LocationKind.HOME
                smart = managed and vehicle.smart_charging_enabled and home
                mode = MODE_SMART if smart else plain_mode(past.location_kind)
                vehicle.book.add_past(car, past, mode)
    if integrated is not Integration.UNINTEGRATED:
        # Log the state at setup, then (if INACTIVE) stop right away.
        vehicle.set_integration(Integration.ACTIVE, now)
        vehicle.set_integration(integrated, now)
    return vehicle
