"""ev.energy's OAuth endpoints (django-oauth-toolkit style): ``/o/...``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from simulator.consent import (
    Account,
    ConsentFlow,
    PendingAuthorization,
    error_page,
    issue_code,
    redirect_back,
)
from simulator.oauth import OAuthClient, OAuthError, OAuthServer, Token

from .choices import PKCE_METHODS, TOKEN_BODY_INCLUDES_SCOPE

if TYPE_CHECKING:
    from multidict import MultiMapping

    from . import EvEnergy

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
SCOPE_TEXT = {
    "vehicle:read": "See your vehicles and their charging status",
    "vehicle:write": "Add vehicles and change their charge limit",
    "user:read": "See your profile",
    "user:write": "Change your profile",
    "charging_session:read": "See your charging history",
    "charging_session:write": "Manage your charging sessions",
}


def oauth_error(err: OAuthError) -> web.Response:
    """The OAuth error body ``{"error", "error_description"}``."""
    response = web.json_response(err.body(), status=err.status)
    response.headers.update(NO_STORE)
    return response


def parse_scopes(raw: str | None, client: OAuthClient) -> tuple[str, ...]:
    """The requested scopes (default: the application's), or invalid_scope."""
    if not raw or not raw.split():
        return tuple(client.default_scopes)
    scopes = tuple(dict.fromkeys(raw.replace("+", " ").split()))
    unknown = [scope for scope in scopes if scope not in client.default_scopes]
    if unknown:
        msg = f"Scope(s) not allowed for this application: {' '.join(unknown)}."
        raise OAuthError("invalid_scope", msg)
    return scopes


class Authorization:
    """``/o/authorize/``, ``/o/token/`` and ``/o/revoke_token/``."""

    def __init__(self, provider: EvEnergy, oauth: OAuthServer) -> None:
        """Serve ``provider``'s accounts with ``oauth``'s codes and tokens."""
        self.provider = provider
        self.oauth = oauth
        self.flow = ConsentFlow(provider, "", choose_vehicles=False)

    # ------------------------------------------------------------ authorize
    async def authorize(self, request: web.Request) -> web.StreamResponse:
        """GET shows the sign-in page (or auto-approves); POST takes the forms."""
        if request.method == "POST":
            return await self.flow.handle_post(request, self._approve)
        if request.method != "GET":
            return error_page(self.provider.brand, "Method not allowed.", 405)
        query = request.query
        client = self.oauth.clients.get(query.get("client_id", ""))
        if client is None:
            return error_page(self.provider.brand, "Invalid client_id parameter value.")
        redirect_uri = query.get("redirect_uri") or (
            client.redirect_uris[0] if len(client.redirect_uris) == 1 else ""
        )
        if not redirect_uri or not client.redirect_allowed(redirect_uri):
            return error_page(
                self.provider.brand, "Mismatching or missing redirect_uri."
            )
        pending = PendingAuthorization(
            request_id="",
            client=client,
            redirect_uri=redirect_uri,
            scopes=(),
            state=query.get("state"),
            code_challenge=query.get("code_challenge"),
            code_challenge_method=query.get("code_challenge_method"),
        )
        try:
            pending.scopes = self._check(query, client)
        except OAuthError as err:
            raise redirect_back(
                pending, error=err.error, error_description=err.description
            ) from None
        account = (
            self.provider.account_by_id(self.provider.sim.auto_approve)
            if self.provider.sim.auto_approve
            else None
        )
        if account is not None:
            raise redirect_back(
                pending, code=self._approve(pending, account, frozenset())
            )
        started = self.flow.start(pending)
        return self.flow.login_page(started)

    @staticmethod
    def _check(query: MultiMapping[str], client: OAuthClient) -> tuple[str, ...]:
        if query.get("response_type") != "code":
            msg = "response_type must be 'code'."
            raise OAuthError("unsupported_response_type", msg)
        method = query.get("code_challenge_method")
        if method is not None and method not in PKCE_METHODS:
            msg = "Transform algorithm not supported."
            raise OAuthError("invalid_request", msg)
        return parse_scopes(query.get("scope"), client)

    def _approve(
        self,
        pending: PendingAuthorization,
        account: Account,
        vehicles: frozenset[str],  # noqa: ARG002 - the consent flow's signature
    ) -> str:
        """Issue a code: an ev.energy user shares every vehicle."""
        return issue_code(self.oauth, pending, account, frozenset())

    # ----------------------------------------------------------------- token
    async def token(self, request: web.Request) -> web.Response:
        """``POST /o/token/``: authorization_code, refresh_token, client_credentials."""
        try:
            token = await self._token(request)
        except OAuthError as err:
            return oauth_error(err)
        body = self.oauth.token_body(token, include_scope=TOKEN_BODY_INCLUDES_SCOPE)
        response = web.json_response(body)
        response.headers.update(NO_STORE)
        return response

    async def _form(self, request: web.Request) -> tuple[OAuthClient, dict[str, str]]:
        if request.method != "POST":
            msg = "The token endpoint only accepts POST."
            raise OAuthError("invalid_request", msg, 405)
        form = {key: str(value) for key, value in (await request.post()).items()}
        client = self.oauth.authenticate_client(
            request.headers.get("Authorization"), form
        )
        return client, form

    async def _token(self, request: web.Request) -> Token:
        client, form = await self._form(request)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            if not form.get("code"):
                msg = "Missing code parameter."
                raise OAuthError("invalid_request", msg)
            return self.oauth.exchange_code(
                client,
                form["code"],
                form.get("redirect_uri", ""),
                form.get("code_verifier"),
            )
        if grant_type == "refresh_token":
            if not form.get("refresh_token"):
                msg = "Missing refresh token parameter."
                raise OAuthError("invalid_request", msg)
            return self.oauth.refresh(client, form["refresh_token"])
        if grant_type == "client_credentials":
            scopes = parse_scopes(form.get("scope"), client)
            return self.oauth.client_credentials(client, scopes)
        msg = (
            "grant_type must be authorization_code, refresh_token "
            "or client_credentials."
        )
        raise OAuthError("unsupported_grant_type", msg)

    # ---------------------------------------------------------------- revoke
    async def revoke(self, request: web.Request) -> web.Response:
        """``POST /o/revoke_token/`` (RFC 7009: 200 even for unknown tokens)."""
        try:
            client, form = await self._form(request)
        except OAuthError as err:
            return oauth_error(err)
        value = form.get("token", "")
        token = self.oauth.by_access.get(value) or self.oauth.by_refresh.get(value)
        if token is not None and token.client_id == client.client_id:
            self.oauth.revoke(value)
        return web.Response(status=200, headers=NO_STORE)
