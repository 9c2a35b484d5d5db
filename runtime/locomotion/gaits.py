"""Gait tables: which gaits a locomotion controller knows, how fast each goes, which input selects it.

A `GaitTable` is data, read by the torch tick (`stick.DesiredMotion`) and the numba kernels
(`neuropuppet.kernels.locomotion`) alike, through `GaitTable.arrays()`:

  columns    the network's gait vector, in order (e.g. PFNN's stand, walk, jog, crouch, jump, unused;
             columns no gait names stay 0)
  idle       the gait of a released stick (weight 1 - m, m = how far the stick is pushed, ramped)
  moving     the gait of a pushed stick (weight m)
  modifiers  gaits selected by triggers or buttons, applied in table order: a modifier with
             selection amount a (the largest of its columns' values, clamped to [0, 1]) moves the
             fraction a of the weight of the gaits it `replaces` (all gaits when None) onto itself

The top speed at full stick is the speed-weighted sum of the same transfers applied to the moving
gait alone. PFNN's table (controllers/pfnn/features.py): jog replaces walk by the right trigger or the
right shoulder, crouch replaces every gait by the left trigger or B, which gives
stand = (1 - m)(1 - c), walk = m(1 - r)(1 - c), jog = m r (1 - c), crouch = c.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, NamedTuple, Sequence

import numpy as np

from ..channels import GAMEPAD_WIDTH, NUM_AXES, Axis, Button
from ..errors import InputError

FIRST_SELECTOR_COLUMN = int(Axis.TRIGGER_LEFT)
"""Selectors are triggers and buttons (columns 4..20, values in [0, 1]); sticks are signed and cannot select."""


def column_name(column: int) -> str:
    """The gamepad column's name: 'trigger_right', 'b', 'right_shoulder', ..."""
    if 0 <= column < NUM_AXES:
        return Axis(column).name.lower()
    if NUM_AXES <= column < GAMEPAD_WIDTH:
        return Button(column - NUM_AXES).name.lower()
    raise InputError(f"gamepad column {column} is outside 0..{GAMEPAD_WIDTH - 1}")


def button_column(button: Button) -> int:
    """The gamepad column of a button (buttons follow the 6 axes)."""
    return NUM_AXES + int(button)


@dataclass(frozen=True)
class Gait:
    """One gait: its column name, top speed (m/s at full stick), the pad columns that select it (a
    modifier) or () (the idle or moving gait), and the gaits a modifier takes weight from (None: all)."""

    name: str
    top_speed: float = 0.0
    selected_by: tuple[int, ...] = ()
    replaces: tuple[str, ...] | None = None

    def selectors(self) -> str:
        """'trigger_right or right_shoulder' (for on-screen help)."""
        return " or ".join(column_name(c) for c in self.selected_by)


class GaitArrays(NamedTuple):
    """A `GaitTable` as arrays (G gait columns, M modifiers), what the ticks read; numba takes it as is."""

    idle: int                # column of the idle gait
    moving: int              # column of the moving gait
    speeds: np.ndarray       # [G] float32 top speed per column
    targets: np.ndarray      # [M] int64 column each modifier moves weight onto
    sources: np.ndarray      # [M, G] float32 1 where the modifier takes weight from that column
    selectors: np.ndarray    # [M, 21] float32 1 on the pad columns that select the modifier


