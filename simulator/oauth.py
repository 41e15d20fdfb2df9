"""An OAuth 2.0 authorization server core shared by both simulated providers.

Each provider wraps it with its own endpoints, error shapes and lifetimes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .clock import SimClock


class OAuthError(Exception):
    """An error answered with the OAuth body ``{"error", "error_description"}``."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        """Create the error."""
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        """The JSON body of the error."""
        return {"error": self.error, "error_description": self.description}


@dataclass
class OAuthClient:
    """A registered application."""

    client_id: str
    client_secret: str
    name: str = "Application"
    redirect_uris: list[str] = field(default_factory=list)
    default_scopes: list[str] = field(default_factory=list)
    management_token: str = ""

    @classmethod
    def from_spec(
        cls, spec: Mapping[str, Any], default_scopes: tuple[str, ...] = ()
    ) -> OAuthClient:
        """An application from its scenario description."""
        return cls(
            client_id=spec["client_id"],
            client_secret=spec["client_secret"],
            name=spec.get("name", "Application"),
            redirect_uris=list(spec.get("redirect_uris", [])),
            default_scopes=list(spec.get("scopes", default_scopes)),
            management_token=spec.get("management_token", ""),
        )

    def redirect_allowed(self, redirect_uri: str) -> bool:
        """Whether ``redirect_uri`` is registered (an empty list allows any)."""
        return not self.redirect_uris or redirect_uri in self.redirect_uris


@dataclass
class AuthCode:
    """An authorization code waiting to be exchanged."""

    code: str
    client_id: str
    user_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    grant: frozenset[str]
    expires_at: datetime
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    used: bool = False


@dataclass
class Token:
    """An access token with its refresh token."""

    access_token: str
    refresh_token: str | None
    client_id: str
    user_id: str | None
    scopes: tuple[str, ...]
    grant: frozenset[str]
    access_expires_at: datetime
    refresh_expires_at: datetime
    lifetime: int
    revoked: bool = False
    refresh_used: bool = False


def pkce_matches(verifier: str, challenge: str, method: str | None) -> bool:
    """Check a PKCE ``code_verifier`` against the stored challenge."""
    if method in (None, "plain"):
        return hmac.compare_digest(verifier, challenge)
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """Decode an HTTP Basic ``Authorization`` header into (id, secret)."""
    if not authorization or not authorization.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        return None
    return client_id, secret


class OAuthServer:
    """Codes and tokens for one provider."""

    def __init__(
        self,
        clock: SimClock,
        *,
        token_prefix: str,
        access_lifetime: int,
        refresh_lifetime: int,
        code_lifetime: int,
        revoke_access_on_refresh: bool,
    ) -> None:
        """Create an empty server."""
        self.clock = clock
        self.token_prefix = token_prefix
        self.access_lifetime = access_lifetime
        self.refresh_lifetime = refresh_lifetime
        self.code_lifetime = code_lifetime
        self.revoke_access_on_refresh = revoke_access_on_refresh
        self.clients: dict[str, OAuthClient] = {}
        self.codes: dict[str, AuthCode] = {}
        self.by_access: dict[str, Token] = {}
        self.by_refresh: dict[str, Token] = {}

    def _lifetime(self, seconds: int) -> timedelta:
        return timedelta(seconds=self.clock.protocol_seconds(seconds))

    # ----------------------------------------------------------------- client
    def authenticate_client(
        self,
        authorization: str | None,
        form: Mapping[str, str],
        *,
        allow_post: bool = True,
    ) -> OAuthClient:
        """Identify the client by HTTP Basic or (if allowed) body credentials."""
        credentials = basic_credentials(authorization)
        if credentials is None and allow_post and "client_id" in form:
            credentials = (form.get("client_id", ""), form.get("client_secret", ""))
        if credentials is None:
            msg = "Client authentication failed: no client credentials."
            raise OAuthError("invalid_client", msg, 401)
        client = self.clients.get(credentials[0])
        if client is None or not hmac.compare_digest(
            client.client_secret.encode(), credentials[1].encode()
        ):
            msg = "Client authentication failed: unknown client or wrong secret."
            raise OAuthError("invalid_client", msg, 401)
        return client

    # ------------------------------------------------------------------ codes
    def issue_code(
        self,
        client: OAuthClient,
        *,
        user_id: str,
        redirect_uri: str,
        scopes: tuple[str, ...],
        grant: frozenset[str],
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
    ) -> str:
        """Create an authorization code for an approved request."""
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(
            code=code,
            client_id=client.client_id,
            user_id=user_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            grant=grant,
            expires_at=self.clock.now() + self._lifetime(self.code_lifetime),
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
        )
        return code

    def exchange_code(
        self,
        client: OAuthClient,
        code: str,
        redirect_uri: str,
        code_verifier: str | None,
    ) -> Token:
        """The ``authorization_code`` grant."""
        stored = self.codes.get(code)
        if stored is None or stored.client_id != client.client_id:
            msg = "Invalid authorization code."
            raise OAuthError("invalid_grant", msg)
        if stored.used:
            msg = "Authorization code has already been used."
            raise OAuthError("invalid_grant", msg)
        if self.clock.now() >= stored.expires_at:
            msg = "Authorization code has expired."
            raise OAuthError("invalid_grant", msg)
        if stored.redirect_uri != redirect_uri:
            msg = "redirect_uri does not match the authorization request."
            raise OAuthError("invalid_grant", msg)
        if stored.code_challenge is not None:
            if not code_verifier:
                msg = "code_verifier is required."
                raise OAuthError("invalid_request", msg)
            if not pkce_matches(
                code_verifier, stored.code_challenge, stored.code_challenge_method
            ):
                msg = "code_verifier does not match the code_challenge."
                raise OAuthError("invalid_grant", msg)
        stored.used = True
        return self._issue(client, stored.user_id, stored.scopes, stored.grant)

    def _issue(
        self,
        client: OAuthClient,
        user_id: str | None,
        scopes: tuple[str, ...],
        grant: frozenset[str],
        *,
        with_refresh: bool = True,
    ) -> Token:
        now = self.clock.now()
        token = Token(
            access_token=f"{self.token_prefix}at_{secrets.token_urlsafe(24)}",
            refresh_token=(
                f"{self.token_prefix}rt_{secrets.token_urlsafe(24)}"
                if with_refresh
                else None
            ),
            client_id=client.client_id,
            user_id=user_id,
            scopes=scopes,
            grant=grant,
            access_expires_at=now + self._lifetime(self.access_lifetime),
            refresh_expires_at=now + self._lifetime(self.refresh_lifetime),
            lifetime=self.access_lifetime,
        )
        self.by_access[token.access_token] = token
        if token.refresh_token is not None:
            self.by_refresh[token.refresh_token] = token
        return token

    def refresh(self, client: OAuthClient, refresh_token: str) -> Token:
        """The ``refresh_token`` grant; refresh tokens rotate."""
        old = self.by_refresh.get(refresh_token)
        if old is None or old.client_id != client.client_id:
            msg = "Invalid refresh token."
            raise OAuthError("invalid_grant", msg)
        if old.revoked or old.refresh_used:
            msg = "Refresh token has been revoked."
            raise OAuthError("invalid_grant", msg)
        if self.clock.now() >= old.refresh_expires_at:
            msg = "Refresh token has expired."
            raise OAuthError("invalid_grant", msg)
        old.refresh_used = True
        if self.revoke_access_on_refresh:
            old.revoked = True
        return self._issue(client, old.user_id, old.scopes, old.grant)

    def client_credentials(self, client: OAuthClient, scopes: tuple[str, ...]) -> Token:
        """The ``client_credentials`` grant (no user, no refresh token)."""
        return self._issue(client, None, scopes, frozenset(), with_refresh=False)

    # ----------------------------------------------------------------- tokens
    def authenticate(self, access_token: str | None) -> Token | None:
        """The live token for an access token string, or None."""
        if not access_token:
            return None
        token = self.by_access.get(access_token)
        if token is None or token.revoked:
            return None
        if self.clock.now() >= token.access_expires_at:
            return None
        return token

    def revoke(self, token_string: str) -> bool:
        """Revoke an access or refresh token (and its pair)."""
        token = self.by_access.get(token_string) or self.by_refresh.get(token_string)
        if token is None:
            return False
        token.revoked = True
        return True

    def revoke_user(self, user_id: str, client_id: str | None = None) -> int:
        """Revoke every token of a user (optionally of one client)."""
        count = 0
        for token in self.by_access.values():
            if token.user_id == user_id and client_id in (None, token.client_id):
                if not token.revoked:
                    count += 1
                token.revoked = True
        return count

    def expire_all(self) -> None:
        """Make every access token expired now (for tests of refresh)."""
        now = self.clock.now()
        for token in self.by_access.values():
            token.access_expires_at = min(token.access_expires_at, now)

    def drop_vehicle(self, user_id: str, client_id: str, vehicle_key: str) -> None:
        """Remove a vehicle from the grants of a user's tokens for one client."""
        for token in self.by_access.values():
            if token.user_id == user_id and token.client_id == client_id:
                token.grant = token.grant - {vehicle_key}

    @staticmethod
    def token_body(token: Token, *, include_scope: bool) -> dict[str, object]:
        """The token endpoint's JSON answer."""
        body: dict[str, object] = {
            "access_token": token.access_token,
            "token_type": "Bearer",
            "expires_in": token.lifetime,
        }
        if token.refresh_token is not None:
            body["refresh_token"] = token.refresh_token
        if include_scope:
            body["scope"] = " ".join(token.scopes)
        return body


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()
