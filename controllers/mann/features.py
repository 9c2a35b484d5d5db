"""MANN's data description, written once: feature layouts, trajectory window, gating inputs, gait table.

The trainer's dataset, the network (its gating input columns), the tick and the exporter all read it.
G = number of gait/action columns (the config's `gaits`, e.g. the quadruped generator's idle, walk,
pace, trot, canter, sit, stand, jump), F = number of feet (4 paws), J = joints.

Input x (564 for 31 joints, G = 9), in the frame of the previous root (hips on the ground, facing +Z):
  traj_pos    [12, 2]   trajectory x, z at frames -60, -50, ..., +50 (6 past, now, 5 future)
  traj_dir    [12, 2]   facing x, z
  traj_vel    [12, 2]   root velocity x, z (m/s)
  traj_speed  [12]      desired speed (m/s; the labels' commanded speed where present)
  traj_gait   [12, G]   gait/action weights
  joint_pos   [J, 3]    joint positions
  joint_fwd   [J, 3]    each joint's world rotation applied to +Z (forward axis)
  joint_up    [J, 3]    ... applied to +Y (up axis)
  joint_vel   [J, 3]    joint velocities (m/s)
Output y (415 for 31 joints, F = 4):
  root_update [3]       dx, d-yaw (radians), dz this frame, in the previous root frame
  contacts    [F]       foot contacts in 0..1 (the config's feet order)
  future_pos  [6, 2]    trajectory x, z at frames +10, ..., +60 in the new root frame
  future_dir  [6, 2]
  future_vel  [6, 2]
  joint_pos, joint_fwd, joint_up, joint_vel [J, 3] each, in the new root frame
Gating input (19 + G - 6 = 21): the normalised x columns of the feet's velocities (F x 3), the current
sample's speed (1) and gait weights (G).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuropuppet.features import Layout
from neuropuppet.locomotion.trajectory import TrajectoryWindow

WINDOW = TrajectoryWindow(samples=12, step=10, past=6, predicted=6)
TRAJ_SAMPLES = WINDOW.samples
TRAJ_STEP = WINDOW.step
TRAJ_PAST = WINDOW.past
FUTURE_SAMPLES = WINDOW.predicted
FUTURE_KEPT = WINDOW.future_kept
HISTORY = WINDOW.history
NUM_EXPERTS = 8
FPS = 60.0
JOINT_BLOCKS = ("joint_pos", "joint_fwd", "joint_up", "joint_vel")


def input_layout(num_joints: int, num_gaits: int) -> Layout:
    return Layout.build([("traj_pos", (TRAJ_SAMPLES, 2)), ("traj_dir", (TRAJ_SAMPLES, 2)),
                         ("traj_vel", (TRAJ_SAMPLES, 2)), ("traj_speed", (TRAJ_SAMPLES,)),
                         ("traj_gait", (TRAJ_SAMPLES, num_gaits))]
                        + [(b, (num_joints, 3)) for b in JOINT_BLOCKS])


def output_layout(num_joints: int, num_feet: int) -> Layout:
    return Layout.build([("root_update", 3), ("contacts", num_feet), ("future_pos", (FUTURE_SAMPLES, 2)),
                         ("future_dir", (FUTURE_SAMPLES, 2)), ("future_vel", (FUTURE_SAMPLES, 2))]
                        + [(b, (num_joints, 3)) for b in JOINT_BLOCKS])


@dataclass(frozen=True)
class MANNFeatures:
    """Layouts for a skeleton of `num_joints` joints, `gaits` columns and the feet (joint indices)."""

    num_joints: int
    gaits: tuple[str, ...]
    feet: tuple[int, ...]
    x: Layout
    y: Layout

    @classmethod
    def build(cls, num_joints: int, gaits: tuple[str, ...], feet: tuple[int, ...]) -> "MANNFeatures":
        if any(not 0 <= f < num_joints for f in feet):
            raise ValueError(f"mann features: foot joint indices {feet} outside 0..{num_joints - 1}")
        return cls(num_joints, tuple(gaits), tuple(int(f) for f in feet),
                   input_layout(num_joints, len(gaits)), output_layout(num_joints, len(feet)))

    @property
    def x_size(self) -> int:
        return self.x.size

    @property
    def y_size(self) -> int:
        return self.y.size

    def gate_columns(self) -> np.ndarray:
        """Columns of x the gating network reads (module docstring)."""
        vel = self.x.block("joint_vel").start
        feet = [vel + 3 * f + k for f in self.feet for k in range(3)]
        speed = [self.x.block("traj_speed").start + TRAJ_PAST]
        g = len(self.gaits)
        gait = [self.x.block("traj_gait").start + TRAJ_PAST * g + k for k in range(g)]
        return np.asarray(feet + speed + gait, np.int64)


__all__ = ["FPS", "FUTURE_KEPT", "FUTURE_SAMPLES", "HISTORY", "JOINT_BLOCKS", "MANNFeatures", "NUM_EXPERTS",
           "TRAJ_PAST", "TRAJ_SAMPLES", "TRAJ_STEP", "WINDOW", "input_layout", "output_layout"]


# -- the dog's gait table (which pad input selects which gait column) ------------------------------------
from neuropuppet.channels import Axis, Button  # noqa: E402
from neuropuppet.locomotion.gaits import Gait, GaitTable, button_column  # noqa: E402
from neuropuppet.locomotion.stick import StickResponse  # noqa: E402

IDLE_GAIT, MOVING_GAIT = "idle", "trot"
GAIT_SELECTORS: tuple[tuple[str, tuple[int, ...], tuple[str, ...] | None], ...] = (
    ("walk", (int(Axis.TRIGGER_LEFT),), ("trot",)),
    ("pace", (int(Axis.TRIGGER_RIGHT),), ("trot",)),
    ("canter", (button_column(Button.RIGHT_SHOULDER),), ("trot", "walk", "pace")),
    ("sit", (button_column(Button.X),), None),
    ("stand", (button_column(Button.Y),), None),
    ("lie", (button_column(Button.B),), None),
    ("jump", (button_column(Button.A),), None),
)
"""(gait, pad columns, gaits it takes weight from or None = all) in the order they apply: the stick alone
walks at a small push and trots beyond (STICK_WALK); left trigger walks, right trigger paces, right shoulder
canters (at any push); X sits, Y stands (rears up), B lies down, A jumps. Rows whose gait the artifact lacks
are left out."""
STICK_WALK = (0.55, 0.75)
"""Stick lengths (0..1): with no gait button held the stick alone walks up to the first, trots from the
second and blends between (the tick presses the walk selector by that amount)."""
GAIT_BUTTONS = ("walk", "pace", "canter")
"""The gaits whose selector overrides the stick's walk/trot choice."""
STATIONARY_GAITS = ("idle", "sit", "stand", "lie")
"""Gaits that do not move the root: the tick scales the root update by 1 - their weight."""
STICK = StickResponse(dead_zone=0.15, move_ramp=10.0, min_drive=0.5, look_threshold=0.25)


def gait_table(columns: tuple[str, ...], speeds: dict[str, float]) -> GaitTable:
    """The dog's gait table over a model's gait columns (which must include idle and trot), top speeds in m/s."""
    gaits = [Gait(IDLE_GAIT, 0.0), Gait(MOVING_GAIT, float(speeds.get(MOVING_GAIT, 2.0)))]
    for name, selected_by, replaces in GAIT_SELECTORS:
        if name in columns:
            keep = None if replaces is None else tuple(r for r in replaces if r in columns)
            gaits.append(Gait(name, float(speeds.get(name, 0.0)), selected_by, keep))
    return GaitTable(columns=tuple(columns), gaits=tuple(gaits), idle=IDLE_GAIT, moving=MOVING_GAIT)
