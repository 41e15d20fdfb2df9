"""Ingestion in simulated time and the webhook events it causes.

A subscribed vehicle is ingested at its make's cadence (faster while
charging) and at once on a car event (plug, unplug, charge start, stop,
full); a connected vehicle without a subscription only at the once-a-day
refresh (scenario ``unsubscribed_signals: daily``). Each ingestion that
changes a signal sends VEHICLE_STATE to the vehicle's webhooks, with one
SIGNAL_UPDATED trigger per changed signal.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.car import Connectivity
from simulator.smartcar.errors import DESCRIPTIONS, RESOLUTION

from .choices import MODES, WEBHOOK_VERSION
from .errors import TITLES
from .signals import CATALOGUE, Reading, webhook_signal
from .webhooks import Event

if TYPE_CHECKING:
    from simulator.car import Car

    from . import SmartcarV3
    from .model import Subscription, V3Vehicle

DAY = timedelta(days=1)

CAR_EVENTS = frozenset(
    {"plugged_in", "unplugged", "charging_started", "charging_stopped", "fully_charged"}
)


class Engine:
    """Ingestion ticks, daily refreshes and the events they send."""

    def __init__(self, v3: SmartcarV3) -> None:
        """Work on the v3 state."""
        self.v3 = v3

    # ---------------------------------------------------------------- timers
    def next_daily(self, after: datetime) -> datetime:
        """The first daily refresh strictly after ``after``."""
        at = datetime.combine(
            after.date(), self.v3.settings.daily_refresh, after.tzinfo
        )
        while at <= after:
            at += DAY
        return at

    def _due(self, vehicle: V3Vehicle) -> datetime | None:
        if self.v3.subscriptions_of(vehicle.vehicle.id):
            return vehicle.next_tick
        if self.v3.settings.unsubscribed_signals == "daily" and self.v3.connected(
            vehicle.vehicle.id
        ):
            return vehicle.next_daily
        return None

    def catch_up(self, moment: datetime) -> None:
        """Run every ingestion due up to ``moment``, oldest first."""
        while True:
            best: tuple[datetime, V3Vehicle] | None = None
            for vehicle in self.v3.vehicles.values():
                due = self._due(vehicle)
                if due is not None and (best is None or due < best[0]):
                    best = (due, vehicle)
            if best is None or best[0] > moment:
                break
            due, vehicle = best
            vehicle.vehicle.car.advance_to(due)  # may ingest a car event first
            if self._due(vehicle) != due:
                continue
            if self.v3.subscriptions_of(vehicle.vehicle.id):
                self.ingest(vehicle, due)
            else:
                self._refresh(vehicle, due)
        self._connectivity(moment)

    def _refresh(self, vehicle: V3Vehicle, moment: datetime) -> None:
        car = vehicle.vehicle.car
        if car.connectivity is not Connectivity.UNREACHABLE:
            vehicle.store.ingest(self.reading(vehicle), vehicle.codes, moment)
        vehicle.next_daily = moment + DAY

    def _connectivity(self, moment: datetime) -> None:
        """VEHICLE_ERROR when a subscribed car becomes unreachable."""
        for vehicle in self.v3.vehicles.values():
            subscriptions = self.v3.subscriptions_of(vehicle.vehicle.id)
            unreachable = vehicle.vehicle.car.connectivity is Connectivity.UNREACHABLE
            if not subscriptions or unreachable == vehicle.reported_unreachable:
                continue
            vehicle.reported_unreachable = unreachable
            if unreachable:
                error = vehicle_error("VEHICLE_STATE", "UNREACHABLE")
                for subscription in subscriptions:
                    self.send_error(subscription, error, moment)
            else:
                self.ingest(vehicle, moment)

    # ------------------------------------------------------------- ingestion
    @staticmethod
    def reading(vehicle: V3Vehicle) -> Reading:
        """What the car shows now (its last report while asleep)."""
        car = vehicle.vehicle.car
        return Reading(seen=car.observe(), car=car, locked=vehicle.locked)

    def ingest(self, vehicle: V3Vehicle, moment: datetime) -> list[str]:
        """Ingest a subscribed vehicle now; VEHICLE_STATE if anything changed."""
        car = vehicle.vehicle.car
        cadence = self.v3.settings.cadence_for(car.make, charging=car.charging)
        vehicle.next_tick = moment + timedelta(seconds=cadence)
        if car.connectivity is Connectivity.UNREACHABLE:
            return []
        changed = vehicle.store.ingest(self.reading(vehicle), vehicle.codes, moment)
        if changed:
            for subscription in self.v3.subscriptions_of(vehicle.vehicle.id):
                self.send_state(subscription, moment, changed)
        return changed

    def on_car_event(self, car: Car, event: str, moment: datetime) -> None:
        """A car event ingests a subscribed vehicle at once."""
        vehicle = self.v3.vehicle_by_key(car.key)
        if (
            event in CAR_EVENTS
            and vehicle is not None
            and self.v3.subscriptions_of(vehicle.vehicle.id)
        ):
            self.ingest(vehicle, moment)
            self.v3.sender.kick()

    # ---------------------------------------------------------------- events
    def _envelope(
        self,
        event_type: str,
        subscription: Subscription,
        data: dict[str, Any],
        *,
        triggers: list[dict[str, Any]],
        signal_count: int,
        mode: str,
    ) -> dict[str, Any]:
        vehicle = self.v3.provider.vehicles[subscription.vehicle_id]
        connection = self.v3.connection(
            subscription.application_id, subscription.user_id, subscription.vehicle_id
        )
        car = vehicle.car
        return {
            "eventId": str(uuid.uuid4()),
            "eventType": event_type,
            "data": {
                "user": {"id": subscription.user_id},
                "vehicle": {
                    "id": vehicle.id,
                    "make": car.make,
                    "model": car.model,
                    "year": car.year,
                    "mode": connection.mode if connection else MODES["live"],
                },
                **data,
            },
            "triggers": triggers,
            "meta": {
                "version": WEBHOOK_VERSION,
                "webhookId": subscription.webhook_id,
                "mode": mode,
                "signalCount": signal_count,
            },
        }

    def _signals(self, subscription: Subscription) -> list[dict[str, Any]]:
        vehicle = self.v3.vehicles[subscription.vehicle_id]
        granted = self.v3.permissions(subscription)
        return [
            webhook_signal(stored)
            for code, stored in vehicle.store.signals.items()
            if CATALOGUE[code].permission in granted
        ]

    def _queue(
        self,
        subscription: Subscription,
        body: dict[str, Any],
        moment: datetime,
        mode: str,
    ) -> Event | None:
        webhook = self.v3.webhook(subscription.webhook_id)
        if webhook is None:
            return None
        event = Event(
            event_id=body["eventId"],
            event_type=body["eventType"],
            webhook=webhook,
            vehicle_id=subscription.vehicle_id,
            body=body,
            mode=mode,
        )
        cost = self.v3.settings.costs.get("webhook", 0)
        if cost and mode == "LIVE":
            key = self.v3.provider.vehicles[subscription.vehicle_id].car.key
            self.v3.sim.billing.add(key, moment.strftime("%Y-%m"), cost)
        self.v3.sender.enqueue(event, moment)
        return event

    def send_state(
        self,
        subscription: Subscription,
        moment: datetime,
        changed: list[str],
        *,
        event_type: str = "VEHICLE_STATE",
        mode: str = "LIVE",
    ) -> Event | None:
        """Queue VEHICLE_STATE (or FIRST_DELIVERY: no triggers) for one webhook."""
        granted = self.v3.permissions(subscription)
        signals = self._signals(subscription)
        triggers = [
            {"type": "SIGNAL_UPDATED", "signal": {"code": code}}
            for code in changed
            if CATALOGUE[code].permission in granted
        ]
        if event_type == "VEHICLE_STATE" and not triggers and mode == "LIVE":
            return None
        body = self._envelope(
            event_type,
            subscription,
            {"signals": signals},
            triggers=triggers,
            signal_count=len(signals),
            mode=mode,
        )
        return self._queue(subscription, body, moment, mode)

    def send_error(
        self,
        subscription: Subscription,
        error: dict[str, Any],
        moment: datetime,
        mode: str = "LIVE",
    ) -> Event | None:
        """Queue VEHICLE_ERROR for one webhook."""
        body = self._envelope(
            "VEHICLE_ERROR",
            subscription,
            {"errors": [error]},
            triggers=[],
            signal_count=0,
            mode=mode,
        )
        return self._queue(subscription, body, moment, mode)

    def before_subscribe(self, vehicle: V3Vehicle, moment: datetime) -> None:
        """Ingest a vehicle about to get a subscription (its first, or another)."""
        vehicle.vehicle.car.advance_to(moment)
        self.ingest(vehicle, moment)

    def first_delivery(self, subscription: Subscription, moment: datetime) -> None:
        """Send FIRST_DELIVERY: every signal just ingested, no triggers."""
        self.send_state(subscription, moment, [], event_type="FIRST_DELIVERY")


def vehicle_error(error_type: str, code: str | None) -> dict[str, Any]:
    """One entry of a VEHICLE_ERROR's ``data.errors``."""
    return {
        "type": error_type,
        "code": code,
        "title": TITLES.get(error_type, "Error"),
        "detail": DESCRIPTIONS.get((error_type, code), "An error occurred."),
        "resolution": {"type": RESOLUTION.get(error_type)},
    }
