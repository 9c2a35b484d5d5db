"""Showing a motion clip as it is: its length unit, its ground, and a frame cursor (play, pause, scrub).

BVH has no unit: files come in metres, centimetres, inches, millimetres or the CMU database's
1/0.45 inch (see `bvh.CMU_SCALE`). `detect_unit` picks the unit that makes the skeleton's extent
(the rest pose's largest side, end sites included) closest to a standing human's, `HUMAN_EXTENT`.
`DisplayClip` scales a clip to metres and puts it on the ground; `MotionPlayer` is the cursor a viewer
moves through it. No windowing or GL here.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import MotionDataError
from .bvh import CMU_SCALE, read_bvh
from .kinematics import forward_kinematics
from .motion import Motion
from .rotations import quat_rotate
from .skeleton import Skeleton

HUMAN_EXTENT = 1.5
"""Metres from the lowest to the highest joint of a standing adult (toe to head joint, not the crown)."""

LENGTH_UNITS: tuple[tuple[str, float], ...] = (
    ("metres", 1.0),
    ("centimetres", 0.01),
    ("millimetres", 0.001),
    ("inches", 0.0254),
    ("CMU units (1/0.45 in)", CMU_SCALE),
)
"""Candidate units: name, metres per file unit."""

GROUND_PERCENTILE = 5.0
"""The ground is put at this percentile of each frame's lowest point (robust to a first frame on tiptoe)."""


@dataclass(frozen=True)
class LengthUnit:
    """The unit a clip is shown in: `metres` per file unit; `detected` False when given by the user."""

    name: str
    metres: float
    detected: bool
    extent: float          # the skeleton's extent in file units (what detection measured)

    def describe(self) -> str:
        how = (f"detected from the skeleton's extent of {self.extent:.4g} units = {self.extent * self.metres:.2f} m"
               if self.detected else "given by --scale")
        return f"{self.name}, {how}"


def _end_site_points(skeleton: Skeleton, world_pos: np.ndarray, world_rot: np.ndarray) -> np.ndarray:
    """World points of the end sites [..., E, 3] (E may be 0)."""
    if not skeleton.end_sites:
        return world_pos[..., :0, :]
    joints = list(skeleton.end_sites)
    offsets = np.stack([skeleton.end_sites[j] for j in joints]).astype(np.float64)
    return world_pos[..., joints, :] + quat_rotate(world_rot[..., joints, :], offsets)


def rest_extent(skeleton: Skeleton) -> float:
    """Largest side of the bounding box of the rest pose (joints and end sites), in the skeleton's units."""
    j = skeleton.num_joints
    ident = np.zeros((j, 4))
    ident[:, 0] = 1.0
    pos, rot = forward_kinematics(skeleton.parents, skeleton.offsets.astype(np.float64), ident)
    points = np.concatenate([pos, _end_site_points(skeleton, pos, rot)])
    return float((points.max(0) - points.min(0)).max())


def detect_unit(motion: Motion) -> LengthUnit:
    """The unit of `motion` judged from its size (rest pose; the first frame when the rest pose is a point)."""
    extent = rest_extent(motion.skeleton)
    if extent < 1e-9 and motion.num_frames:
        pos, _ = motion[0:1].world()
        extent = float((pos[0].max(0) - pos[0].min(0)).max())
    if not extent > 1e-9:
        raise MotionDataError("cannot judge the unit of a skeleton with no extent (every joint at one point); "
                              "give --scale")
    name, metres = min(LENGTH_UNITS, key=lambda u: abs(np.log(extent * u[1] / HUMAN_EXTENT)))
    return LengthUnit(name, metres, True, extent)


def scaled(motion: Motion, metres_per_unit: float) -> Motion:
    """The clip with every length multiplied by `metres_per_unit`."""
    s = motion.skeleton
    skeleton = Skeleton(s.names, s.parents, s.offsets * metres_per_unit,
                        {k: v * metres_per_unit for k, v in s.end_sites.items()})
    return replace(motion, skeleton=skeleton, positions=motion.positions * metres_per_unit)


def world_points(motion: Motion) -> np.ndarray:
    """World positions of every joint and end site, [T, J + E, 3]."""
    pos, rot = motion.world()
    return np.concatenate([pos, _end_site_points(motion.skeleton, pos, rot)], axis=1)


