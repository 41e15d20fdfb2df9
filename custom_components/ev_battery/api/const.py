"""Hosts, versions and limits of both APIs."""

from __future__ import annotations

from typing import Final

__version__: Final = "0.1.0"
USER_AGENT: Final = f"ev-battery-home-assistant/{__version__} (+https://github.com/ev-battery/ev-battery)"

# Smartcar (each base can point at the simulator).
SMARTCAR_API_BASE: Final = "https://api.smartcar.com"
SMARTCAR_AUTH_BASE: Final = "https://auth.smartcar.com"
SMARTCAR_CONNECT_BASE: Final = "https://connect.smartcar.com"
SMARTCAR_API_VERSION: Final = "v2.0"
SMARTCAR_AUTHORIZE_PATH: Final = "/oauth/authorize"
SMARTCAR_TOKEN_PATH: Final = "/oauth/token"  # noqa: S105 - a path
SMARTCAR_VEHICLES_PAGE: Final = 50
SMARTCAR_CHARGE_LIMIT_MIN: Final = 0.5
SMARTCAR_CHARGE_LIMIT_MAX: Final = 1.0

# ev.energy.
EVENERGY_BASE: Final = "https://api.ev.energy"
EVENERGY_API_VERSION: Final = "2"
EVENERGY_AUTHORIZE_PATH: Final = "/o/authorize/"
EVENERGY_TOKEN_PATH: Final = "/o/token/"  # noqa: S105 - a path
EVENERGY_REVOKE_PATH: Final = "/o/revoke_token/"
EVENERGY_PAGE_SIZE: Final = 100
EVENERGY_CHARGE_LIMIT_MIN: Final = 50
EVENERGY_CHARGE_LIMIT_MAX: Final = 100
