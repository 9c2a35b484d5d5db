"""The gamepad layout every controller and input device agrees on.

(API v1's closed `Channel` enum is gone: controllers declare `neuropuppet.ports.InputSpec`s. `TickInputs`
lives in `neuropuppet.ports` and is re-exported here.)

Gamepad layout (SDL game-controller naming, Xbox labels; PlayStation pads map to the same slots):
  axes    [6]  left_x, left_y, right_x, right_y in [-1, 1]; trigger_left, trigger_right in [0, 1].
               Stick Y is +1 when pushed *up/forward* (the opposite of SDL's raw sign).
  buttons [15] 0/1 in `Button` order.
Per tick a batch of N pads is one float32 tensor [N, 21]: the 6 axes then the 15 buttons.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
import numpy as np
import torch

from .ports import TickInputs


class Axis(enum.IntEnum):
    LEFT_X = 0
    LEFT_Y = 1
    RIGHT_X = 2
    RIGHT_Y = 3
    TRIGGER_LEFT = 4
    TRIGGER_RIGHT = 5


class Button(enum.IntEnum):
    A = 0
    B = 1
    X = 2
    Y = 3
    BACK = 4
    GUIDE = 5
    START = 6
    LEFT_STICK = 7
    RIGHT_STICK = 8
    LEFT_SHOULDER = 9
    RIGHT_SHOULDER = 10
    DPAD_UP = 11
    DPAD_DOWN = 12
    DPAD_LEFT = 13
    DPAD_RIGHT = 14


NUM_AXES = len(Axis)
NUM_BUTTONS = len(Button)
GAMEPAD_WIDTH = NUM_AXES + NUM_BUTTONS


@dataclass
class GamepadState:
    """One pad's state at one instant, as plain arrays (see module docstring for layout)."""

    axes: np.ndarray = field(default_factory=lambda: np.zeros(NUM_AXES, np.float32))
    buttons: np.ndarray = field(default_factory=lambda: np.zeros(NUM_BUTTONS, np.float32))

    def vector(self) -> np.ndarray:
        """The 21-float row the controller sees."""
        return np.concatenate([self.axes, self.buttons]).astype(np.float32)

    @classmethod
    def from_vector(cls, v: np.ndarray) -> "GamepadState":
        v = np.asarray(v, np.float32)
        return cls(v[:NUM_AXES].copy(), v[NUM_AXES:GAMEPAD_WIDTH].copy())


def sanitize_pad_rows(rows: np.ndarray) -> np.ndarray:
    """A float32 copy of pad rows [..., 21] in their legal ranges, NaN/inf -> 0 (never a NaN pose)."""
    return sanitize_pad_rows_(np.array(rows, np.float32))


def sanitize_pad_rows_(rows: np.ndarray) -> np.ndarray:
    """`sanitize_pad_rows` in place on a float32 array (returns it). Plain ufuncs: ~3 us for one pad
    (np.nan_to_num and np.clip cost ~12 us together here)."""
    bad = ~np.isfinite(rows)
    if bad.any():
        rows[bad] = 0.0
    sticks, rest = rows[..., :4], rows[..., 4:]
    np.minimum(sticks, 1.0, out=sticks)
    np.maximum(sticks, -1.0, out=sticks)
    np.minimum(rest, 1.0, out=rest)
    np.maximum(rest, 0.0, out=rest)
    return rows


def sanitize_gamepad_(pads: torch.Tensor) -> torch.Tensor:
    """Clamp a [N, 21] gamepad tensor in place to its legal ranges, NaN -> 0 (never a NaN pose)."""
    torch.nan_to_num_(pads, nan=0.0, posinf=0.0, neginf=0.0)
    pads[:, :4].clamp_(-1.0, 1.0)
    pads[:, 4:].clamp_(0.0, 1.0)
    return pads


__all__ = ["Axis", "Button", "GamepadState", "TickInputs", "NUM_AXES", "NUM_BUTTONS", "GAMEPAD_WIDTH",
           "sanitize_gamepad_", "sanitize_pad_rows", "sanitize_pad_rows_"]
