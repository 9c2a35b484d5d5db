"""Keyboard and mouse as a gamepad: WASD/arrows = left stick, IJKL or mouse drag = right stick (camera),
Shift = run, C/Ctrl = crouch (B), per `Bindings`. Always available; merged with a pad when one is present.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import pygame

from ..channels import GamepadState
from .bindings import BUTTON_SLOTS, Bindings


class KeyboardMouse:
    """Builds a `GamepadState` from the keys held now (`pygame.key.get_pressed` by default)."""

    def __init__(self, bindings: Bindings | None = None,
                 pressed: Callable[[], Sequence[bool]] | None = None) -> None:
        self.bindings = bindings or Bindings()
        self._codes = self.bindings.key_codes()
        self._pressed = pressed or pygame.key.get_pressed
        self.mouse_delta = np.zeros(2)          # pixels since the last read, while a mouse button is held

    def handle_event(self, event: pygame.event.Event) -> None:
        """Accumulate mouse drags (any button held) as right-stick motion for the camera."""
        if event.type == pygame.MOUSEMOTION and any(event.buttons):
            self.mouse_delta += event.rel

    def _held(self, keys: Sequence[bool], slot: str) -> bool:
        return any(_get(keys, c) for c in self._codes.get(slot, ()))

    def read(self) -> GamepadState:
        keys = self._pressed()
        held = {slot: self._held(keys, slot) for slot in self._codes}
        state = GamepadState()
        run = held.get("run", False)
        scale = 1.0 if run else self.bindings.walk_scale
        lx = float(held.get("left_right", False)) - float(held.get("left_left", False))
        ly = float(held.get("left_up", False)) - float(held.get("left_down", False))
        m = np.hypot(lx, ly)
        if m > 0:
            lx, ly = lx / m * scale, ly / m * scale
        rx = float(held.get("right_right", False)) - float(held.get("right_left", False))
        ry = float(held.get("right_up", False)) - float(held.get("right_down", False))
        rx, ry = rx + self.mouse_delta[0] * 0.05, ry - self.mouse_delta[1] * 0.05
        self.mouse_delta[:] = 0.0
        state.axes[:] = [lx, ly, np.clip(rx, -1, 1), np.clip(ry, -1, 1),
                         float(held.get("trigger_left", False)), float(held.get("trigger_right", False) or run)]
        for i, name in enumerate(BUTTON_SLOTS):
            state.buttons[i] = float(held.get(name, False))
        return state


def _get(keys: Sequence[bool], code: int) -> bool:
    try:
        return bool(keys[code])
    except (IndexError, KeyError):
        return False


def merge(pad: GamepadState | None, keyboard: GamepadState) -> GamepadState:
    """Pad and keyboard together: per axis the larger magnitude wins, buttons are OR-ed."""
    if pad is None:
        return keyboard
    axes = np.where(np.abs(keyboard.axes) > np.abs(pad.axes), keyboard.axes, pad.axes)
    return GamepadState(axes.astype(np.float32), np.maximum(pad.buttons, keyboard.buttons))


class PadAndKeyboard:
    """`read()` for `GamepadInput`: the pad merged with the keyboard; None only when neither is in use.

    With no pad attached and no key held the sticks rest, so the character stops.
    """

    def __init__(self, keyboard: KeyboardMouse, pad: "object | None" = None) -> None:
        self.keyboard, self.pad = keyboard, pad
        self.last = GamepadState()      # the latest merged state (the app's camera reads the right stick)
        self.reads = 0                  # how many times `read` ran (the app reads itself when no tick did)

    def read(self) -> GamepadState:
        pad_state = self.pad.read() if self.pad is not None else None
        self.last = merge(pad_state, self.keyboard.read())
        self.reads += 1
        return self.last


__all__ = ["KeyboardMouse", "PadAndKeyboard", "merge"]
