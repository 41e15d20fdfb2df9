"""Provision the demo's Home Assistant, and optionally smoke-test the integration.

``scripts/demo`` runs this once both servers are started. It

1. waits until the simulator and Home Assistant answer (and fails at once if
   either process given with ``--pid`` has died);
2. completes onboarding over REST on a fresh configuration, creating the demo
   user (``demo`` / ``demo``);
3. logs in as that user and creates the two application credentials for
   ``ev_battery`` over the websocket API, unless they exist already;
4. with ``--check``: runs the config flow for the Smartcar v3 application
   over REST, approving the sign-in with the simulator's auto-approve, pastes
   the webhook URL the flow shows into the simulated Dashboard, waits for the
   first pushed delivery, and checks that the entry is loaded and
   ``sensor.*state_of_charge*`` entities have states.

Usage: ``python demo/provision.py [--ha-url URL] [--sim-url URL] [--pid PID]...
[--check]``. The exit status is 0 on success and 1 on any failure.
"""

# A stand-alone script, not part of a package.
# ruff: noqa: INP001

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import os
import re
import sys
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn
from urllib.parse import urlsplit

import aiohttp

if TYPE_CHECKING:
    from collections.abc import Sequence

DOMAIN: Final = "ev_battery"
HA_URL: Final = "http://127.0.0.1:8123"
SIM_URL: Final = "http://127.0.0.1:8765"
LOG_FILE: Final = Path(__file__).parent / "config" / "home-assistant.log"

# The demo user that onboarding creates (documented in demo/README.md).
DEMO_NAME: Final = "Demo"
DEMO_USERNAME: Final = "demo"
DEMO_PASSWORD: Final = "demo"  # noqa: S105  (a published demo login)
# The simulator's user that --check signs in as.
SIM_USER: Final = "driver@example.com"


@dataclass(frozen=True, slots=True)
class Credential:
    """An application credential to create for the integration."""

    name: str
    client_id: str
    client_secret: str


# The simulator's demo applications (simulator/scenarios/default.json): a
# Smartcar v3 application (what the Dashboard creates today; the default),
# ev.energy, and a Smartcar v2.0 application.
CREDENTIALS: Final = (
    Credential(
        "Smartcar v3 (simulator)",
        "client_3f9a1c7e5b2d4a6c8e0f",
        "sc3-demo-client-secret",
    ),
    Credential(
        "Smartcar v2.0 (simulator)",
        "sc-demo-client-id",
        "sc-demo-client-secret",
    ),
    Credential(
        "ev.energy (simulator)",
        "ee-demo-client-id",
        "ee-demo-client-secret",
    ),
)

# The v3 application's other Dashboard values, and its webhook.
V3_APPLICATION_ID: Final = "8d1c6b0e-2f4a-4c3b-9e7d-5a6f1b2c3d4e"
V3_MANAGEMENT_TOKEN: Final = "sc3-demo-management-token"  # noqa: S105 (demo)
V3_WEBHOOK: Final = "wh-v3-demo"
SOLAR_AUTOMATION: Final = "automation.charge_the_tesla_on_solar_surplus"
CALLBACKS: Final = ("/auth/external/callback", f"/api/{DOMAIN}/smartcar/connect")

# Entries that finishing onboarding creates and the demo removes.
ONBOARDING_DOMAINS: Final = frozenset({"google_translate", "shopping_list"})
ONBOARDING_ENTRIES_TIMEOUT: Final = 10.0
START_TIMEOUT: Final = 180.0
STATES_TIMEOUT: Final = 60.0
FLOW_TIMEOUT: Final = 60.0
MAX_FLOW_STEPS: Final = 12
NOT_A_VALUE: Final = frozenset({"unavailable", "unknown", ""})


class ProvisionError(Exception):
    """A step failed; the message says which and why."""


def fail(message: str) -> NoReturn:
    """Stop provisioning with ``message``."""
    raise ProvisionError(message)


