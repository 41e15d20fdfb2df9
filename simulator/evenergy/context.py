"""What an API handler gets (one request) and what it returns."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .ids import is_id
from .problems import malformed, not_found, validation
from .render import Tree, parse_expand

if TYPE_CHECKING:
    from aiohttp import web
    from multidict import MultiMapping

    from simulator.oauth import Token

    from . import EvEnergy
    from .model import User, Vehicle
    from .render import View


@dataclass
class Reply:
    """A JSON answer."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    """One authenticated (or public) API request."""

    provider: EvEnergy
    request: web.Request
    token: Token | None
    user: User | None  # the acting user, if any
    params: dict[str, str]
    view: View

    @property
    def query(self) -> MultiMapping[str]:
        """The query parameters."""
        return self.request.query

    def expand(self, allowed: frozenset[str]) -> Tree:
        """The request's ``expand`` tree, checked against ``allowed``."""
        return parse_expand(self.query.getall("expand", []), allowed)

    def acting_user(self) -> User:
        """The acting user (the route guarantees there is one)."""
        if self.user is None:  # pragma: no cover - routes with needs_user only
            raise not_found()
        return self.user

    def user_vehicles(self) -> list[Vehicle]:
        """The acting user's vehicles, by ID."""
        user = self.acting_user()
        return sorted(
            (v for v in self.provider.vehicles.values() if v.user_id == user.id),
            key=lambda vehicle: vehicle.id,
        )

    def vehicle(self, vehicle_id: str) -> Vehicle:
        """One of the acting user's vehicles, or 404."""
        vehicle = self.provider.vehicles.get(vehicle_id)
        if vehicle is None or vehicle.user_id != self.acting_user().id:
            raise not_found()
        return vehicle

    async def json_object(self, slug: str) -> dict[str, Any]:
        """The request body as a JSON object (400 when it is not)."""
        raw = await self.request.read()
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise malformed(str(err)) from None
        if not isinstance(data, dict):
            name = type(data).__name__
            message = f"Invalid data. Expected a dictionary, but got {name}."
            raise validation(slug, {"non_field_errors": [message]})
        return data


def hyperlink_id(value: object, prefix: str) -> tuple[str | None, str | None]:
    """The ID a hyperlinked field refers to, or the DRF error message."""
    if value is None:
        return None, "This field may not be null."
    if not isinstance(value, str):
        kind = type(value).__name__
        return None, f"Incorrect type. Expected URL string, received {kind}."
    last = value.rstrip("/").rsplit("/", 1)[-1]
    if not is_id(last):
        return None, "Invalid hyperlink - No URL match."
    if not last.startswith(prefix):
        return None, "Invalid hyperlink - Incorrect URL match."
    return last, None
