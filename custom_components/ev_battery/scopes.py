"""Which permissions an entry asks for and holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .const import (
    CONF_PROVIDER,
    CONF_READ_ODOMETER,
    EVENERGY_SCOPES,
    SMARTCAR_OPTIONAL_SCOPES,
    SMARTCAR_SCOPES,
    Provider,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

CONF_SCOPES = "scopes"


def requested_scopes(provider: Provider, *, read_odometer: bool) -> tuple[str, ...]:
    """The permissions to ask for."""
    if provider is Provider.EVENERGY:
        return EVENERGY_SCOPES
    return SMARTCAR_SCOPES + (SMARTCAR_OPTIONAL_SCOPES if read_odometer else ())


# Smartcar v3: the make-specific charge records go with v2.0; the location
# is asked only when chosen (a device tracker then shows where the car is).
V3_SCOPES = tuple(scope for scope in SMARTCAR_SCOPES if scope != "read_charge_records")


def v3_scopes(*, read_odometer: bool, read_location: bool) -> tuple[str, ...]:
    """The permissions a v3 application asks for at Connect."""
    return (
        V3_SCOPES
        + (SMARTCAR_OPTIONAL_SCOPES if read_odometer else ())
        + (("read_location",) if read_location else ())
    )


def granted_scopes(entry: Any) -> frozenset[str]:
    """The permissions the entry's token holds (as granted, or as asked)."""
    data: Mapping[str, Any] = entry.data
    scope = data.get("token", {}).get("scope")
    if isinstance(scope, str) and scope:
        return frozenset(scope.split())
    stored = data.get(CONF_SCOPES)
    if stored:
        return frozenset(stored)
    return frozenset(
        requested_scopes(
            Provider(data[CONF_PROVIDER]),
            read_odometer=bool(data.get(CONF_READ_ODOMETER)),
        )
    )
