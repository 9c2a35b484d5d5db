"""Gamepad (through SDL's virtual-joystick API), keyboard fallback, merging and deadzones."""
from __future__ import annotations

import os

import numpy as np
import pygame
import pytest

from neuropuppet import Axis, Button, GamepadState
from neuropuppet.input.bindings import Bindings
from neuropuppet.input.gamepad import PygameGamepad, radial_deadzone
from neuropuppet.input.keyboard import KeyboardMouse, PadAndKeyboard, merge
from neuropuppet.input.virtual_joystick import VirtualGamepad, find_sdl_library


@pytest.fixture(scope="module")
def sdl():
    saved = {k: os.environ.get(k) for k in ("SDL_VIDEODRIVER", "SDL_AUDIODRIVER")}
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    pygame.display.init()
    pygame.joystick.init()
    yield
    pygame.joystick.quit()
    for k, v in saved.items():  # later tests start real displays (Xvfb) in subprocesses
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def test_virtual_pad_is_read_as_a_game_controller_with_neuropuppet_signs(sdl):
    reader = PygameGamepad(Bindings(deadzone=0.1))
    assert reader.read() is None, "no pad attached yet"
    with VirtualGamepad() as pad:
        pygame.event.pump()
        assert reader.read() is not None
        pad.set_stick("left", 0.0, 1.0)          # pushed up/forward
        pad.set_stick("right", -1.0, 0.0)
        pad.set_axis(Axis.TRIGGER_RIGHT, 1.0)
        pad.set_button(Button.B, True)
        pygame.event.pump()
        s = reader.read()
        assert s.axes[Axis.LEFT_Y] == pytest.approx(1.0, abs=1e-3)
        assert s.axes[Axis.LEFT_X] == pytest.approx(0.0, abs=1e-3)
        assert s.axes[Axis.RIGHT_X] == pytest.approx(-1.0, abs=1e-3)
        assert s.axes[Axis.TRIGGER_RIGHT] == pytest.approx(1.0, abs=1e-3)
        assert s.buttons[Button.B] == 1 and s.buttons.sum() == 1
        assert "Virtual" in reader.name
    pygame.event.pump()
    assert reader.read() is None, "an unplugged pad must read as absent"


def test_replugged_pad_is_picked_up_again(sdl):
    reader = PygameGamepad()
    pad = VirtualGamepad()
    for _ in range(2):
        pad.attach()
        pad.set_stick("left", 1.0, 0.0)
        pygame.event.pump()
        assert reader.read().axes[Axis.LEFT_X] == pytest.approx(1.0, abs=1e-3)
        pad.detach()
        pygame.event.pump()
        assert reader.read() is None


def test_bindings_remap_pad_buttons(sdl):
    bindings = Bindings()
    bindings.gamepad["a"] = "b"                  # pressing A drives the B slot
    reader = PygameGamepad(bindings)
    with VirtualGamepad() as pad:
        pad.set_button(Button.A, True)
        pygame.event.pump()
        s = reader.read()
    assert s.buttons[Button.B] == 1 and s.buttons[Button.A] == 0


def test_sdl_library_is_the_one_pygame_loaded():
    path = find_sdl_library()
    assert "SDL2" in path.name and path.exists()


def test_radial_deadzone_zeroes_small_tilts_and_keeps_direction():
    assert radial_deadzone(0.1, 0.1, 0.2) == (0.0, 0.0)
    x, y = radial_deadzone(0.6, 0.8, 0.2)
    assert np.hypot(x, y) == pytest.approx(1.0)
    assert y / x == pytest.approx(0.8 / 0.6)
    x, y = radial_deadzone(0.3, 0.0, 0.2)
    assert 0 < x < 0.3


def _keys(*names: str):
    codes = {pygame.key.key_code(n) for n in names}

    class Pressed:
        def __getitem__(self, code: int) -> bool:
            return code in codes
    return lambda: Pressed()


def test_keyboard_wasd_walks_and_shift_runs(sdl):
    walk = KeyboardMouse(Bindings(walk_scale=0.5), pressed=_keys("w", "d")).read()
    assert walk.axes[Axis.LEFT_Y] > 0 and walk.axes[Axis.LEFT_X] > 0
    assert np.hypot(*walk.axes[:2]) == pytest.approx(0.5)
    run = KeyboardMouse(Bindings(walk_scale=0.5), pressed=_keys("up", "left shift")).read()
    assert run.axes[Axis.LEFT_Y] == pytest.approx(1.0) and run.axes[Axis.TRIGGER_RIGHT] == 1.0
    crouch = KeyboardMouse(pressed=_keys("c")).read()
    assert crouch.buttons[Button.B] == 1
    idle = KeyboardMouse(pressed=_keys()).read()
    assert not idle.axes.any() and not idle.buttons.any()


def test_pad_and_keyboard_merge_and_fall_back(sdl):
    pad = GamepadState()
    pad.axes[Axis.LEFT_X] = 0.3
    pad.buttons[Button.A] = 1
    kb = GamepadState()
    kb.axes[Axis.LEFT_X] = -0.8
    kb.buttons[Button.B] = 1
    m = merge(pad, kb)
    assert m.axes[Axis.LEFT_X] == pytest.approx(-0.8) and m.buttons[Button.A] == m.buttons[Button.B] == 1
    assert merge(None, kb) is kb

    class NoPad:
        def read(self):
            return None
    controls = PadAndKeyboard(KeyboardMouse(pressed=_keys("s")), NoPad())
    assert controls.read().axes[Axis.LEFT_Y] < 0
