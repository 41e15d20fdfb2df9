"""The Vehicle API v3: connections, vehicle, signals and commands."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from simulator.car import ChargeState, Connectivity
from simulator.clock import isoformat_z
from simulator.oauth import bearer_token
from simulator.smartcar.vehicle_api import read_json

from .choices import (
    COMMAND_SECONDS,
    CONNECTIONS_PAGE_DEFAULT,
    CONNECTIONS_PAGE_MAX,
    MISSING_USER,
    NO_CONNECTION,
    NO_SIGNAL,
    POWERTRAIN,
    SET_LIMIT_MAX,
    SET_LIMIT_MIN,
    WRAP_VEHICLE,
)
from .errors import answer, v3_error
from .signals import api_signal

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from datetime import datetime

    from aiohttp import web

    from simulator.car import Car
    from simulator.smartcar.errors import SmartcarError
    from simulator.smartcar.vehicle_api import ScVehicle

    from . import SmartcarV3
    from .model import Connection, V3App, V3Vehicle

type Answer = tuple[dict[str, Any] | None, int]


def validation(detail: str) -> SmartcarError:
    """A 400 VALIDATION/PARAMETER error."""
    return v3_error("VALIDATION", "PARAMETER", detail)


def vehicle_resource(vehicle: ScVehicle, mode: str) -> dict[str, Any]:
    """``{id, type, attributes: {make, model, year, powertrainType, mode}}``."""
    car = vehicle.car
    return {
        "id": vehicle.id,
        "type": "vehicle",
        "attributes": {
            "make": car.make,
            "model": car.model,
            "year": car.year,
            "powertrainType": POWERTRAIN,
            "mode": mode,
        },
    }


def connection_resource(connection: Connection, vehicle: ScVehicle) -> dict[str, Any]:
    """One item of GET /connections."""
    attributes = vehicle_resource(vehicle, connection.mode)["attributes"]
    return {
        "id": connection.id,
        "type": "connection",
        "attributes": {
            "permissions": list(connection.permissions),
            "vehicle": {
                key: attributes[key]
                for key in ("make", "model", "year", "mode", "powertrainType")
            },
            "user": {"id": connection.user_id},
        },
        "relationships": {
            "vehicle": {"data": {"id": vehicle.id, "type": "vehicle"}},
            "user": {"data": {"id": connection.user_id, "type": "user"}},
        },
        "meta": {
            "createdAt": isoformat_z(connection.created_at),
            "updatedAt": isoformat_z(connection.updated_at),
        },
    }


def _page_param(query: Mapping[str, str], name: str, default: int) -> int:
    raw = query.get(f"page[{name}]", str(default))
    try:
        return int(raw)
    except ValueError:
        msg = f"page[{name}] must be an integer."
        raise validation(msg) from None


# (group, action) -> (commandType, permission, what the car needs)
COMMANDS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("charge", "start"): ("charge-start", "control_charge", "charge_control"),
    ("charge", "stop"): ("charge-stop", "control_charge", "charge_control"),
    ("charge", "set-limit"): ("charge-set-limit", "control_charge", "charge_limit"),
    ("charge-port", "open"): ("charge-port-open", "control_charge", "charge-port"),
    ("charge-port", "close"): ("charge-port-close", "control_charge", "charge-port"),
    ("security", "lock"): ("security-lock", "control_security", "security"),
    ("security", "unlock"): ("security-unlock", "control_security", "security"),
}
# Commands only a car whose scenario ``commands`` lists them has.
OPTIONAL_COMMANDS = frozenset({"charge-port", "security"})


class VehicleApi:
    """Every request under ``/vehicle/v3``."""

    def __init__(self, v3: SmartcarV3) -> None:
        """Serve the v3 state."""
        self.v3 = v3

    async def handle(self, request: web.Request) -> web.Response:
        """Authenticate, route, bill, answer (errors in the v3 body)."""
        return await answer(lambda: self._route(request), self.v3.sender.kick)

    def _app(self, request: web.Request) -> V3App:
        token = self.v3.iam.authenticate(
            bearer_token(request.headers.get("Authorization"))
        )
        app = self.v3.by_client.get(token.client_id) if token else None
        if app is None:
            raise v3_error("AUTHENTICATION")
        return app

    async def _route(self, request: web.Request) -> Answer:
        self.v3.sim.catch_up()
        app = self._app(request)
        segments = tuple(part for part in request.match_info["tail"].split("/") if part)
        method = request.method
        if segments == ("connections",) and method in ("GET", "DELETE"):
            if method == "GET":
                return self._connections(request, app), 200
            return self._disconnect(request, app), 200
        if len(segments) < 2 or segments[0] != "vehicles":  # noqa: PLR2004
            raise v3_error("RESOURCE_NOT_FOUND", "PATH")
        connection = self._connection(request, app, segments[1])
        vehicle = self.v3.vehicles[connection.vehicle_id]
        rest = segments[2:]
        if method == "GET" and rest == ():
            self._admit(vehicle, "vehicle")
            resource = vehicle_resource(vehicle.vehicle, connection.mode)
            return ({"data": resource} if WRAP_VEHICLE else resource), 200
        if method == "GET" and rest == ("signals",):
            return self._signals(request, connection, vehicle), 200
        if method == "GET" and len(rest) == 2 and rest[0] == "signals":  # noqa: PLR2004
            return self._signal(connection, vehicle, rest[1]), 200
        command = None
        if len(rest) == 3 and rest[0] == "commands":  # noqa: PLR2004
            command = COMMANDS.get((rest[1], rest[2]))
        if method == "POST" and command is not None:
            return await self._command(request, connection, vehicle, command)
        raise v3_error("RESOURCE_NOT_FOUND", "PATH")

    def _connection(
        self, request: web.Request, app: V3App, vehicle_id: str
    ) -> Connection:
        user_id = request.headers.get("sc-user-id", "").strip()
        if not user_id:
            msg = "The sc-user-id header is required."
            raise v3_error(*MISSING_USER, msg)
        connection = self.v3.connection(app.application_id, user_id, vehicle_id)
        if connection is None:
            raise v3_error(*NO_CONNECTION)
        return connection

    def _admit(self, vehicle: V3Vehicle, what: str) -> None:
        cost = self.v3.settings.costs.get(what, 0)
        if cost > 0:
            self.v3.provider.admit(vehicle.vehicle, cost)

    # ------------------------------------------------------------ connections
    def _connections(self, request: web.Request, app: V3App) -> dict[str, Any]:
        query = request.query
        number = _page_param(query, "number", 1)
        size = _page_param(query, "size", CONNECTIONS_PAGE_DEFAULT)
        if number < 1 or not 1 <= size <= CONNECTIONS_PAGE_MAX:
            msg = (
                f"page[number] must be >= 1 and page[size] between 1 and "
                f"{CONNECTIONS_PAGE_MAX}."
            )
            raise validation(msg)
        matches = sorted(
            self._matching(app, query),
            key=lambda c: (c.created_at, c.id),
        )
        start = (number - 1) * size
        page = matches[start : start + size]

        def link(page_number: int) -> str:
            return str(request.url.update_query({"page[number]": str(page_number)}))

        last = max(1, math.ceil(len(matches) / size))
        return {
            "data": [
                connection_resource(c, self.v3.provider.vehicles[c.vehicle_id])
                for c in page
            ],
            "meta": {
                "pageNumber": number,
                "pageSize": size,
                "totalCount": len(matches),
                "orderBy": "createdAt",
                "orderDirection": "asc",
            },
            "links": {
                "self": link(number),
                "next": link(number + 1) if number < last else None,
                "prev": link(number - 1) if 1 < number <= last else None,
            },
        }

    def _matching(self, app: V3App, query: Mapping[str, str]) -> list[Connection]:
        user = query.get("filter[userId]")
        vehicle = query.get("filter[vehicleId]")
        mode = query.get("filter[vehicle.mode]")
        return [
            c
            for c in self.v3.connections.values()
            if c.application_id == app.application_id
            and user in (None, c.user_id)
            and vehicle in (None, c.vehicle_id)
            and (mode is None or mode.upper() == c.mode)
        ]

    def _disconnect(self, request: web.Request, app: V3App) -> dict[str, Any]:
        query = request.query
        if "filter[userId]" not in query and "filter[vehicleId]" not in query:
            msg = "filter[userId] or filter[vehicleId] is required."
            raise validation(msg)
        matches = self._matching(app, query)
        for connection in matches:
            self.v3.disconnect(connection)
        return {"meta": {"deletedCount": len(matches)}}

    # ---------------------------------------------------------------- signals
    def _stored(self, vehicle: V3Vehicle) -> bool:
        """Whether the vehicle's ingested data is served (else: none)."""
        return bool(
            self.v3.subscriptions_of(vehicle.vehicle.id)
            or self.v3.settings.unsubscribed_signals == "daily"
        )

    def _signals(
        self, request: web.Request, connection: Connection, vehicle: V3Vehicle
    ) -> dict[str, Any]:
        self._admit(vehicle, "signals")
        granted = frozenset(connection.permissions)
        stored = vehicle.store.signals.values() if self._stored(vehicle) else []
        data = [api_signal(item, granted) for item in stored]
        return {
            "data": data,
            "included": {"vehicle": vehicle_resource(vehicle.vehicle, connection.mode)},
            "meta": {"totalCount": len(data)},
            "links": {"self": str(request.url)},
        }

    def _signal(
        self, connection: Connection, vehicle: V3Vehicle, code: str
    ) -> dict[str, Any]:
        stored = vehicle.store.signals.get(code) if self._stored(vehicle) else None
        if stored is None:
            raise v3_error(*NO_SIGNAL)
        self._admit(vehicle, "signal")
        return {"data": api_signal(stored, frozenset(connection.permissions))}

    # --------------------------------------------------------------- commands
    async def _command(
        self,
        request: web.Request,
        connection: Connection,
        vehicle: V3Vehicle,
        command: tuple[str, str, str],
    ) -> Answer:
        """Permission, body, bill, capability, then the car.

        As in v2, a command that reaches the car is billed even when the car
        answers an error (COMPATIBILITY, VEHICLE_STATE).
        """
        command_type, permission, needs = command
        if permission not in connection.permissions:
            msg = f"The '{permission}' permission was not granted for this vehicle."
            raise v3_error("PERMISSION", None, msg)
        parameters: dict[str, Any] = {}
        if command_type == "charge-set-limit":
            parameters["percent"] = _limit_percent(await read_json(request))
        self._admit(vehicle, "command")
        capable = (
            needs in vehicle.commands
            if needs in OPTIONAL_COMMANDS
            else needs not in vehicle.vehicle.unsupported
        )
        if not capable:
            raise v3_error("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")
        self._run(vehicle, command_type, parameters)
        if self.v3.subscriptions_of(vehicle.vehicle.id):
            self.v3.engine.ingest(vehicle, self.v3.sim.now())
        return self._execution(command_type, parameters)

    def _run(
        self, vehicle: V3Vehicle, command_type: str, parameters: dict[str, Any]
    ) -> None:
        car = vehicle.vehicle.car
        now = self.v3.sim.now()
        if car.connectivity is Connectivity.UNREACHABLE:
            raise v3_error("VEHICLE_STATE", "UNREACHABLE")
        if car.connectivity is Connectivity.ASLEEP:
            car.wake(now)
        car.advance_to(now)
        actions: dict[str, Callable[[], None]] = {
            "charge-start": lambda: _start(car, now),
            "charge-stop": lambda: _stop(car, now),
            "charge-set-limit": lambda: car.set_charge_limit(
                now, parameters.get("percent", 80) / 100
            ),
            "charge-port-open": lambda: None,
            "charge-port-close": lambda: None,
            "security-lock": lambda: setattr(vehicle, "locked", True),
            "security-unlock": lambda: setattr(vehicle, "locked", False),
        }
        actions[command_type]()

    def _execution(self, command_type: str, parameters: dict[str, Any]) -> Answer:
        now = self.v3.sim.now()
        share = self.v3.settings.async_command_share
        is_async = share > 0 and self.v3.sim.rng.random() < share
        done = now + timedelta(seconds=COMMAND_SECONDS)
        body = {
            "data": {
                "id": f"exec_{uuid.uuid4().hex}",
                "type": "command-execution",
                "attributes": {
                    "commandType": command_type,
                    "status": {"value": "IN_PROGRESS" if is_async else "SUCCESS"},
                    "executionMode": "async" if is_async else "sync",
                    "parameters": parameters,
                },
                "meta": {
                    "executedAt": isoformat_z(now),
                    "completedAt": None if is_async else isoformat_z(done),
                    "durationInSeconds": None if is_async else COMMAND_SECONDS,
                },
            }
        }
        return body, 202 if is_async else 200


def _limit_percent(body: Any) -> int:
    data = body.get("data") if isinstance(body, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    percent = attributes.get("percent") if isinstance(attributes, dict) else None
    if (
        not isinstance(percent, int)
        or isinstance(percent, bool)
        or not SET_LIMIT_MIN <= percent <= SET_LIMIT_MAX
    ):
        msg = (
            f"data.attributes.percent must be an integer between {SET_LIMIT_MIN} "
            f"and {SET_LIMIT_MAX}."
        )
        raise validation(msg)
    return percent


def _start(car: Car, now: datetime) -> None:
    if car.charge_fault:
        raise v3_error("VEHICLE_STATE", "CHARGE_FAULT")
    if not car.plugged_in:
        raise v3_error("VEHICLE_STATE", "CHARGE_PLUG_DISCONNECTED")
    if car.state is ChargeState.FULLY_CHARGED:
        raise v3_error("VEHICLE_STATE", "FULLY_CHARGED")
    car.start_charging(now)


def _stop(car: Car, now: datetime) -> None:
    if not car.charging:
        raise v3_error("VEHICLE_STATE", "NOT_CHARGING")
    car.stop_charging(now)
