"""``POST /oauth2/token`` at Smartcar's IAM host: the M2M client_credentials grant."""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING

from aiohttp import web

from simulator.oauth import OAuthError, basic_credentials

if TYPE_CHECKING:
    from simulator.oauth import Token

    from . import SmartcarV3
    from .model import V3App


class Iam:
    """The token endpoint: form, JSON or HTTP Basic client credentials."""

    def __init__(self, v3: SmartcarV3) -> None:
        """Serve tokens for the v3 applications."""
        self.v3 = v3

    async def token(self, request: web.Request) -> web.Response:
        """``{"access_token", "token_type": "Bearer", "expires_in": 3600}``."""
        try:
            token = await self._grant(request)
        except OAuthError as err:
            return web.json_response(err.body(), status=err.status)
        response = web.json_response(self.v3.iam.token_body(token, include_scope=False))
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _grant(self, request: web.Request) -> Token:
        if request.method != "POST":
            msg = "The token endpoint only accepts POST."
            raise OAuthError("invalid_request", msg, 405)
        fields = await _fields(request)
        grant_type = fields.get("grant_type")
        if not grant_type:
            msg = "grant_type is required."
            raise OAuthError("invalid_request", msg)
        if grant_type != "client_credentials":
            msg = "grant_type must be client_credentials."
            raise OAuthError("invalid_request", msg)
        credentials = basic_credentials(request.headers.get("Authorization"))
        if credentials is None:
            if not fields.get("client_id"):
                msg = "client_id is required."
                raise OAuthError("invalid_request", msg)
            credentials = (fields["client_id"], fields.get("client_secret", ""))
        app = self._authenticate(*credentials)
        client = self.v3.iam.clients[app.client_id]
        return self.v3.iam.client_credentials(client, ())

    def _authenticate(self, client_id: str, secret: str) -> V3App:
        app = self.v3.by_client.get(client_id)
        if app is None or not any(
            hmac.compare_digest(known.encode(), secret.encode())
            for known in app.client_secrets
        ):
            msg = "Client authentication failed: unknown client or wrong secret."
            raise OAuthError("invalid_client", msg, 401)
        return app


async def _fields(request: web.Request) -> dict[str, str]:
    """The request's parameters: a JSON object or a form."""
    if request.content_type == "application/json":
        try:
            data = json.loads(await request.read() or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            msg = "The request body is not valid JSON."
            raise OAuthError("invalid_request", msg) from None
        if not isinstance(data, dict):
            msg = "The request body must be a JSON object."
            raise OAuthError("invalid_request", msg)
        return {key: str(value) for key, value in data.items() if value is not None}
    form = await request.post()
    return {key: str(value) for key, value in form.items()}