class DisplayClip:
    """A clip in metres standing on y = 0, with what a viewer needs per frame (see module docstring).

    scale: metres per file unit; None detects it (`detect_unit`).
    """

    def __init__(self, motion: Motion, scale: float | None = None, name: str = "") -> None:
        if motion.num_frames == 0:
            raise MotionDataError(f"{name or 'motion'}: the clip has no frames to show")
        if scale is not None and not (np.isfinite(scale) and scale > 0):
            raise MotionDataError(f"{name or 'motion'}: --scale must be a positive number, got {scale}")
        self.name = name
        try:
            self.unit = detect_unit(motion) if scale is None else \
                LengthUnit(f"{scale:g} m per unit", scale, False, rest_extent(motion.skeleton))
        except MotionDataError as e:
            raise MotionDataError(f"{name or 'motion'}: {e}") from None
        motion = scaled(motion, self.unit.metres)
        points = world_points(motion)
        self.ground = float(np.percentile(points[..., 1].min(axis=1), GROUND_PERCENTILE))
        motion.positions[:, 0, 1] -= self.ground
        self.motion = motion
        self.points = points - np.array([0.0, self.ground, 0.0])      # [T, P, 3], on the ground
        self.height = float(max(np.ptp(self.points[0, :, 1]), 0.2))    # the first frame's standing height
        self.root_path = motion.world_positions()[:, 0]                # [T, 3] the root joint in metres

    @classmethod
    def load(cls, path: str, scale: float | None = None) -> "DisplayClip":
        """Read a BVH file (MotionDataError naming the file, and the line where it is malformed)."""
        return cls(read_bvh(path), scale, name=str(path))

    @property
    def num_frames(self) -> int:
        return self.motion.num_frames

    @property
    def frame_time(self) -> float:
        return self.motion.frame_time

    def follow_point(self, frame: int) -> np.ndarray:
        """Where a camera aims at `frame`: above the root joint, at 55% of the figure's height."""
        x, _, z = self.root_path[frame]
        return np.array([x, 0.55 * self.height, z])

    def describe(self) -> str:
        m = self.motion
        return (f"{self.name}: {m.num_frames} frames at {m.fps:.4g} fps ({m.duration:.2f} s), "
                f"{m.num_joints} joints; unit: {self.unit.describe()}; figure {self.height:.2f} m tall")


class MotionPlayer:
    """A cursor over `num_frames` frames `frame_time` apart: real-time playback that loops, pause, scrub.

    `advance(seconds)` moves the cursor while playing; `step(k)` pauses and moves k frames;
    `jump(seconds)` moves by whole frames either way; `restart()` goes back to frame 0.
    Stepping and jumping stop at the first and last frame.
    """

    def __init__(self, num_frames: int, frame_time: float) -> None:
        if num_frames < 1 or not frame_time > 0:
            raise ValueError(f"a player needs frames and a positive frame time, got {num_frames}, {frame_time}")
        self.num_frames, self.frame_time = int(num_frames), float(frame_time)
        self.position = 0.0         # seconds into the clip
        self.paused = False

    @property
    def frame(self) -> int:
        return min(int(self.position / self.frame_time + 1e-6), self.num_frames - 1)

    @property
    def time(self) -> float:
        """Seconds of the frame shown."""
        return self.frame * self.frame_time

    @property
    def length(self) -> float:
        """Seconds of one pass (every frame shown for one frame time)."""
        return self.num_frames * self.frame_time

    def advance(self, seconds: float) -> None:
        if not self.paused and seconds > 0:
            self.position = (self.position + seconds) % self.length

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def seek(self, frame: int) -> None:
        self.position = int(np.clip(frame, 0, self.num_frames - 1)) * self.frame_time

    def step(self, frames: int) -> None:
        """Pause and move `frames` frames (negative: back)."""
        self.paused = True
        self.seek(self.frame + frames)

    def jump(self, seconds: float) -> None:
        self.seek(self.frame + int(round(seconds / self.frame_time)))

    def restart(self) -> None:
        self.position = 0.0


__all__ = ["DisplayClip", "GROUND_PERCENTILE", "HUMAN_EXTENT", "LENGTH_UNITS", "LengthUnit", "MotionPlayer",
           "detect_unit", "rest_extent", "scaled", "world_points"]
