"""The piano keyboard and bench a seated performer plays at: the one description of their geometry.

    from neuropuppet.keyboard import DEFAULT_KEYBOARD, key_x
    x = key_x(60)                                   # middle C, metres along the keyboard
    kb = Keyboard.from_dict(json.loads(text))       # as stored in labels / artifact metadata

Frame: the performer's root frame at the start of a clip, metres, y up, the floor at y = 0. The
performer sits on the bench facing +z with the hips above the origin; the performer's left is +x
(the skeleton's Left* joints lie at +x), so LOW keys lie at +x and HIGH keys at -x, as on a real
piano. Keys are spaced evenly by semitone (`semitone_width`, an 88-key keyboard's 52 white keys of
23.5 mm spread over its 88 semitones: black and white keys are not told apart along x).

The key surface is the plane y = `surface_y` between z = `front_z` (the key fronts, nearest the
performer) and z = `front_z + depth`, and between x = `right_x` (the high end's outer edge) and
x = `left_x` (the low end's outer edge). The bench is a box: top at y = `bench_height`, centred on
(`bench_x`, `bench_z`), `bench_width` along x and `bench_depth` along z.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

import numpy as np

from .errors import NeuropuppetError


@dataclass(frozen=True)
class Keyboard:
    """Keyboard and bench geometry (metres, the performer's root frame; see the module docstring)."""

    lowest: int = 21                      # MIDI pitch of the lowest key (A0)
    highest: int = 108                    # MIDI pitch of the highest key (C8)
    semitone_width: float = 52 * 0.0235 / 88
    centre_midi: float = 64.5             # pitch at x = 0 (the middle of an 88-key keyboard)
    surface_y: float = 0.72               # height of the key tops
    front_z: float = 0.30                 # z of the key fronts
    depth: float = 0.15                   # length of the (white) keys along z
    bench_x: float = 0.0
    bench_z: float = -0.02
    bench_height: float = 0.50
    bench_width: float = 0.76
    bench_depth: float = 0.34

    def __post_init__(self) -> None:
        if not (0 <= self.lowest < self.highest <= 127):
            raise NeuropuppetError(f"keyboard: need 0 <= lowest < highest <= 127, got {self.lowest}..{self.highest}")
        for f in fields(self):
            v = getattr(self, f.name)
            if not np.isfinite(v):
                raise NeuropuppetError(f"keyboard: {f.name} must be finite, got {v!r}")
        for name in ("semitone_width", "depth", "bench_height", "bench_width", "bench_depth"):
            if getattr(self, name) <= 0:
                raise NeuropuppetError(f"keyboard: {name} must be positive, got {getattr(self, name)!r}")

    def key_x(self, midi: float | np.ndarray) -> float | np.ndarray:
        """x of the centre of key `midi` (fractional pitches interpolate; high keys have smaller x)."""
        x = (self.centre_midi - np.asarray(midi, np.float64)) * self.semitone_width
        return float(x) if np.ndim(x) == 0 else x

    @property
    def left_x(self) -> float:
        """Outer edge of the lowest key (the performer's left, largest x)."""
        return float(self.key_x(self.lowest)) + 0.5 * self.semitone_width

    @property
    def right_x(self) -> float:
        """Outer edge of the highest key (the performer's right, smallest x)."""
        return float(self.key_x(self.highest)) - 0.5 * self.semitone_width

    @property
    def back_z(self) -> float:
        """z of the far end of the keys."""
        return self.front_z + self.depth

    def over_keys(self, points: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
        """Which points [..., 3] lie within the keyboard's x extent and on or above its surface."""
        p = np.asarray(points, np.float64)
        return ((p[..., 0] >= self.right_x - tolerance) & (p[..., 0] <= self.left_x + tolerance)
                & (p[..., 1] >= self.surface_y - tolerance))

    def to_dict(self) -> dict[str, float | int]:
        """Plain numbers by field name (JSON-ready); `from_dict` reads it back."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Keyboard":
        """A keyboard from `to_dict()`'s output; missing fields take the defaults, unknown ones are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise NeuropuppetError(f"keyboard: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        ints = {"lowest", "highest"}
        try:
            return cls(**{k: (int(v) if k in ints else float(v)) for k, v in values.items()})
        except (TypeError, ValueError) as e:
            raise NeuropuppetError(f"keyboard: a field is not a number ({e})") from None

    def to_json(self) -> str:
        """`to_dict()` as JSON text (how the piano labels store it, under the key "keyboard")."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | np.ndarray) -> "Keyboard":
        """A keyboard from `to_json()`'s text (a 0-d string array from an .npz is accepted)."""
        try:
            values = json.loads(str(text))
        except json.JSONDecodeError as e:
            raise NeuropuppetError(f"keyboard: not JSON ({e})") from None
        if not isinstance(values, dict):
            raise NeuropuppetError("keyboard: the JSON must be an object of fields")
        return cls.from_dict(values)


DEFAULT_KEYBOARD = Keyboard()


def key_x(midi: float | np.ndarray, keyboard: Keyboard = DEFAULT_KEYBOARD) -> float | np.ndarray:
    """x of key `midi` on `keyboard` (the default 88-key keyboard unless given)."""
    return keyboard.key_x(midi)


__all__ = ["Keyboard", "DEFAULT_KEYBOARD", "key_x"]
