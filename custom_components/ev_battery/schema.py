"""The schema library Home Assistant validates with: the one place that picks it.

Home Assistant 2026 validates with probatio (API-compatible with voluptuous) and
no longer requires voluptuous itself; the releases before it only have
voluptuous. Whichever Home Assistant's own config validation imported is used.
mypy checks one of the two branches: ``scripts/test`` passes
``--always-false HAS_PROBATIO`` on the floor leg and ``--always-true`` on the
newest.
"""

from homeassistant.helpers import config_validation as cv

HAS_PROBATIO = hasattr(cv, "probatio")

if HAS_PROBATIO:
    import probatio as vol
else:
    import voluptuous as vol

__all__ = ["HAS_PROBATIO", "vol"]
