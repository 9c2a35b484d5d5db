"""PFNN's data description, written once: feature layouts, trajectory window, gait table, stick response.

Every engine reads it: the torch tick (tick.py) and the compiled tick (native.py, whose kernel cache
is keyed on this file too), the trainer's dataset, the exporter and the controller.

Input x (342 for 31 joints), all in the character root's frame (root on the ground, facing +Z):
  traj_pos     [12, 2]  trajectory x, z at frames -60, -50, ..., +50
  traj_dir     [12, 2]  facing direction x, z at those frames
  traj_gait    [12, 6]  gait weights: stand, walk, jog, crouch, jump, unused
  traj_height  [12, 3]  terrain height relative to the root 25 cm to the right, at, and 25 cm to the
                        left of each point (`neuropuppet.locomotion.terrain_probes`)
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
"""
from __future__ import annotations

from dataclasses import dataclass

from neuropuppet.channels import Axis, Button
from neuropuppet.features import Layout
from neuropuppet.locomotion.gaits import Gait, GaitTable, button_column
from neuropuppet.locomotion.stick import StickResponse
from neuropuppet.locomotion.trajectory import TrajectoryWindow

WINDOW = TrajectoryWindow(samples=12, step=10, past=6, predicted=6)
TRAJ_SAMPLES = WINDOW.samples       # the window's numbers as plain ints (numba and TorchScript read these)
TRAJ_STEP = WINDOW.step             # frames between trajectory samples
TRAJ_PAST = WINDOW.past             # samples before the current frame (sample 6 is "now")
FUTURE_SAMPLES = WINDOW.predicted
FUTURE_KEPT = WINDOW.future_kept    # 5 future samples in the input
HISTORY = WINDOW.history            # 61 past frames kept, the last one is "now"
GAIT_NAMES = ("stand", "walk", "jog", "crouch", "jump", "unused")
NUM_GAITS = len(GAIT_NAMES)
COLUMNS = 4 + NUM_GAITS             # a trajectory state sample: x, z, facing x, facing z, gait weights
CONTACT_NAMES = ("left_heel", "left_toe", "right_heel", "right_toe")
NUM_CONTACTS = len(CONTACT_NAMES)
HEIGHT_SIDE_OFFSET = 0.25           # metres from a trajectory point to its side probes
PROBES = 3
CURRENT_GAIT_RATE = 0.1             # how far the current frame's gait weights move toward the desired ones per tick

GAITS = GaitTable(
    columns=GAIT_NAMES,
    gaits=(Gait("stand", 0.0), Gait("walk", 1.4),
           Gait("jog", 3.2, selected_by=(int(Axis.TRIGGER_RIGHT), button_column(Button.RIGHT_SHOULDER)),
                replaces=("walk",)),
           Gait("crouch", 0.8, selected_by=(int(Axis.TRIGGER_LEFT), button_column(Button.B)))),
    idle="stand", moving="walk")
"""Run = right trigger or right shoulder; crouch = left trigger or B (the left shoulder strafes). Top speeds
here are defaults: a trained artifact's `gait_speeds` (stand, walk, jog, crouch) replace them."""

STICK = StickResponse(dead_zone=0.15, move_ramp=10.0, min_drive=0.8, look_threshold=0.25)
"""Past the dead zone the gait is locomotion almost at once (move_ramp) and the speed starts at
min_drive of the gait's top speed: the shipped model, trained on synthetic data whose slow walks are
mostly side-steps, strafes at slow forward speeds (about 45-80 degrees off at 0.1-0.6 m/s), so partial
stick walks forward at 80-100 % of walking speed instead (ramping up over the first tenth of the
stick's live range)."""


def input_layout(num_joints: int) -> Layout:
    return Layout.build([("traj_pos", (TRAJ_SAMPLES, 2)), ("traj_dir", (TRAJ_SAMPLES, 2)),
                         ("traj_gait", (TRAJ_SAMPLES, NUM_GAITS)), ("traj_height", (TRAJ_SAMPLES, PROBES)),
                         ("joint_pos", (num_joints, 3)), ("joint_vel", (num_joints, 3))])


def output_layout(num_joints: int) -> Layout:
    return Layout.build([("root_vel", 2), ("root_rot", 1), ("dphase", 1), ("contacts", NUM_CONTACTS),
                         ("future_pos", (FUTURE_SAMPLES, 2)), ("future_dir", (FUTURE_SAMPLES, 2)),
                         ("joint_pos", (num_joints, 3)), ("joint_vel", (num_joints, 3)),
                         ("joint_rot", (num_joints, 3))])


@dataclass(frozen=True)
class PFNNFeatures:
    """Input and output layouts for a skeleton of `num_joints` joints."""

    num_joints: int
    x: Layout
    y: Layout

    @classmethod
    def for_joints(cls, num_joints: int) -> "PFNNFeatures":
        return cls(num_joints, input_layout(num_joints), output_layout(num_joints))

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


__all__ = ["COLUMNS", "CONTACT_NAMES", "CURRENT_GAIT_RATE", "FUTURE_KEPT", "FUTURE_SAMPLES", "GAITS", "GAIT_NAMES", "HEIGHT_SIDE_OFFSET",
           "HISTORY", "NUM_CONTACTS", "NUM_GAITS", "PFNNFeatures", "PROBES", "STICK", "TRAJ_PAST", "TRAJ_SAMPLES",
           "TRAJ_STEP", "WINDOW", "input_layout", "output_layout"]
