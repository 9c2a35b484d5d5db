"""ScriptedGazeTarget: the headless gaze target, a looping script of fixations, jumps, pursuits, near and far.

What `neuropuppet render NAME --layers gaze` and `play --headless` look at when no one moves a target:
a 20 s loop, in each character's own frame (its root and heading; the world origin facing +Z without
a group), of steps (yaw left of ahead, pitch up, distance from the eyes; a step that starts where the
last ended moves, one that does not is a jump):

  fixate ahead 2 m -> jump 25 deg right -> jump 60 deg left (the head joins) -> slow pursuit to the right
  (15 deg/s) -> fast sweep back (90 deg/s) -> near, 0.35 m in front of the face (vergence) -> far, 8 m
  -> up and down -> behind the shoulder (120 deg: head and torso limits) -> back ahead
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..ports import TickInputs
from .targets import _PointSource

if TYPE_CHECKING:
    from ..runtime import CharacterGroup

EYE_HEIGHT = 1.6      # metres above the root the script's angles are measured from
# (seconds, (yaw deg, pitch deg, distance m) at the start, at the end)
SCRIPT: tuple[tuple[float, tuple[float, float, float], tuple[float, float, float]], ...] = (
    (2.0, (0, 0, 2.0), (0, 0, 2.0)),          # fixate ahead
    (1.5, (-25, 5, 2.5), (-25, 5, 2.5)),      # jump right
    (2.0, (60, -5, 2.0), (60, -5, 2.0)),      # jump far left: the head joins
    (6.0, (45, 0, 2.5), (-45, 0, 2.5)),       # slow pursuit, 15 deg/s
    (1.0, (-45, 0, 2.5), (45, 0, 2.5)),       # fast sweep back, 90 deg/s
    (2.0, (0, -5, 0.35), (0, -5, 0.35)),      # near: the eyes converge
    (1.5, (5, 0, 8.0), (5, 0, 8.0)),          # far
    (1.5, (0, 25, 3.0), (0, -20, 3.0)),       # up and down
    (1.5, (120, 0, 2.0), (120, 0, 2.0)),      # behind the left shoulder
    (1.0, (0, 0, 2.0), (0, 0, 2.0)),          # back ahead
)
LOOP_SECONDS = float(sum(s[0] for s in SCRIPT))


def script_angles(time: float) -> np.ndarray:
    """(yaw deg, pitch deg, distance m) of the script at `time` seconds (it loops)."""
    t = float(time) % LOOP_SECONDS
    for seconds, start, end in SCRIPT:
        if t < seconds:
            return np.asarray(start, np.float64) + (np.asarray(end, np.float64) - start) * (t / seconds)
        t -= seconds
    return np.asarray(SCRIPT[-1][2], np.float64)


class ScriptedGazeTarget(_PointSource):
    """The script (module docstring) around each character of `around` (set once the group exists), or
    around the world origin facing +Z."""

    def __init__(self, around: "CharacterGroup | None" = None, name: str = "gaze_target") -> None:
        super().__init__(name)
        self.around = around

    def point(self, inputs: TickInputs, n: int) -> np.ndarray:
        yaw, pitch, dist = script_angles(inputs.time)
        y, p = np.radians(yaw), np.radians(pitch)
        local = np.array([dist * np.sin(y) * np.cos(p), EYE_HEIGHT + dist * np.sin(p), dist * np.cos(y) * np.cos(p)])
        if self.around is None:
            return local
        pose = self.around.pose
        root = pose.root_position.detach().cpu().double().numpy()[:n]
        w, x, qy, z = pose.root_rotation.detach().cpu().double().numpy()[:n].T
        heading = np.arctan2(2 * (x * z + w * qy), 1 - 2 * (x * x + qy * qy))
        c, s = np.cos(heading), np.sin(heading)
        return root + np.stack([c * local[0] + s * local[2], np.full_like(c, local[1]),
                                -s * local[0] + c * local[2]], -1)


__all__ = ["LOOP_SECONDS", "SCRIPT", "ScriptedGazeTarget", "script_angles"]
