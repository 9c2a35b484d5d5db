"""Physical game controllers through SDL's game-controller mapping (Xbox, PlayStation, ... layouts).

SDL maps every known pad to the same Xbox-named slots, in the same order as `neuropuppet.Axis` and
`neuropuppet.Button`. `PygameGamepad.read()` returns the first attached pad's state, or None when no
pad is attached: unplugging mid-game stops the character, plugging a pad back in resumes.
"""
from __future__ import annotations

import numpy as np
import pygame
import pygame._sdl2.controller as sdl_controller

from ..channels import NUM_AXES, NUM_BUTTONS, Axis, GamepadState
from .bindings import BUTTON_SLOTS, Bindings

AXIS_MAX = 32767.0


def radial_deadzone(x: float, y: float, deadzone: float) -> tuple[float, float]:
    """Zero inside `deadzone` of the stick's travel, rescaled so the edge of the zone maps to 0, the rim to 1."""
    m = float(np.hypot(x, y))
    if m <= deadzone or m == 0.0:
        return 0.0, 0.0
    scale = min((m - deadzone) / (1.0 - deadzone), 1.0) / m
    return x * scale, y * scale


class PygameGamepad:
    """Reads the first attached SDL game controller; re-opens one after hot-plug.

    Needs pygame's event queue pumped each frame (the app does; tests call `pygame.event.pump()`).
    """

    def __init__(self, bindings: Bindings | None = None) -> None:
        self.bindings = bindings or Bindings()
        if not pygame.joystick.get_init():
            pygame.joystick.init()
        sdl_controller.init()
        self._pad: sdl_controller.Controller | None = None
        self._button_slot = np.array([BUTTON_SLOTS.index(self.bindings.gamepad[b]) for b in BUTTON_SLOTS])

    @property
    def name(self) -> str | None:
        return self._pad.name if self._pad is not None else None

    def _open_first(self) -> None:
        for i in range(sdl_controller.get_count()):
            if sdl_controller.is_controller(i):
                try:
                    self._pad = sdl_controller.Controller(i)
                    return
                except pygame.error:
                    continue

    def handle_event(self, event: pygame.event.Event) -> None:
        """React to CONTROLLERDEVICEADDED / REMOVED (optional: `read` also polls)."""
        if event.type == pygame.CONTROLLERDEVICEREMOVED and self._pad is not None and not self._pad.attached():
            self._pad = None
        elif event.type == pygame.CONTROLLERDEVICEADDED and self._pad is None:
            self._open_first()

    def read(self) -> GamepadState | None:
        """This instant's state of the attached pad, or None when none is attached."""
        if self._pad is not None and not self._pad.attached():
            try:
                self._pad.quit()
            except pygame.error:
                pass
            self._pad = None
        if self._pad is None:
            self._open_first()
            if self._pad is None:
                return None
        pad = self._pad
        raw = np.array([pad.get_axis(a) for a in range(NUM_AXES)], np.float64) / AXIS_MAX
        dz = self.bindings.deadzone
        lx, ly = radial_deadzone(raw[Axis.LEFT_X], -raw[Axis.LEFT_Y], dz)
        rx, ry = radial_deadzone(raw[Axis.RIGHT_X], -raw[Axis.RIGHT_Y], dz)
        axes = np.array([lx, ly, rx, ry, raw[Axis.TRIGGER_LEFT], raw[Axis.TRIGGER_RIGHT]], np.float32)
        axes[4:] = np.clip(axes[4:], 0.0, 1.0)
        pressed = np.array([pad.get_button(b) for b in range(NUM_BUTTONS)], np.float32)
        buttons = np.zeros(NUM_BUTTONS, np.float32)
        np.maximum.at(buttons, self._button_slot, pressed)
        return GamepadState(np.clip(axes, -1.0, 1.0), buttons)

    def close(self) -> None:
        if self._pad is not None:
            self._pad.quit()
            self._pad = None