@dataclass(frozen=True)
class GaitTable:
    """A controller's gaits as data (see the module docstring)."""

    columns: tuple[str, ...]
    gaits: tuple[Gait, ...]
    idle: str
    moving: str

    def __post_init__(self) -> None:
        names = [g.name for g in self.gaits]
        where = f"gait table {list(self.columns)}"
        if len(set(self.columns)) != len(self.columns):
            raise InputError(f"{where}: a gait column appears twice")
        for g in self.gaits:
            if g.name not in self.columns:
                raise InputError(f"{where}: gait {g.name!r} is not one of the columns")
            if not (np.isfinite(g.top_speed) and g.top_speed >= 0.0):
                raise InputError(f"{where}: gait {g.name!r} has top speed {g.top_speed}; give a finite speed >= 0")
            for c in g.selected_by:
                if not FIRST_SELECTOR_COLUMN <= int(c) < GAMEPAD_WIDTH:
                    raise InputError(f"{where}: gait {g.name!r} is selected by gamepad column {c}; selectors must "
                                     f"be triggers or buttons (columns {FIRST_SELECTOR_COLUMN}..{GAMEPAD_WIDTH - 1})")
            for r in g.replaces or ():
                if r not in names:
                    raise InputError(f"{where}: gait {g.name!r} replaces unknown gait {r!r}")
        if len(set(names)) != len(names):
            raise InputError(f"{where}: a gait is listed twice")
        for role, name in (("idle", self.idle), ("moving", self.moving)):
            if name not in names:
                raise InputError(f"{where}: the {role} gait {name!r} is not in the table")
            if self.gait(name).selected_by:
                raise InputError(f"{where}: the {role} gait {name!r} cannot be selected by a button")
        if self.idle == self.moving:
            raise InputError(f"{where}: idle and moving must be different gaits")

    def gait(self, name: str) -> Gait:
        for g in self.gaits:
            if g.name == name:
                return g
        raise InputError(f"gait table has no gait {name!r} (gaits: {', '.join(g.name for g in self.gaits)})")

    @property
    def modifiers(self) -> tuple[Gait, ...]:
        """The gaits selected by a trigger or button, in the order they apply."""
        return tuple(g for g in self.gaits if g.selected_by)

    def with_speeds(self, speeds: Sequence[float] | Mapping[str, float]) -> "GaitTable":
        """The same table with top speeds from a trained model: a sequence in `gaits` order (PFNN
        artifacts store [stand, walk, jog, crouch]) or {name: speed}."""
        if isinstance(speeds, Mapping):
            unknown = set(speeds) - {g.name for g in self.gaits}
            if unknown:
                raise InputError(f"gait speeds name unknown gaits {sorted(unknown)}")
            values = [float(speeds.get(g.name, g.top_speed)) for g in self.gaits]
        else:
            values = [float(v) for v in speeds]
            if len(values) != len(self.gaits):
                raise InputError(f"gait speeds: expected {len(self.gaits)} values ({', '.join(g.name for g in self.gaits)}), "
                                 f"got {len(values)}")
        return replace(self, gaits=tuple(replace(g, top_speed=v) for g, v in zip(self.gaits, values)))

    def speeds(self) -> list[float]:
        """Top speeds in `gaits` order (the inverse of `with_speeds`)."""
        return [g.top_speed for g in self.gaits]

    def arrays(self) -> GaitArrays:
        g, mods = len(self.columns), self.modifiers
        col = {name: i for i, name in enumerate(self.columns)}
        speeds = np.zeros(g, np.float32)
        for gait in self.gaits:
            speeds[col[gait.name]] = gait.top_speed
        sources = np.zeros((len(mods), g), np.float32)
        selectors = np.zeros((len(mods), GAMEPAD_WIDTH), np.float32)
        for m, gait in enumerate(mods):
            for name in (gait.replaces if gait.replaces is not None else [x.name for x in self.gaits]):
                sources[m, col[name]] = 1.0
            selectors[m, list(gait.selected_by)] = 1.0
        targets = np.array([col[gait.name] for gait in mods], np.int64)
        return GaitArrays(col[self.idle], col[self.moving], speeds, targets, sources, selectors)

    def weights(self, moving: float, selections: Mapping[str, float] | None = None) -> dict[str, float]:
        """Gait weights (by column name) for a stick pushed `moving` (0..1) and modifier amounts by name:
        the rule in plain Python, for documentation and tests."""
        w = {name: 0.0 for name in self.columns}
        w[self.idle], w[self.moving] = 1.0 - moving, moving
        for gait in self.modifiers:
            a = min(max(float((selections or {}).get(gait.name, 0.0)), 0.0), 1.0)
            for name in (gait.replaces if gait.replaces is not None else [x.name for x in self.gaits]):
                take = a * w[name]
                w[name] -= take
                w[gait.name] += take
        return w

    def controls(self) -> tuple[tuple[str, str], ...]:
        """(input, what it does) rows for each modifier, e.g. ('trigger_right or right_shoulder', 'jog')."""
        return tuple((g.selectors(), g.name) for g in self.modifiers)


__all__ = ["FIRST_SELECTOR_COLUMN", "Gait", "GaitArrays", "GaitTable", "button_column", "column_name"]
