"""The sign-in and consent pages both providers show during authorization."""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from aiohttp import web
from yarl import URL

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .oauth import OAuthClient, OAuthServer

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;
padding:0 1rem;color:#222}}
h1{{font-size:1.4rem}}
.box{{border:1px solid #ccc;border-radius:8px;padding:1rem 1.25rem}}
label{{display:block;margin:.5rem 0}}
input[type=text],input[type=password]{{width:100%;padding:.4rem}}
button{{padding:.5rem 1.2rem;margin:.75rem .5rem 0 0;border-radius:6px;
border:1px solid #555}}
.approve{{background:#1a73e8;color:#fff;border-color:#1a73e8}}
.muted{{color:#666;font-size:.9rem}}
.error{{color:#b00020}}
</style></head>
<body><h1>{title}</h1><div class="box">{body}</div>
<p class="muted">Local simulator: nothing here reaches the real service.</p>
</body></html>"""


@dataclass
class Account:
    """What a consent page needs to know about a user."""

    user_id: str
    username: str
    password: str
    vehicles: list[tuple[str, str]] = field(default_factory=list)  # (key, label)


class ConsentBackend(Protocol):
    """The provider-specific parts of a consent flow."""

    brand: str

    def find_account(self, username: str, password: str) -> Account | None:
        """The account that signs in with these credentials."""

    def account_by_id(self, user_id: str) -> Account | None:
        """The account with this user id."""

    def describe_scope(self, scope: str) -> str:
        """A person-readable text for one permission."""


@dataclass
class PendingAuthorization:
    """An authorization request between the first page and the decision."""

    request_id: str
    client: OAuthClient
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    single_select: bool = False
    account: Account | None = None
    # Permissions the application marked required (Smartcar's ``required:``).
    required: frozenset[str] = frozenset()
    # Smartcar Connect's ``mode`` (live, simulated, test).
    mode: str = "live"


def render(title: str, body: str, status: int = 200) -> web.Response:
    """An HTML page."""
    return web.Response(
        text=PAGE.format(title=html.escape(title), body=body),
        status=status,
        content_type="text/html",
    )


def error_page(brand: str, message: str, status: int = 400) -> web.Response:
    """An HTML error page, used when the request cannot be redirected back."""
    return render(
        f"{brand}: authorization error",
        f'<p class="error">{html.escape(message)}</p>',
        status,
    )


def issue_code(
    oauth: OAuthServer,
    pending: PendingAuthorization,
    account: Account,
    vehicles: frozenset[str],
) -> str:
    """An authorization code for an approved request."""
    return oauth.issue_code(
        pending.client,
        user_id=account.user_id,
        redirect_uri=pending.redirect_uri,
        scopes=pending.scopes,
        grant=vehicles,
        code_challenge=pending.code_challenge,
        code_challenge_method=pending.code_challenge_method,
    )


def approval_query(approved: str | Mapping[str, str]) -> dict[str, str]:
    """The redirect's query for an approval: a code, or the given parameters."""
    if isinstance(approved, str):
        return {"code": approved}
    return dict(approved)


def redirect_back(pending: PendingAuthorization, **params: str) -> web.HTTPFound:
    """A redirect to the client's redirect URI with ``params`` and the state."""
    query = dict(params)
    if pending.state is not None:
        query["state"] = pending.state
    location = URL(pending.redirect_uri).update_query(query)
    return web.HTTPFound(location=str(location))


class ConsentFlow:
    """Sign-in, vehicle choice and approval, as HTML forms."""

    def __init__(
        self, backend: ConsentBackend, action_path: str, *, choose_vehicles: bool = True
    ) -> None:
        """Create the flow; forms post to ``action_path``.

        With ``choose_vehicles`` False (ev.energy shares every vehicle of the
        account) the consent page lists the vehicles without check boxes.
        """
        self.backend = backend
        self.action_path = action_path
        self.choose_vehicles = choose_vehicles
        self.pending: dict[str, PendingAuthorization] = {}

    def start(self, pending: PendingAuthorization) -> PendingAuthorization:
        """Remember a validated request under a fresh request id."""
        pending.request_id = secrets.token_urlsafe(16)
        self.pending[pending.request_id] = pending
        return pending

    def login_page(
        self, pending: PendingAuthorization, error: str = ""
    ) -> web.Response:
        """The sign-in form."""
        brand = html.escape(self.backend.brand)
        client = html.escape(pending.client.name)
        notice = f'<p class="error">{html.escape(error)}</p>' if error else ""
        body = (
            f"<p><b>{client}</b> wants to connect to your {brand} account.</p>"
            f"{notice}"
            f'<form method="post" action="{html.escape(self.action_path)}">'
            f'<input type="hidden" name="request_id" value="{pending.request_id}">'
            '<input type="hidden" name="step" value="login">'
            '<label>Email or username <input type="text" name="username" '
            'autocomplete="username" required></label>'
            '<label>Password <input type="password" name="password" '
            'autocomplete="current-password" required></label>'
            '<button class="approve" type="submit">Sign in</button></form>'
        )
        return render(f"Sign in to {self.backend.brand}", body)

    def consent_page(self, pending: PendingAuthorization) -> web.Response:
        """The page that lists vehicles and permissions, with Approve and Deny."""
        account = pending.account
        if account is None:  # pragma: no cover - guarded by the caller
            return self.login_page(pending)
        vehicles = self._vehicle_list(pending, account)
        scopes = "".join(
            f"<li>{html.escape(self.backend.describe_scope(scope))}"
            f"{' <b>(required)</b>' if scope in pending.required else ''}</li>"
            for scope in pending.scopes
        )
        body = (
            f"<p>Signed in as <b>{html.escape(account.username)}</b>.</p>"
            f"<p><b>{html.escape(pending.client.name)}</b> asks for:</p>"
            f"<ul>{scopes or '<li>Basic access</li>'}</ul>"
            f'<form method="post" action="{html.escape(self.action_path)}">'
            f'<input type="hidden" name="request_id" value="{pending.request_id}">'
            f"<fieldset><legend>Vehicles to share</legend>"
            f"{vehicles or '<p class=muted>No vehicles on this account.</p>'}"
            "</fieldset>"
            '<button class="approve" type="submit" name="step" value="approve">'
            "Allow</button>"
            '<button type="submit" name="step" value="deny">Deny</button></form>'
        )
        return render(f"Connect to {pending.client.name}", body)

    def _vehicle_list(self, pending: PendingAuthorization, account: Account) -> str:
        if not self.choose_vehicles:
            items = "".join(
                f"<li>{html.escape(label)}</li>" for _, label in account.vehicles
            )
            return f"<ul>{items}</ul>" if items else ""
        input_type = "radio" if pending.single_select else "checkbox"
        return "".join(
            f'<label><input type="{input_type}" name="vehicle" '
            f'value="{html.escape(key)}"'
            f"{' checked' if index == 0 or not pending.single_select else ''}> "
            f"{html.escape(label)}</label>"
            for index, (key, label) in enumerate(account.vehicles)
        )

    async def handle_post(
        self,
        request: web.Request,
        approve: _Approver,
    ) -> web.StreamResponse:
        """Advance a pending authorization from a submitted form."""
        form = await request.post()
        pending = self.pending.get(str(form.get("request_id", "")))
        if pending is None:
            return error_page(
                self.backend.brand, "This sign-in request has expired or is unknown."
            )
        step = str(form.get("step", ""))
        if step == "login":
            account = self.backend.find_account(
                str(form.get("username", "")), str(form.get("password", ""))
            )
            if account is None:
                return self.login_page(pending, "Wrong username or password.")
            pending.account = account
            return self.consent_page(pending)
        if pending.account is None:
            return self.login_page(pending, "Please sign in first.")
        del self.pending[pending.request_id]
        if step == "deny":
            raise redirect_back(
                pending,
                error="access_denied",
                error_description="User denied access to application.",
            )
        owned = {key for key, _ in pending.account.vehicles}
        chosen = [str(v) for v in form.getall("vehicle", []) if str(v) in owned]
        if pending.single_select:
            chosen = chosen[:1]
        approved = approve(pending, pending.account, frozenset(chosen))
        raise redirect_back(pending, **approval_query(approved))


class _Approver(Protocol):
    def __call__(
        self,
        pending: PendingAuthorization,
        account: Account,
        vehicles: frozenset[str],
    ) -> str | Mapping[str, str]:
        """Issue a code (or the redirect's parameters) for the approved request."""
