"""A virtual game controller that pygame sees as real, through SDL's virtual-joystick API (tests, demos).

Calls into the very libSDL2 pygame-ce loaded (its bundled copy in `pygame_ce.libs`, or the system one
pygame links against), so the device shows up in `pygame._sdl2.controller` with SDL's game-controller
mapping and produces CONTROLLERDEVICEADDED / REMOVED events on attach / detach.

    with VirtualGamepad() as pad:
        pad.set_stick("left", 0.0, 1.0)      # pushed fully up/forward (neuropuppet sign convention)
        pygame.event.pump()
"""
from __future__ import annotations

import ctypes
import glob
import os
from pathlib import Path

import pygame

from ..channels import NUM_AXES, NUM_BUTTONS, Axis
from ..errors import InputError

SDL_JOYSTICK_TYPE_GAMECONTROLLER = 1


def find_sdl_library() -> Path:
    """Path of the libSDL2 shared object pygame loaded."""
    root = Path(pygame.__file__).resolve().parent
    patterns = [root.parent / "pygame_ce.libs" / "libSDL2-2*.so*", root.parent / "pygame.libs" / "libSDL2-2*.so*",
                root / ".dylibs" / "libSDL2*.dylib", root / "SDL2.dll"]
    for pattern in patterns:
        hits = sorted(glob.glob(str(pattern)))
        if hits:
            return Path(hits[0])
    # a pygame built against the system SDL: find the copy mapped into this process
    if os.path.exists("/proc/self/maps"):
        for line in Path("/proc/self/maps").read_text().splitlines():
            path = line.split()[-1]
            if "libSDL2-2.0.so" in path:
                return Path(path)
    raise InputError(f"cannot find the libSDL2 pygame uses (looked next to {root})")


def _sdl() -> ctypes.CDLL:
    lib = ctypes.CDLL(str(find_sdl_library()))
    lib.SDL_JoystickAttachVirtual.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.SDL_JoystickAttachVirtual.restype = ctypes.c_int
    lib.SDL_JoystickDetachVirtual.argtypes = [ctypes.c_int]
    lib.SDL_JoystickOpen.argtypes = [ctypes.c_int]
    lib.SDL_JoystickOpen.restype = ctypes.c_void_p
    lib.SDL_JoystickClose.argtypes = [ctypes.c_void_p]
    lib.SDL_JoystickInstanceID.argtypes = [ctypes.c_void_p]
    lib.SDL_JoystickGetDeviceInstanceID.argtypes = [ctypes.c_int]
    lib.SDL_JoystickSetVirtualAxis.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int16]
    lib.SDL_JoystickSetVirtualButton.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint8]
    lib.SDL_GetError.restype = ctypes.c_char_p
    lib.SDL_NumJoysticks.restype = ctypes.c_int
    return lib


class VirtualGamepad:
    """One virtual SDL game controller with 6 axes and 15 buttons (the `neuropuppet` pad layout)."""

    def __init__(self) -> None:
        self.lib = _sdl()
        self._joystick: int | None = None
        self.device_index: int | None = None

    @property
    def attached(self) -> bool:
        return self._joystick is not None

    def attach(self) -> "VirtualGamepad":
        """Plug the pad in (pygame must be initialised: the joystick subsystem must be up)."""
        if self.attached:
            return self
        if not pygame.joystick.get_init():
            pygame.joystick.init()
        index = self.lib.SDL_JoystickAttachVirtual(SDL_JOYSTICK_TYPE_GAMECONTROLLER, NUM_AXES, NUM_BUTTONS, 0)
        if index < 0:
            raise InputError(f"SDL_JoystickAttachVirtual failed: {self.lib.SDL_GetError().decode()}")
        handle = self.lib.SDL_JoystickOpen(index)
        if not handle:
            self.lib.SDL_JoystickDetachVirtual(index)
            raise InputError(f"SDL_JoystickOpen failed: {self.lib.SDL_GetError().decode()}")
        self.device_index, self._joystick = index, handle
        self.set_axis(Axis.TRIGGER_LEFT, 0.0)
        self.set_axis(Axis.TRIGGER_RIGHT, 0.0)
        return self

    def detach(self) -> None:
        """Unplug the pad (like pulling the cable)."""
        if self._joystick is None:
            return
        instance = self.lib.SDL_JoystickInstanceID(self._joystick)
        self.lib.SDL_JoystickClose(self._joystick)
        self._joystick = None
        # the device index may have shifted: find ours by instance id
        for i in range(self.lib.SDL_NumJoysticks()):
            if self.lib.SDL_JoystickGetDeviceInstanceID(i) == instance:
                self.lib.SDL_JoystickDetachVirtual(i)
                break
        self.device_index = None

    def set_axis(self, axis: int, value: float) -> None:
        """Set an axis in SDL units: sticks in [-1, 1] (SDL's raw sign: +y is DOWN), triggers in [0, 1]."""
        if self._joystick is None:
            raise InputError("virtual gamepad is not attached")
        if axis >= Axis.TRIGGER_LEFT:          # SDL maps a trigger's full joystick range [-1, 1] to [0, 1]
            value = value * 2.0 - 1.0
        raw = int(round(max(-1.0, min(1.0, value)) * 32767))
        self.lib.SDL_JoystickSetVirtualAxis(self._joystick, int(axis), raw)

    def set_stick(self, stick: str, x: float, y: float) -> None:
        """Set a stick in neuropuppet's convention (y = +1 pushed up/forward)."""
        ax = {"left": Axis.LEFT_X, "right": Axis.RIGHT_X}[stick]
        self.set_axis(ax, x)
        self.set_axis(ax + 1, -y)

    def set_button(self, button: int, pressed: bool) -> None:
        if self._joystick is None:
            raise InputError("virtual gamepad is not attached")
        self.lib.SDL_JoystickSetVirtualButton(self._joystick, int(button), 1 if pressed else 0)

    def __enter__(self) -> "VirtualGamepad":
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()
