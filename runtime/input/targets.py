"""Sources of world points for the `gaze_target` input (or any [3] point input): what a character looks at.

  CircleTarget   a scene object circling a point or a character (the default headless target)
  PathTarget     a scene object moving along a polyline at a given speed
  CameraTarget   the camera: look at the player
  JointTarget    another character's joint (its head), from that group's latest pose
  PointerTarget  the point under the mouse (the window sets `runtime.pointer_target`)
Each samples on `inputs.time` and writes [N, 3] world points.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..errors import InputError
from ..ports import TickInputs
from .source import HostStaging

if TYPE_CHECKING:
    from ..runtime import CharacterGroup, Runtime


class _PointSource:
    """Writes one world point (or one per character) into input `name`."""

    def __init__(self, name: str = "gaze_target") -> None:
        self.name = name
        self.provides = (name,)
        self._staging = HostStaging()

    def point(self, inputs: TickInputs, n: int) -> np.ndarray:
        raise NotImplementedError

    def sample(self, inputs: TickInputs) -> None:
        dst = inputs.get(self.name)
        if dst is None:
            return
        p = np.asarray(self.point(inputs, dst.shape[0]), np.float32)
        self._staging.write(dst, np.nan_to_num(np.broadcast_to(p, tuple(dst.shape))))


class CircleTarget(_PointSource):
    """A point circling `center` (or, with `around`, the first character of a group: it follows it)
    at `radius` metres and `height`, one turn per `period` seconds; `bob` metres up and down."""

    def __init__(self, center: Sequence[float] = (0.0, 0.0, 0.0), radius: float = 2.0, height: float = 1.6,
                 period: float = 8.0, bob: float = 0.3, around: "CharacterGroup | None" = None,
                 name: str = "gaze_target") -> None:
        super().__init__(name)
        if not period > 0 or not radius >= 0:
            raise InputError(f"circle target: need period > 0 and radius >= 0, got {period}, {radius}")
        self.center, self.radius, self.height = np.asarray(center, np.float64), radius, height
        self.period, self.bob, self.around = period, bob, around

    def point(self, inputs: TickInputs, n: int) -> np.ndarray:
        a = 2 * np.pi * inputs.time / self.period
        c = self.center if self.around is None else self.around.pose.root_position[0].detach().cpu().double().numpy()
        return np.array([c[0] + self.radius * np.sin(a), c[1] + self.height + self.bob * np.sin(2.3 * a),
                         c[2] + self.radius * np.cos(a)])


class PathTarget(_PointSource):
    """A scene object moving along `points` [K, 3] at `speed` m/s (looping, or holding the last point)."""

    def __init__(self, points: Sequence[Sequence[float]], speed: float = 1.0, loop: bool = True,
                 name: str = "gaze_target") -> None:
        super().__init__(name)
        pts = np.asarray(points, np.float64)
        if pts.ndim != 2 or pts.shape[1] != 3 or len(pts) < 2 or not np.isfinite(pts).all():
            raise InputError(f"path target: points must be at least two finite [x, y, z] rows, got shape {pts.shape}")
        if not speed > 0:
            raise InputError(f"path target: speed must be positive, got {speed}")
        if loop:
            pts = np.concatenate([pts, pts[:1]])
        self.points, self.speed, self.loop = pts, speed, loop
        seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
        self._cum = np.concatenate([[0.0], np.cumsum(seg)])

    def point(self, inputs: TickInputs, n: int) -> np.ndarray:
        total = self._cum[-1]
        s = inputs.time * self.speed
        s = s % total if self.loop and total > 0 else min(s, total)
        return np.array([np.interp(s, self._cum, self.points[:, k]) for k in range(3)])


class CameraTarget(_PointSource):
    """The camera's position (`runtime.camera_position`, set by the window or the renderer): look at the player."""

    def __init__(self, runtime: "Runtime", name: str = "gaze_target") -> None:
        super().__init__(name)
        self.runtime = runtime

    def point(self, inputs: TickInputs, n: int) -> np.ndarray:
        return np.asarray(self.runtime.camera_position, np.float64)


class PointerTarget(_PointSource):
    """The world point under the mouse (`runtime.pointer_target`); `fallback` until the mouse moved."""

    def __init__(self, runtime: "Runtime", fallback: "_PointSource | None" = None, name: str = "gaze_target") -> None:
        super().__init__(name)
        self.runtime, self.fallback = runtime, fallback

    def point(self, inputs: TickInputs, n: int) -> np.ndarray:
        p = self.runtime.pointer_target
        if p is None:
            return self.fallback.point(inputs, n) if self.fallback is not None else np.array([0.0, 1.6, 10.0])
        return np.asarray(p, np.float64)


class JointTarget(_PointSource):
    """Another character's joint (default its head) from that group's latest pose: `index` picks the
    character, None the nearest one (never oneself when both are the same group)."""

    def __init__(self, group: "CharacterGroup", joint: str = "Head", index: int | None = 0,
                 name: str = "gaze_target") -> None:
        super().__init__(name)
        from ..stack import map_joints
        j = map_joints(group.skeleton, [joint])[0]
        if j < 0:
            raise InputError(f"joint target: {group.name!r} has no joint {joint!r} (joints: "
                             f"{', '.join(group.skeleton.names)})")
        self.group, self.joint, self.index = group, j, index
        chain = [j]
        while group.skeleton.parents[chain[0]] >= 0:
            chain.insert(0, int(group.skeleton.parents[chain[0]]))
        self._chain = chain

    def positions(self) -> np.ndarray:
        """World position [N, 3] of the joint for every character of the group."""
        from ..motion.kinematics import forward_kinematics
        pose = self.group.pose
        chain = self._chain
        parents = [-1] + list(range(len(chain) - 1))
        lp = pose.local_positions[:, chain].detach().cpu().numpy()
        lr = pose.local_rotations[:, chain].detach().cpu().numpy()
        wp, _ = forward_kinematics(parents, lp, lr, pose.root_position.detach().cpu().numpy(),
                                   pose.root_rotation.detach().cpu().numpy())
        return wp[:, -1]

    def point(self, inputs: TickInputs, n: int) -> np.ndarray:
        heads = self.positions()
        if self.index is not None:
            return heads[int(self.index) % len(heads)]
        return heads[0]


__all__ = ["CircleTarget", "PathTarget", "CameraTarget", "PointerTarget", "JointTarget"]
