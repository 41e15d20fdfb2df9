"""Shared test fixtures and the leg report (which Home Assistant, how many tests)."""

from __future__ import annotations

import json
import os
import platform
from typing import TYPE_CHECKING

from homeassistant.const import __version__ as HA_VERSION  # noqa: N812

if TYPE_CHECKING:
    import pytest
    from _pytest.terminal import TerminalReporter

LEG_REPORT_ENV = "EV_BATTERY_LEG_REPORT"


def pytest_report_header() -> str:
    """Say which Home Assistant and Python the suite runs on."""
    return f"Home Assistant {HA_VERSION} on Python {platform.python_version()}"


def pytest_terminal_summary(
    terminalreporter: TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """One line per leg, and the figures for scripts/test's summary."""
    stats = terminalreporter.stats
    counts = {
        outcome: len(stats.get(outcome, []))
        for outcome in ("passed", "failed", "error", "skipped")
    }
    terminalreporter.write_line(
        f"Home Assistant {HA_VERSION} on Python {platform.python_version()}: "
        f"{counts['passed']} passed, {counts['failed'] + counts['error']} failed, "
        f"{counts['skipped']} skipped"
    )
    if path := os.environ.get(LEG_REPORT_ENV):
        with open(path, "w", encoding="utf-8") as report:  # noqa: PTH123
            json.dump(
                {
                    "home_assistant": HA_VERSION,
                    "python": platform.python_version(),
                    **counts,
                },
                report,
            )
