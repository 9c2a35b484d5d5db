"""PFNN input/output layout as named slices, built from the skeleton.

Input x (342 for 31 joints), all in the character root's frame (root on the ground, facing +Z):
  traj_pos     [12, 2]  trajectory x, z at frames -60, -50, ..., +50
  traj_dir     [12, 2]  facing direction x, z at those frames
  traj_gait    [12, 6]  gait weights: stand, walk, jog, crouch, jump, unused
  traj_height  [12, 3]  terrain height (relative to the root) 25 cm left, centre, 25 cm right
  joint_pos    [J, 3]   previous frame's joint positions
  joint_vel    [J, 3]   previous frame's joint velocities (metres per frame)
Output y (311 for 31 joints):
  root_vel     [2]      root x, z displacement this frame, in the previous root frame
  root_rot     [1]      root yaw change this frame (radians)
  dphase       [1]      phase change this frame (cycles)
  contacts     [4]      L heel, L toe, R heel, R toe in 0..1
  future_pos   [6, 2]   trajectory x, z at frames +10, ..., +60 in the new root frame
  future_dir   [6, 2]   facing x, z at those frames
  joint_pos    [J, 3]   joint positions in the new root frame
  joint_vel    [J, 3]   joint velocities in the new root frame
  joint_rot    [J, 3]   local joint rotations (parent frame; joint 0 in the root frame), log-quaternions

Each block lists its slice into the flat vector; `blocks` is ordered as laid out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

TRAJ_SAMPLES = 12
TRAJ_STEP = 10          # frames between trajectory samples
TRAJ_PAST = 6           # samples before the current frame (sample 6 is "now")
FUTURE_SAMPLES = 6
NUM_GAITS = 6
GAIT_NAMES = ("stand", "walk", "jog", "crouch", "jump", "unused")
NUM_CONTACTS = 4
HEIGHT_SIDE_OFFSET = 0.25  # metres


@dataclass(frozen=True)
class Layout:
    """Named slices of a flat feature vector."""

    blocks: dict[str, slice] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return max((s.stop for s in self.blocks.values()), default=0)

    def __getitem__(self, name: str) -> slice:
        return self.blocks[name]


def _layout(parts: list[tuple[str, int]]) -> Layout:
    blocks, at = {}, 0
    for name, width in parts:
        blocks[name] = slice(at, at + width)
        at += width
    return Layout(blocks)


@dataclass(frozen=True)
class PFNNFeatures:
    """Input and output layouts for a skeleton of `num_joints` joints."""

    num_joints: int
    x: Layout
    y: Layout

    @classmethod
    def for_joints(cls, num_joints: int) -> "PFNNFeatures":
        j = num_joints
        x = _layout([("traj_pos", TRAJ_SAMPLES * 2), ("traj_dir", TRAJ_SAMPLES * 2),
                     ("traj_gait", TRAJ_SAMPLES * NUM_GAITS), ("traj_height", TRAJ_SAMPLES * 3),
                     ("joint_pos", j * 3), ("joint_vel", j * 3)])
        y = _layout([("root_vel", 2), ("root_rot", 1), ("dphase", 1), ("contacts", NUM_CONTACTS),
                     ("future_pos", FUTURE_SAMPLES * 2), ("future_dir", FUTURE_SAMPLES * 2),
                     ("joint_pos", j * 3), ("joint_vel", j * 3), ("joint_rot", j * 3)])
        return cls(j, x, y)

    @property
    def x_size(self) -> int:
        return self.x.size

    @property
    def y_size(self) -> int:
        return self.y.size

    def x_block_groups(self) -> list[tuple[str, slice]]:
        """Input blocks whose standard deviation is averaged together for normalisation."""
        return list(self.x.blocks.items())

    def y_block_groups(self) -> list[tuple[str, slice]]:
        return list(self.y.blocks.items())