def page_text(page: str) -> str:
    """The readable text of an HTML page, on one line."""
    body = re.sub(r"<(head|style|script)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def process_alive(pid: int) -> bool:
    """Whether ``pid`` runs: neither gone nor a zombie awaiting its parent.

    The shell that started the servers reaps them only after this script
    ends, so an exited server stays a zombie meanwhile; /proc tells.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return True  # no /proc (not Linux): trust kill()
    # The state follows the command name, which is in parentheses.
    return stat.rpartition(")")[2].split()[0] not in {"Z", "X"}


def say(message: str = "") -> None:
    """Print a progress line (flushed, so it interleaves with the shell's)."""
    sys.stdout.write(f"{message}\n")
    sys.stdout.flush()


@dataclass(slots=True)
class Demo:
    """The running demo: where Home Assistant and the simulator listen."""

    session: aiohttp.ClientSession
    ha_url: str
    sim_url: str
    pids: Sequence[int] = ()
    token: str = ""
    credential_ids: dict[str, str] = field(default_factory=dict)

    @property
    def client_id(self) -> str:
        """The OAuth client id of this script (HA uses URLs as client ids)."""
        return f"{self.ha_url}/"

    def auth_headers(self) -> dict[str, str]:
        """Headers for Home Assistant's authenticated REST API."""
        return {"Authorization": f"Bearer {self.token}"}

    def flow_headers(self) -> dict[str, str]:
        """Headers for config flow calls.

        Without the ``my`` integration Home Assistant builds the OAuth
        redirect_uri from ``HA-Frontend-Base``, which the frontend sends.
        """
        return {**self.auth_headers(), "HA-Frontend-Base": self.ha_url}

    # -- start-up ---------------------------------------------------------

    def check_processes(self) -> None:
        """Fail if a server process given on the command line has exited."""
        for pid in self.pids:
            if not process_alive(pid):
                fail(f"process {pid} exited during start-up")

    async def wait_for(self, name: str, url: str) -> float:
        """Wait until ``url`` answers 200; return the seconds it took."""
        started = time.monotonic()
        deadline = started + START_TIMEOUT
        while True:
            self.check_processes()
            try:
                async with self.session.get(url) as response:
                    if response.status == HTTPStatus.OK:
                        return time.monotonic() - started
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                fail(f"{name} did not answer {url} within {START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.5)

    async def wait_for_servers(self) -> None:
        """Wait for the simulator and Home Assistant."""
        took = await self.wait_for("the simulator", f"{self.sim_url}/_sim/state")
        say(f"  simulator answers on {self.sim_url} ({took:.1f} s)")
        # The frontend's manifest is served once the frontend is set up.
        took = await self.wait_for("Home Assistant", f"{self.ha_url}/manifest.json")
        say(f"  Home Assistant answers on {self.ha_url} ({took:.1f} s)")

    # -- REST helpers -----------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        expect: Sequence[int] = (HTTPStatus.OK,),
    ) -> Any:
        """Call Home Assistant; return the JSON body (None when empty)."""
        async with self.session.request(
            method, f"{self.ha_url}{path}", json=json, data=data, headers=headers
        ) as response:
            text = await response.text()
            if response.status not in expect:
                fail(f"{method} {path} returned {response.status}: {text[:500]}")
            if not text:
                return None
            return await response.json(content_type=None)

    # -- onboarding and login ---------------------------------------------

    async def onboarding_steps(self) -> list[str]:
        """The onboarding steps still to do (none once onboarded)."""
        async with self.session.get(f"{self.ha_url}/api/onboarding") as response:
            if response.status == HTTPStatus.NOT_FOUND:
                return []
            if response.status != HTTPStatus.OK:
                text = await response.text()
                fail(f"GET /api/onboarding: {response.status} {text}")
            steps: list[dict[str, Any]] = await response.json()
        return [step["step"] for step in steps if not step["done"]]

    async def token_from_code(self, code: str) -> None:
        """Exchange an authorization code for an access token."""
        body = await self.request(
            "POST",
            "/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": self.client_id,
            },
        )
        self.token = body["access_token"]

    async def login(self) -> None:
        """Log in as the demo user through the login flow."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            json={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.client_id,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            json={
                "client_id": self.client_id,
                "username": DEMO_USERNAME,
                "password": DEMO_PASSWORD,
            },
        )
        if result.get("type") != "create_entry":
            fail(
                f"cannot log in as {DEMO_USERNAME}/{DEMO_PASSWORD}: {result}. "
                "Was the demo user changed? `scripts/demo --reset` starts afresh."
            )
        await self.token_from_code(result["result"])

    async def onboard(self) -> None:
        """Complete the onboarding steps still open, then log in."""
        todo = await self.onboarding_steps()
        if not todo:
            say("  onboarding: already done")
        if "user" in todo:
            body = await self.request(
                "POST",
                "/api/onboarding/users",
                json={
                    "client_id": self.client_id,
                    "name": DEMO_NAME,
                    "username": DEMO_USERNAME,
                    "password": DEMO_PASSWORD,
                    "language": "en",
                },
            )
            await self.token_from_code(body["auth_code"])
            say(f"  onboarding: created user {DEMO_USERNAME!r}")
        else:
            await self.login()
        for step in ("core_config", "analytics"):
            if step in todo:
                await self.request(
                    "POST",
                    f"/api/onboarding/{step}",
                    json={},
                    headers=self.auth_headers(),
                )
                say(f"  onboarding: {step} done")
        if "integration" in todo:
            await self.request(
                "POST",
                "/api/onboarding/integration",
                json={"client_id": self.client_id, "redirect_uri": self.client_id},
                headers=self.auth_headers(),
            )
            say("  onboarding: integration done")
        if "core_config" in todo:
            await self.remove_onboarding_entries()
            # A country and units, so that Home Assistant raises no repair.
            await self.websocket(
                {
                    "type": "config/core/update",
                    "country": "NL",
                    "currency": "EUR",
                    "unit_system": "metric",
                }
            )
            say("  onboarding: country and units set")

    async def remove_onboarding_entries(self) -> None:
        """Remove the entries that finishing onboarding adds by itself.

        Finishing the ``core_config`` step starts flows for Google Translate,
        Met, Radio Browser and Shopping list. The demo installs none of their
        packages and has no internet, so Google Translate would show as
        "Failed to set up"; remove it and the shopping list to keep the
        integrations page about EV Battery. (Met and Radio Browser only log an
        import error.)
        """
        deadline = time.monotonic() + ONBOARDING_ENTRIES_TIMEOUT
        while True:
            entries = await self.request(
                "GET", "/api/config/config_entries/entry", headers=self.auth_headers()
            )
            found = [
                entry
                for entry in entries
                if entry["domain"] in ONBOARDING_DOMAINS
                and entry.get("source") == "onboarding"
            ]
            if len(found) == len(ONBOARDING_DOMAINS) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        for entry in found:
            await self.request(
                "DELETE",
                f"/api/config/config_entries/entry/{entry['entry_id']}",
                headers=self.auth_headers(),
            )
            say(f"  onboarding: removed the {entry['title']!r} entry")

    # -- application credentials ------------------------------------------

    async def websocket(self, *messages: dict[str, Any]) -> list[Any]:
        """Send commands over the websocket API; return their results."""
        results: list[Any] = []
        url = f"{self.ha_url.replace('http', 'ws', 1)}/api/websocket"
        async with self.session.ws_connect(url) as ws:
            greeting = await ws.receive_json()
            if greeting.get("type") != "auth_required":
                fail(f"websocket: unexpected greeting {greeting}")
            await ws.send_json({"type": "auth", "access_token": self.token})
            reply = await ws.receive_json()
            if reply.get("type") != "auth_ok":
                fail(f"websocket: authentication failed: {reply}")
            for number, message in enumerate(messages, start=1):
                await ws.send_json({"id": number, **message})
                while True:
                    reply = await ws.receive_json()
                    if reply.get("id") == number and reply.get("type") == "result":
                        break
                if not reply.get("success"):
                    fail(f"websocket {message['type']}: {reply.get('error')}")
                results.append(reply.get("result"))
        return results

    async def create_credentials(self) -> None:
        """Create the two demo credentials unless they exist already."""
        (existing,) = await self.websocket({"type": "application_credentials/list"})
        by_client = {
            item["client_id"]: item for item in existing if item["domain"] == DOMAIN
        }
        for credential in CREDENTIALS:
            if (item := by_client.get(credential.client_id)) is not None:
                say(f"  credential {item.get('name')!r}: exists ({item['id']})")
            else:
                (item,) = await self.websocket(
                    {
                        "type": "application_credentials/create",
                        "domain": DOMAIN,
                        "client_id": credential.client_id,
                        "client_secret": credential.client_secret,
                        "name": credential.name,
                    }
                )
                say(f"  credential {credential.name!r}: created ({item['id']})")
            self.credential_ids[credential.client_id] = item["id"]

    # -- the smoke check --------------------------------------------------

    async def set_auto_approve(self, user: str | None) -> None:
        """Make the simulator's authorize pages approve at once (or not)."""
        async with self.session.put(
            f"{self.sim_url}/_sim/config", json={"auto_approve": user}
        ) as response:
            if response.status != HTTPStatus.OK:
                text = await response.text()
                fail(f"simulator auto-approve: {response.status} {text}")

    async def start_flow(self) -> dict[str, Any]:
        """Start the integration's config flow."""
        async with self.session.post(
            f"{self.ha_url}/api/config/config_entries/flow",
            json={"handler": DOMAIN, "show_advanced_options": False},
            headers=self.flow_headers(),
        ) as response:
            text = await response.text()
            if response.status != HTTPStatus.OK:
                fail(
                    f"cannot start the {DOMAIN} config flow: HTTP {response.status} "
                    f"{text[:300]}. The integration's config flow is missing or "
                    f"failed to load (custom_components/{DOMAIN}/config_flow.py, "
                    f"manifest 'config_flow': true); see {LOG_FILE}."
                )
            result: dict[str, Any] = await response.json(content_type=None)
            return result

    async def configure(self, flow_id: str, user_input: dict[str, Any]) -> Any:
        """Answer the flow's current step."""
        return await self.request(
            "POST",
            f"/api/config/config_entries/flow/{flow_id}",
            json=user_input,
            headers=self.flow_headers(),
        )

    def pick_implementation(self, step: dict[str, Any]) -> dict[str, Any]:
        """The answer to ``pick_implementation``: the Smartcar v3 credential."""
        wanted = self.credential_ids.get(CREDENTIALS[0].client_id, "")
        options: list[list[str]] = []
        for item in step.get("data_schema", []):
            if item.get("name") == "implementation":
                options = item.get("options", [])
        keys = [key for key, _ in options]
        if wanted in keys:
            return {"implementation": wanted}
        for key, label in options:
            if "smartcar" in str(label).lower():
                return {"implementation": key}
        fail(f"pick_implementation offers no Smartcar credential: {options}")

    async def follow_authorize(self, url: str) -> None:
        """Act as the browser: open the authorize URL and follow redirects.

        With auto-approve the simulator redirects at once to Home Assistant's
        ``/auth/external/callback``, which resumes the flow.
        """
        say(f"  external step: {url.split('?', maxsplit=1)[0]}")
        async with self.session.get(url, allow_redirects=True) as response:
            page = await response.text()
            final = urlsplit(str(response.url))
            hops = " -> ".join(
                f"{urlsplit(str(r.url)).path} ({r.status})" for r in response.history
            )
            hops = hops or "no redirect"
            if final.path not in CALLBACKS:
                fail(
                    "the authorize URL did not lead to Home Assistant's callback: "
                    f"it ended at {final.netloc}{final.path} with HTTP "
                    f"{response.status} ({hops}); the page says: "
                    f"{page_text(page)[:300]!r}"
                )
            if response.status != HTTPStatus.OK:
                fail(f"callback answered HTTP {response.status}")
            if "error=" in final.query:
                fail(f"the provider returned an error: {final.query}")
        say(f"  redirected to {final.path} (via {hops})")

    async def wait_progress(self, flow_id: str) -> Any:
        """Wait while the flow shows progress; return the next step."""
        deadline = time.monotonic() + FLOW_TIMEOUT
        while time.monotonic() < deadline:
            await asyncio.sleep(1)
            step = await self.request(
                "GET",
                f"/api/config/config_entries/flow/{flow_id}",
                headers=self.flow_headers(),
            )
            if step.get("type") != "progress":
                return step
        fail(f"the flow stayed in progress for {FLOW_TIMEOUT:.0f} s")

    def form_answer(self, step: dict[str, Any]) -> dict[str, Any]:
        """What to submit to a form step."""
        step_id = step.get("step_id")
        if step.get("errors"):
            fail(f"step {step_id!r} reports errors: {step['errors']}")
        if step_id == "user":
            say("  step 'user': provider = smartcar")
            return {"provider": "smartcar"}
        if step_id == "smartcar_v3":
            say("  step 'smartcar_v3': Application ID and management token")
            return {
                "application_id": V3_APPLICATION_ID,
                "management_token": V3_MANAGEMENT_TOKEN,
            }
        if step_id == "pick_implementation":
            answer = self.pick_implementation(step)
            say(f"  step 'pick_implementation': {answer['implementation']}")
            return answer
        say(f"  step {step_id!r}: submitting the defaults")
        return {}

    async def next_step(self, step: dict[str, Any]) -> Any:
        """Answer one step of the flow; return the one after it."""
        flow_id = step["flow_id"]
        kind, step_id = step.get("type"), step.get("step_id")
        if kind == "form":
            return await self.configure(flow_id, self.form_answer(step))
        if kind == "external":
            await self.follow_authorize(step["url"])
            return await self.configure(flow_id, {})
        if kind == "external_done":
            return await self.configure(flow_id, {})
        if kind == "progress":
            return await self.wait_progress(flow_id)
        fail(f"unexpected flow step {kind!r} {step_id!r}: {step}")

    async def run_flow(self) -> dict[str, Any]:
        """Run the config flow to its end; return the created entry."""
        step = await self.start_flow()
        flow_id = step.get("flow_id")
        try:
            for _ in range(MAX_FLOW_STEPS):
                kind = step.get("type")
                if kind == "create_entry":
                    result: dict[str, Any] = step.get("result") or {}
                    say(f"  entry created: {step.get('title')!r}")
                    placeholders = step.get("description_placeholders") or {}
                    result["webhook_url"] = placeholders.get("webhook_url")
                    return result
                if kind == "abort":
                    fail(
                        f"the flow aborted: reason {step.get('reason')!r} "
                        f"{step.get('description_placeholders') or ''}"
                    )
                step = await self.next_step(step)
            fail(f"the flow did not end in {MAX_FLOW_STEPS} steps")
        except ProvisionError:
            await self.abort_flow(flow_id)
            raise

    async def abort_flow(self, flow_id: str | None) -> None:
        """Remove an unfinished flow (it may have ended already)."""
        if flow_id:
            await self.request(
                "DELETE",
                f"/api/config/config_entries/flow/{flow_id}",
                headers=self.auth_headers(),
                expect=(HTTPStatus.OK, HTTPStatus.NOT_FOUND),
            )

    async def entries(self) -> list[dict[str, Any]]:
        """The integration's config entries."""
        (result,) = await self.websocket(
            {"type": "config_entries/get", "domain": DOMAIN}
        )
        entries: list[dict[str, Any]] = result
        return entries

    async def use_webhook(self, url: str | None) -> None:
        """Paste the webhook URL in the (simulated) Dashboard; wait for push."""
        if not url:
            fail("the entry-created dialog shows no webhook URL for push")
        say(f"  webhook URL: {url}")
        async with self.session.post(
            f"{self.sim_url}/_sim/smartcar/v3/webhooks",
            json={"id": V3_WEBHOOK, "url": url, "auto_enroll": True},
        ) as response:
            webhook = await response.json(content_type=None)
        if not webhook.get("verified"):
            fail(f"Home Assistant did not answer Smartcar's VERIFY: {webhook}")
        say("  Smartcar verified the webhook; waiting for the first delivery")
        deadline = time.monotonic() + STATES_TIMEOUT
        while time.monotonic() < deadline:
            async with self.session.get(
                f"{self.sim_url}/_sim/smartcar/v3/deliveries",
                params={"event_type": "FIRST_DELIVERY", "ok": "true"},
            ) as response:
                log = await response.json(content_type=None)
            if log.get("count"):
                say(f"  {log['count']} vehicle(s) pushed their first delivery")
                return
            await asyncio.sleep(1)
        fail(f"no delivery reached Home Assistant in {STATES_TIMEOUT:.0f} s")

    async def soc_states(self) -> list[dict[str, Any]]:
        """Wait for ``sensor.*state_of_charge*`` states with a value."""
        deadline = time.monotonic() + STATES_TIMEOUT
        while True:
            states = await self.request(
                "GET", "/api/states", headers=self.auth_headers()
            )
            found = [
                state
                for state in states
                if fnmatch.fnmatch(state["entity_id"], "sensor.*state_of_charge*")
            ]
            if any(state["state"] not in NOT_A_VALUE for state in found):
                return found
            if time.monotonic() > deadline:
                shown = [f"{s['entity_id']}={s['state']}" for s in found]
                fail(
                    f"no sensor.*state_of_charge* entity has a value after "
                    f"{STATES_TIMEOUT:.0f} s (found: {shown or 'none'})"
                )
            await asyncio.sleep(2)

    async def check_solar_automation(self) -> None:
        """The blueprint's automation is loaded, and the surplus slider is there."""
        states = await self.request("GET", "/api/states", headers=self.auth_headers())
        by_id = {state["entity_id"]: state for state in states}
        automation = by_id.get(SOLAR_AUTOMATION)
        if automation is None or automation["state"] != "on":
            fail(
                f"the solar-surplus automation is not on: {automation}; the "
                f"blueprint is linked by scripts/demo into demo/config/blueprints"
            )
        if "input_number.solar_surplus" not in by_id:
            fail("the Solar surplus slider (input_number.solar_surplus) is missing")
        say(f"  {SOLAR_AUTOMATION} is on (blueprint ev_battery/solar_surplus.yaml)")

    async def check(self) -> None:
        """Add a Smartcar entry through the config flow and read its sensors."""
        say("")
        say(
            "Check: config flow for Smartcar v3 with push "
            "(auto-approved as driver@example.com)"
        )
        # An entry from an earlier run would make the flow abort with
        # already_configured (and its tokens died with the earlier simulator).
        for entry in await self.entries():
            await self.request(
                "DELETE",
                f"/api/config/config_entries/entry/{entry['entry_id']}",
                headers=self.auth_headers(),
            )
            say(f"  removed the existing entry {entry['title']!r} from an earlier run")
        await self.set_auto_approve(SIM_USER)
        try:
            entry = await self.run_flow()
        finally:
            await self.set_auto_approve(None)
        state = entry.get("state")
        if state != "loaded":
            fail(
                f"the entry was created but its state is {state!r}"
                f" ({entry.get('reason') or 'no reason given'}); see {LOG_FILE}"
            )
        say(f"  entry {entry.get('entry_id')} is loaded")
        await self.use_webhook(entry.get("webhook_url"))
        found = await self.soc_states()
        say(f"  {len(found)} state-of-charge sensor(s):")
        for item in found:
            unit = item["attributes"].get("unit_of_measurement", "")
            say(f"    {item['entity_id']} = {item['state']} {unit}".rstrip())
        await self.check_solar_automation()


async def provision(args: argparse.Namespace) -> None:
    """Run the steps the command line asks for."""
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        demo = Demo(
            session=session,
            ha_url=args.ha_url.rstrip("/"),
            sim_url=args.sim_url.rstrip("/"),
            pids=args.pid,
        )
        await demo.wait_for_servers()
        await demo.onboard()
        await demo.create_credentials()
        if args.check:
            await demo.check()


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="demo/provision.py",
        description="Onboard the demo Home Assistant, create the credentials, "
        "and optionally smoke-test the EV Battery config flow.",
    )
    parser.add_argument("--ha-url", default=HA_URL, help=f"default {HA_URL}")
    parser.add_argument("--sim-url", default=SIM_URL, help=f"default {SIM_URL}")
    parser.add_argument(
        "--pid",
        type=int,
        action="append",
        default=[],
        help="a server process to watch while waiting (repeatable)",
    )
    parser.add_argument(
        "--check", action="store_true", help="run the config flow smoke check"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 on success, 1 on failure."""
    args = build_parser().parse_args(argv)
    try:
        asyncio.run(provision(args))
    except ProvisionError as err:
        say(f"FAILED: {err}")
        return 1
    except (aiohttp.ClientError, TimeoutError) as err:
        say(f"FAILED: {type(err).__name__}: {err}")
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
