"""``python -m simulator`` starts the default scenario and prints its URLs."""

import asyncio
import contextlib
import io
import socket
import sys

from simulator.cli import build_parser, describe, main
from simulator.state import load_scenario


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_module_starts_and_serves(sim, socket_enabled):
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "simulator",
        "--port",
        str(port),
        "--time-scale",
        "60",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        lines = []
        while not any(line.startswith("Simulated time") for line in lines):
            line = await asyncio.wait_for(process.stdout.readline(), 30)
            assert line, b"".join(lines)
            lines.append(line.decode())
        output = "".join(lines)
        base = f"http://127.0.0.1:{port}"
        assert f"{base}/smartcar/connect/oauth/authorize" in output
        assert f"{base}/evenergy/o/token/" in output
        assert "sc-demo-client-id / sc-demo-client-secret" in output
        async with sim.http.get(f"{base}/_sim/state") as resp:
            state = await resp.json()
        assert state["time_scale"] == 60
        async with sim.http.get(
            f"{base}/smartcar/connect/oauth/authorize",
            params={
                "response_type": "code",
                "client_id": "sc-demo-client-id",
                "redirect_uri": "http://127.0.0.1:8123/auth/external/callback",
                "scope": "read_battery",
            },
        ) as resp:
            assert resp.status == 200
            assert "Sign in to Smartcar" in await resp.text()
    finally:
        process.terminate()
        with contextlib.suppress(ProcessLookupError):
            await process.wait()


def test_parser_and_description():
    args = build_parser().parse_args(
        [
            "--port",
            "9000",
            "--time-scale",
            "0",
            "--auto-approve",
            "driver@example.com",
            "--start",
            "scenario",
        ]
    )
    assert (args.port, args.time_scale, args.auto_approve, args.start) == (
        9000,
        0.0,
        "driver@example.com",
        "scenario",
    )
    text = describe("http://h:1", load_scenario())
    assert "Sign in as:          driver@example.com / demo" in text
    assert "http://h:1/_sim/state" in text


def test_main_wires_arguments(monkeypatch):
    seen = {}

    def fake_run_app(app, **kwargs):
        seen.update(kwargs)
        kwargs["print"]("ready")

    monkeypatch.setattr("simulator.cli.web.run_app", fake_run_app)
    out = io.StringIO()
    main(["--port", "9001", "--start", "2026-01-01T00:00:00Z"], out=out)
    assert seen["port"] == 9001
    assert "Simulated time: 2026-01-01T00:00:00" in out.getvalue()
    main(["--start", "scenario"], out=out)
    main([], out=out)
    assert "Simulated time: 2026-11-02T07:00:00" in out.getvalue()
