"""ev.energy resource IDs: a 4-letter prefix and a 26-character ULID."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_PATTERN = re.compile(r"^[a-z]{4}[0-9A-Z]{26}$")

VEHICLE = "vhcl"
USER = "user"
TRIM = "trim"
MODEL = "vmod"
MAKE = "vmak"
SUB_SESSION = "csub"


def ulid(moment: datetime, entropy: bytes) -> str:
    """A ULID: 48 bits of milliseconds, then 80 bits taken from ``entropy``."""
    millis = int(moment.timestamp() * 1000) & ((1 << 48) - 1)
    random_part = int.from_bytes(entropy[:10].ljust(10, b"\0"), "big")
    value = (millis << 80) | random_part
    chars = []
    for _ in range(26):
        chars.append(CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def derived_id(prefix: str, moment: datetime, seed: str) -> str:
    """A stable ID whose time part is ``moment`` and whose rest comes from ``seed``."""
    return prefix + ulid(moment, hashlib.sha256(seed.encode()).digest())


def is_id(value: str, prefix: str | None = None) -> bool:
    """Whether ``value`` looks like an ID (optionally with ``prefix``)."""
    if not ID_PATTERN.match(value):
        return False
    return prefix is None or value.startswith(prefix)
