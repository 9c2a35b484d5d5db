"""Motion: a clip of local joint transforms on one skeleton, sampled at a fixed frame rate."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .kinematics import forward_kinematics
from .skeleton import Skeleton


@dataclass
class Motion:
    """T frames of one skeleton's local transforms (Holden-style).

    positions: [T, J, 3] local translations in the parent's frame; joint 0's is its world position.
               Joints without animated translation hold their skeleton offset in every frame.
    rotations: [T, J, 4] local unit quaternions (w, x, y, z) in the parent's frame.
    frame_time: seconds between frames.
    channels:  per joint, the BVH channel names it was read with (e.g. ("Xposition", ..., "Xrotation"));
               None for motion not read from BVH. `write_bvh` can reuse this layout.
    """

    skeleton: Skeleton
    positions: np.ndarray
    rotations: np.ndarray
    frame_time: float
    channels: tuple[tuple[str, ...], ...] | None = None

    def __post_init__(self) -> None:
        self.positions = np.asarray(self.positions)
        self.rotations = np.asarray(self.rotations)
        j = self.skeleton.num_joints
        if self.positions.ndim != 3 or self.positions.shape[1:] != (j, 3):
            raise ValueError(f"positions has shape {self.positions.shape}, expected [T, {j}, 3]")
        if self.rotations.shape != self.positions.shape[:2] + (4,):
            raise ValueError(f"rotations has shape {self.rotations.shape}, expected {self.positions.shape[:2] + (4,)}")
        if not self.frame_time > 0:
            raise ValueError(f"frame_time must be positive, got {self.frame_time}")

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])

    @property
    def num_joints(self) -> int:
        return self.skeleton.num_joints

    @property
    def fps(self) -> float:
        return 1.0 / self.frame_time

    @property
    def duration(self) -> float:
        """Seconds from the first to the last frame."""
        return max(self.num_frames - 1, 0) * self.frame_time

    def __len__(self) -> int:
        return self.num_frames

    def __getitem__(self, frames: slice | np.ndarray | list[int]) -> "Motion":
        """A new Motion holding the selected frames (a strided slice scales frame_time)."""
        if isinstance(frames, int):
            frames = slice(frames, frames + 1 if frames != -1 else None)
        step = frames.step if isinstance(frames, slice) and frames.step else 1
        if step < 0:
            raise ValueError("motion frames cannot be reversed by slicing")
        return replace(self, positions=self.positions[frames].copy(), rotations=self.rotations[frames].copy(),
                       frame_time=self.frame_time * step)

    def between(self, start_s: float, stop_s: float) -> "Motion":
        """Frames whose time in seconds lies in [start_s, stop_s)."""
        t = np.arange(self.num_frames) * self.frame_time
        idx = np.nonzero((t >= start_s - 1e-9) & (t < stop_s - 1e-9))[0]
        return self[slice(int(idx[0]), int(idx[-1]) + 1)] if len(idx) else self[0:0]

    def copy(self) -> "Motion":
        return replace(self, positions=self.positions.copy(), rotations=self.rotations.copy())

    def world(self) -> tuple[np.ndarray, np.ndarray]:
        """(world positions [T, J, 3], world rotations [T, J, 4]) by forward kinematics."""
        return forward_kinematics(self.skeleton.parents, self.positions, self.rotations)

    def world_positions(self) -> np.ndarray:
        return self.world()[0]

    @staticmethod
    def concatenate(motions: list["Motion"]) -> "Motion":
        """Clips of one skeleton and frame time joined end to end."""
        first = motions[0]
        for m in motions[1:]:
            if not m.skeleton.same_topology(first.skeleton) or abs(m.frame_time - first.frame_time) > 1e-9:
                raise ValueError("motions to concatenate must share skeleton topology and frame time")
        return replace(first, positions=np.concatenate([m.positions for m in motions]),
                       rotations=np.concatenate([m.rotations for m in motions]))
