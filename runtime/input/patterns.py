"""Built-in scripted stick patterns for headless runs and renders without a recording."""
from __future__ import annotations

import numpy as np

from ..channels import GamepadState
from .source import ScriptedGamepad

WALK, TURN, STOP = 2.5, 5.0, 6.5   # seconds at which each phase ends; the pattern repeats after STOP


def walk_turn_stop(t: float) -> GamepadState:
    """Walk forward, curve to the right, stop; repeats every `STOP` seconds."""
    t = t % STOP
    state = GamepadState()
    if t < WALK:
        state.axes[:2] = (0.0, 0.7)
    elif t < TURN:
        a = (t - WALK) / (TURN - WALK) * np.pi / 2        # stick sweeps from forward to right
        state.axes[:2] = (0.7 * np.sin(a), 0.7 * np.cos(a))
    return state


def demo_input(tick_rate: float = 60.0) -> ScriptedGamepad:
    """The walk/turn/stop pattern as an input source."""
    return ScriptedGamepad(walk_turn_stop, tick_rate)
