"""Command line: ``python -m simulator --port 8765 --scenario FILE --time-scale 60``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from aiohttp import web

from .app import EVENERGY_PREFIX, SMARTCAR_PREFIX, create_app
from .state import SIM_KEY, load_scenario, parse_time

if TYPE_CHECKING:
    from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """The argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description=(
            "Local simulator of the Smartcar v2.0 and v3 and the ev.energy v2 APIs."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on")
    parser.add_argument("--scenario", help="scenario JSON file (default: bundled)")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="simulated seconds per real second (0 freezes the clock)",
    )
    parser.add_argument(
        "--start",
        help="simulated start time, ISO-8601 (default: now; 'scenario' uses "
        "the scenario's own start)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for random faults")
    parser.add_argument(
        "--auto-approve",
        metavar="USER",
        help="approve every authorization at once as this user (id or username)",
    )
    return parser


def describe(base: str, scenario: dict[str, Any]) -> str:
    """The URLs and demo credentials to print at start-up."""
    lines = [f"EV Battery simulator on {base}", ""]
    smartcar = scenario.get("smartcar", {})
    lines += [
        "Smartcar",
        f"  Connect (authorize): {base}{SMARTCAR_PREFIX}/connect/oauth/authorize",
        f"  Token endpoint:      {base}{SMARTCAR_PREFIX}/auth/oauth/token",
        f"  Vehicle API base:    {base}{SMARTCAR_PREFIX}/api  (paths /v2.0/...)",
    ]
    lines += _credentials(smartcar)
    v3_apps = [
        app for app in smartcar.get("applications", []) if app.get("api") == "v3"
    ]
    if v3_apps:
        lines += [
            "",
            "Smartcar v3",
            f"  M2M token (IAM):     {base}{SMARTCAR_PREFIX}/iam/oauth2/token",
            f"  Vehicle API v3 base: {base}{SMARTCAR_PREFIX}/vehicle/v3",
            f"  Management API v3:   {base}{SMARTCAR_PREFIX}/management/v3",
        ]
        for app in v3_apps:
            lines += [
                f"  Application ID:      {app['application_id']} (Connect client_id)",
                (
                    f"  M2M client / secret: {app['client_id']}"
                    f" / {app['client_secrets'][0]}"
                ),
                f"  Management token:    {app.get('management_token', '')}",
            ]
    evenergy = scenario.get("evenergy", {})
    lines += [
        "",
        "ev.energy",
        f"  Authorize:           {base}{EVENERGY_PREFIX}/o/authorize/",
        f"  Token endpoint:      {base}{EVENERGY_PREFIX}/o/token/",
        f"  API base:            {base}{EVENERGY_PREFIX}  (paths /v2/...)",
    ]
    lines += _credentials(evenergy)
    lines += ["", f"Control API: {base}/_sim/state", ""]
    return "\n".join(lines)


def _credentials(provider: dict[str, Any]) -> list[str]:
    lines = [
        f"  Client ID / secret:  {app['client_id']} / {app['client_secret']}"
        for app in provider.get("applications", [])
        if app.get("api") != "v3"
    ]
    lines += [
        f"  Sign in as:          {user.get('username') or user.get('email')}"
        f" / {user.get('password')}"
        for user in provider.get("users", [])
    ]
    return lines


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> None:
    """Run the simulator until interrupted."""
    args = build_parser().parse_args(argv)
    scenario = load_scenario(args.scenario)
    start = None
    if args.start is None:
        start = datetime.now(UTC)
    elif args.start != "scenario":
        start = parse_time(args.start)
    app = create_app(
        scenario,
        start=start,
        time_scale=args.time_scale,
        seed=args.seed,
        auto_approve=args.auto_approve,
    )
    base = f"http://{args.host}:{args.port}"
    sim = app[SIM_KEY]

    def announce(_message: str) -> None:
        # run_app calls this once the server is listening.
        out.write(describe(base, scenario))
        out.write(f"Simulated time: {sim.now().isoformat()}\n")
        out.flush()

    web.run_app(app, host=args.host, port=args.port, print=announce)
