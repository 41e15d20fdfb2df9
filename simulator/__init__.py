"""A local simulator of the Smartcar Vehicle API (v2.0 and v3) and the ev.energy v2 API.

It shares no code with the client in ``custom_components/ev_battery/api``: it
is an independent implementation of both wire protocols, so that tests of the
client catch the client's mistakes.
"""

from .app import build_simulator, create_app
from .state import SIM_KEY, Simulator, load_scenario

__all__ = ["SIM_KEY", "Simulator", "build_simulator", "create_app", "load_scenario"]
