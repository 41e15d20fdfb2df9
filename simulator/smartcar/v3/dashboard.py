"""A small stand-in for the Smartcar Dashboard (``/_sim/smartcar/dashboard``).

The real Dashboard is where a person reads an application's Application ID,
client id and management token, and creates the webhook with the URL their
integration shows. The demo needs the same steps with no Smartcar account:
this page lists the simulator's v3 applications and takes a webhook URL
(Smartcar then sends VERIFY to it, as the real Dashboard does).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from . import SmartcarV3
    from .model import V3App, V3Webhook

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
    "padding:0 1rem;color:#222}code{background:#f3f3f3;padding:.1rem .3rem}"
    "table{border-collapse:collapse}td{padding:.2rem .6rem .2rem 0;"
    "vertical-align:top}input[type=url]{width:100%;padding:.4rem}"
    ".ok{color:#1b7f3b}.bad{color:#b00020}.muted{color:#666;font-size:.9rem}"
)


class Dashboard:
    """The page and its form."""

    def __init__(self, v3: SmartcarV3, path: str) -> None:
        """Serve the v3 applications at ``path``."""
        self.v3 = v3
        self.path = path

    @staticmethod
    def _webhook(app: V3App, webhook: V3Webhook) -> str:
        state = (
            '<span class="ok">verified</span>'
            if webhook.verified
            else '<span class="bad">not verified</span>'
        )
        url = html.escape(webhook.url or "")
        return (
            f"<h3>Webhook <code>{html.escape(webhook.id)}</code> ({state})</h3>"
            f'<form method="post"><input type="hidden" name="application_id" '
            f'value="{html.escape(app.application_id)}">'
            f'<input type="hidden" name="id" value="{html.escape(webhook.id)}">'
            f'<label>Callback URL <input type="url" name="url" value="{url}" '
            'required></label><label><input type="checkbox" name="auto_enroll"'
            f"{' checked' if webhook.auto_enroll else ''}> auto-enrollment</label>"
            " <button>Save (Smartcar sends VERIFY)</button></form>"
        )

    def _app(self, app: V3App) -> str:
        rows = (
            ("Application ID", app.application_id),
            ("Client ID", app.client_id),
            ("Client secret", app.client_secrets[0]),
            ("Application management token", app.management_token),
        )
        table = "".join(
            f"<tr><td>{name}</td><td><code>{html.escape(value)}</code></td></tr>"
            for name, value in rows
        )
        hooks = "".join(self._webhook(app, hook) for hook in app.webhooks.values())
        return f"<h2>{html.escape(app.name)}</h2><table>{table}</table>{hooks}"

    async def page(self, _request: web.Request) -> web.Response:
        """Every v3 application with its values and webhooks."""
        body = "".join(self._app(app) for app in self.v3.apps.values())
        return web.Response(
            content_type="text/html",
            text=(
                "<!doctype html><title>Smartcar Dashboard (simulator)</title>"
                f"<style>{STYLE}</style><h1>Smartcar Dashboard (simulator)</h1>"
                '<p class="muted">Local simulator: paste the webhook URL EV '
                "Battery shows after set-up, as you would in Smartcar's "
                f"Dashboard.</p>{body}"
            ),
        )

    async def save(self, request: web.Request) -> web.StreamResponse:
        """Set a webhook's URL (and auto-enrollment), then verify it."""
        form = await request.post()
        app = self.v3.apps.get(str(form.get("application_id", "")))
        webhook = app.webhooks.get(str(form.get("id", ""))) if app else None
        url = str(form.get("url", "")).strip()
        if webhook is None or not url.startswith(("http://", "https://")):
            raise web.HTTPBadRequest(text="unknown webhook or not an http(s) URL")
        webhook.url = url
        webhook.auto_enroll = form.get("auto_enroll") == "on"
        await self.v3.sender.verify(webhook)
        raise web.HTTPSeeOther(self.path)


def register_dashboard(app: web.Application, v3: SmartcarV3, path: str) -> None:
    """Add the page at ``path``."""
    dashboard = Dashboard(v3, path)
    app.router.add_get(path, dashboard.page)
    app.router.add_post(path, dashboard.save)
