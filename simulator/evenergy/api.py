"""Routing and the checks every ``/v2`` request goes through.

Order (as Django REST Framework does it): route, version, authentication,
rate limit, method, scope, ``EvEnergy-User``, then the handler.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from simulator.oauth import Token, bearer_token

from . import catalogue, charging, vehicles
from .choices import (
    ACCEPTED_VERSIONS,
    ANONYMOUS_RATE_LIMIT,
    API_VERSION,
    WWW_AUTHENTICATE_INVALID,
    WWW_AUTHENTICATE_MISSING,
)
from .context import Ctx, Reply
from .problems import (
    Problem,
    canonical,
    forbidden,
    method_not_allowed,
    not_found,
    rate_limited,
    unauthorized,
    unknown_user_header,
    unsupported_version,
    user_required,
)
from .ratelimit import BucketKey, Verdict
from .render import Urls, View

if TYPE_CHECKING:
    from . import EvEnergy
    from .model import User

LOGGER = logging.getLogger(__name__)

type Handler = Callable[[Ctx], Awaitable[Reply]]


@dataclass(frozen=True)
class Op:
    """One method of one route: handler, scope (None: public) and user need."""

    handler: Handler
    scope: str | None
    needs_user: bool = False


VEHICLE_ID = r"(?P<vehicle_id>[^/]+)"
SESSION_ID = r"(?P<session_id>[^/]+)"
# SIM CHOICE: the webhook portal needs a valid token but no scope (the spec
# names none); an empty scope is checked as "any token".
WEBHOOK_PORTAL = ""
ROUTES: tuple[tuple[re.Pattern[str], dict[str, Op]], ...] = tuple(
    (re.compile(pattern), ops)
    for pattern, ops in (
        ("v2", {"GET": Op(catalogue.root, None)}),
        (
            "v2/vehicles",
            {
                "GET": Op(vehicles.list_vehicles, "vehicle:read", needs_user=True),
                "POST": Op(vehicles.create_vehicle, "vehicle:write", needs_user=True),
            },
        ),
        (
            f"v2/vehicles/{VEHICLE_ID}",
            {
                "GET": Op(vehicles.get_vehicle, "vehicle:read", needs_user=True),
                "PATCH": Op(vehicles.patch_vehicle, "vehicle:write", needs_user=True),
            },
        ),
        (
            f"v2/vehicles/{VEHICLE_ID}/status_logs",
            {"GET": Op(vehicles.list_status_logs, "vehicle:read", needs_user=True)},
        ),
        (
            f"v2/vehicles/{VEHICLE_ID}/status_logs/(?P<sampled_at>[^/]+)",
            {"GET": Op(vehicles.get_status_log, "vehicle:read", needs_user=True)},
        ),
        (
            "v2/charging_sub_sessions",
            {
                "GET": Op(
                    vehicles.list_sub_sessions, "charging_session:read", needs_user=True
                )
            },
        ),
        (
            "v2/charging_sub_sessions/(?P<sub_session_id>[^/]+)",
            {
                "GET": Op(
                    vehicles.get_sub_session, "charging_session:read", needs_user=True
                )
            },
        ),
        (
            "v2/charging_sessions",
            {
                "GET": Op(
                    charging.list_charging_sessions,
                    "charging_session:read",
                    needs_user=True,
                )
            },
        ),
        (
            f"v2/charging_sessions/{SESSION_ID}",
            {
                "GET": Op(
                    charging.get_charging_session,
                    "charging_session:read",
                    needs_user=True,
                )
            },
        ),
        (
            f"v2/charging_sessions/{SESSION_ID}/boost_start",
            {
                "POST": Op(
                    charging.boost_start, "charging_session:write", needs_user=True
                )
            },
        ),
        (
            f"v2/charging_sessions/{SESSION_ID}/boost_end",
            {"POST": Op(charging.boost_end, "charging_session:write", needs_user=True)},
        ),
        ("v2/webhook_portal", {"GET": Op(charging.webhook_portal, WEBHOOK_PORTAL)}),
        ("v2/vehicle_trims", {"GET": Op(catalogue.list_trims, "vehicle:read")}),
        (
            "v2/vehicle_trims/(?P<trim_id>[^/]+)",
            {"GET": Op(catalogue.get_trim, "vehicle:read")},
        ),
        ("v2/vehicle_models", {"GET": Op(catalogue.list_models, None)}),
        (
            "v2/vehicle_models/(?P<model_id>[^/]+)",
            {"GET": Op(catalogue.get_model, None)},
        ),
        ("v2/vehicle_makes", {"GET": Op(catalogue.list_makes, None)}),
        ("v2/vehicle_makes/(?P<make_id>[^/]+)", {"GET": Op(catalogue.get_make, None)}),
        ("v2/users", {"GET": Op(catalogue.list_users, "user:read")}),
        ("v2/users/(?P<user_id>[^/]+)", {"GET": Op(catalogue.get_user, "user:read")}),
    )
)


def match(path: str) -> tuple[dict[str, Op], dict[str, str]] | None:
    """The route for a path below the prefix (no leading or trailing slash)."""
    for pattern, ops in ROUTES:
        found = pattern.fullmatch(path)
        if found is not None:
            return ops, found.groupdict()
    return None


class Api:
    """The ``/v2`` API of one provider."""

    def __init__(self, provider: EvEnergy, prefix: str) -> None:
        """Serve ``provider``'s data under ``prefix``."""
        self.provider = provider
        self.prefix = prefix

    def unattributed(self) -> Verdict:
        """Rate-limit headers for a request that is not counted."""
        limit = self.provider.rate_limit
        return Verdict(limit, limit)

    def rate_headers(self, request: web.Request) -> dict[str, str]:
        """The rate-limit headers of a request, without counting it."""
        token = self.provider.oauth.authenticate(
            bearer_token(request.headers.get("Authorization"))
        )
        if token is None:
            return self.unattributed().headers()
        key, limit = self.bucket(token)
        return self.provider.limiter.peek(key, limit).headers()

    def bucket(self, token: Token) -> tuple[BucketKey, int]:
        """A token's bucket: per (client, user); client credentials share one."""
        return (token.client_id, token.user_id), self.provider.client_rate_limit(
            token.client_id
        )

    async def handle(self, request: web.Request, path: str) -> web.StreamResponse:
        """Answer one request; every answer carries the common headers."""
        headers = {"EvEnergy-Version": API_VERSION, **self.unattributed().headers()}
        response: web.StreamResponse
        try:
            reply = await self._dispatch(request, path, headers)
        except Problem as problem:
            response = problem.response()
        except web.HTTPException:  # pragma: no cover - handlers raise none
            raise
        except Exception:
            LOGGER.exception("ev.energy simulator failed on %s", request.path)
            response = canonical(500).response()
        else:
            response = web.Response(
                text=json.dumps(reply.body),
                status=reply.status,
                content_type="application/json",
            )
            response.headers.update(reply.headers)
        response.headers.update(headers)
        return response

    async def _dispatch(
        self, request: web.Request, path: str, headers: dict[str, str]
    ) -> Reply:
        route = match(path)
        if route is None:
            raise not_found()
        ops, params = route
        version = request.headers.get("EvEnergy-Version")
        if version is not None and version.strip() not in ACCEPTED_VERSIONS:
            raise unsupported_version(version.strip())
        presented = bearer_token(request.headers.get("Authorization"))
        token = self.provider.oauth.authenticate(presented)
        op = ops.get(request.method)
        protected = (
            op.scope is not None
            if op is not None
            else any(o.scope is not None for o in ops.values())
        )
        if token is None and protected:
            raise unauthorized(
                WWW_AUTHENTICATE_INVALID if presented else WWW_AUTHENTICATE_MISSING
            )
        verdict = self._count(request, token)
        headers.update(verdict.headers())
        if verdict.retry_after is not None:
            raise rate_limited(verdict.retry_after)
        if op is None:
            raise method_not_allowed(sorted(ops))
        if op.scope and token is not None and op.scope not in token.scopes:
            raise forbidden()
        user = self._acting_user(request, token)
        if op.needs_user and user is None:
            raise user_required()
        self.provider.advance()
        ctx = Ctx(
            provider=self.provider,
            request=request,
            token=token,
            user=user,
            params=params,
            view=self.view(request),
        )
        return await op.handler(ctx)

    def _count(self, request: web.Request, token: Token | None) -> Verdict:
        if token is None:
            key: BucketKey = ("anonymous", request.remote)
            return self.provider.limiter.hit(key, ANONYMOUS_RATE_LIMIT)
        key, limit = self.bucket(token)
        return self.provider.limiter.hit(key, limit)

    def _acting_user(self, request: web.Request, token: Token | None) -> User | None:
        """The user the request acts as (``EvEnergy-User`` for client credentials)."""
        if token is None:
            return None
        header = request.headers.get("EvEnergy-User", "").strip()
        named = self.provider.user_from_header(header) if header else None
        if token.user_id is None:
            if header and named is None:
                raise unknown_user_header()
            return named
        own = self.provider.users.get(token.user_id)
        if own is None:  # pragma: no cover - users are never removed
            raise forbidden()
        if header and (named is None or named.id != own.id):
            raise forbidden()
        return own

    def view(self, request: web.Request) -> View:
        """The renderer for this request's origin."""
        return self.view_for(f"{request.url.origin()}{self.prefix}")

    def view_for(self, base: str) -> View:
        """The renderer for a base URL (``http://host:port/evenergy``)."""
        provider = self.provider
        return View(
            urls=Urls(f"{base}/v2"),
            era=provider.era,
            catalogue=provider.catalogue,
            users=provider.users,
            vehicles=provider.vehicles,
            now=provider.sim.now(),
        )
