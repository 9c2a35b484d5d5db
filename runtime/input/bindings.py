"""Which keys and pad buttons drive which gamepad slots, loaded from YAML and validated.

    deadzone: 0.15               # radial stick deadzone, 0..0.9
    walk_scale: 0.5              # keyboard stick magnitude without the run key
    keyboard:                    # slot: [pygame key names]
      left_up: [w, up]
      run: [left shift, right shift]
      b: [c, left ctrl]
    gamepad:                     # SDL button name: slot it drives (remap / swap buttons)
      a: a

Slots: left_up/down/left/right, right_up/down/left/right (stick directions), trigger_left,
trigger_right, run (full stick magnitude + trigger_right), and the button names of `neuropuppet.Button`
in lower case (a, b, x, y, back, guide, start, left_stick, ..., dpad_right).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..channels import Button
from ..errors import ConfigError

STICK_SLOTS = ("left_up", "left_down", "left_left", "left_right", "right_up", "right_down", "right_left",
               "right_right")
BUTTON_SLOTS = tuple(b.name.lower() for b in Button)
SLOTS = STICK_SLOTS + ("trigger_left", "trigger_right", "run") + BUTTON_SLOTS

DEFAULT_KEYBOARD: dict[str, list[str]] = {
    "left_up": ["w", "up"], "left_down": ["s", "down"], "left_left": ["a", "left"], "left_right": ["d", "right"],
    "right_up": ["i"], "right_down": ["k"], "right_left": ["j"], "right_right": ["l"],
    "run": ["left shift", "right shift"], "b": ["c", "left ctrl", "right ctrl"], "a": ["space"],
    "left_shoulder": ["q"],                     # hold to strafe (third-person: face where the camera looks)
}


@dataclass
class Bindings:
    """Validated bindings (see module docstring for the YAML form)."""

    deadzone: float = 0.15
    walk_scale: float = 0.5
    keyboard: dict[str, list[str]] = field(default_factory=lambda: {k: list(v) for k, v in DEFAULT_KEYBOARD.items()})
    gamepad: dict[str, str] = field(default_factory=lambda: {b: b for b in BUTTON_SLOTS})

    def key_codes(self) -> dict[str, list[int]]:
        """Slot -> pygame key codes (names were checked at load time)."""
        return {slot: [_key_code(k) for k in keys] for slot, keys in self.keyboard.items()}


def _key_code(name: str) -> int:
    """pygame's code for a key name (ValueError when unknown); works before pygame.init()."""
    import warnings

    import pygame
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # "pygame.init() has not been called": names resolve anyway
        return pygame.key.key_code(name)


def _key_ok(name: str) -> bool:
    try:
        _key_code(name)
        return True
    except ValueError:
        return False


def bindings_from_dict(data: Any, source: str = "<bindings>") -> Bindings:
    """Validate a parsed YAML mapping; ConfigError names `source`, the key and what is wrong."""
    if data is None:
        return Bindings()
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: top level must be a mapping, got {type(data).__name__}")
    allowed = {"deadzone", "walk_scale", "keyboard", "gamepad"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{source}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    out = Bindings()
    for name, lo, hi in (("deadzone", 0.0, 0.9), ("walk_scale", 0.05, 1.0)):
        if name in data:
            v = data[name]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise ConfigError(f"{source}: {name} must be a number in [{lo}, {hi}], got {v!r}")
            setattr(out, name, float(v))
    if "keyboard" in data:
        kb = data["keyboard"]
        if not isinstance(kb, dict):
            raise ConfigError(f"{source}: keyboard must map slots to lists of key names")
        for slot, keys in kb.items():
            if slot not in SLOTS:
                raise ConfigError(f"{source}: keyboard.{slot}: unknown slot (slots: {', '.join(SLOTS)})")
            keys = [keys] if isinstance(keys, str) else keys
            if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
                raise ConfigError(f"{source}: keyboard.{slot}: expected a key name or a list of key names")
            bad = [k for k in keys if not _key_ok(k)]
            if bad:
                raise ConfigError(f"{source}: keyboard.{slot}: unknown key name {bad[0]!r} "
                                  "(use pygame names such as 'w', 'up', 'left shift', 'space')")
            out.keyboard[slot] = list(keys)
    if "gamepad" in data:
        gp = data["gamepad"]
        if not isinstance(gp, dict):
            raise ConfigError(f"{source}: gamepad must map pad button names to slots")
        for button, slot in gp.items():
            if button not in BUTTON_SLOTS:
                raise ConfigError(f"{source}: gamepad.{button}: unknown pad button (buttons: {', '.join(BUTTON_SLOTS)})")
            if slot not in BUTTON_SLOTS:
                raise ConfigError(f"{source}: gamepad.{button}: {slot!r} is not a button slot "
                                  f"(slots: {', '.join(BUTTON_SLOTS)})")
            out.gamepad[button] = slot
    return out


def load_bindings(path: str | Path | None) -> Bindings:
    """Bindings from a YAML file (defaults when `path` is None)."""
    if path is None:
        return Bindings()
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: bindings file not found")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{p}{where}: not valid YAML ({getattr(e, 'problem', e)})") from None
    return bindings_from_dict(data, str(p))
