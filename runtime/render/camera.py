"""A follow camera that orbits its target (yaw, pitch, distance); view/projection matrices in numpy.

Modes (`CAMERA_MODES`; `cycle()` steps through them, the window's F3 / V key; `--camera` on play and render):
  follow  behind and above the hero, 4 m off (the default third-person view)
  front   the hero's face at arm's length, from in front (turning with the body's heading, not the
          head's, so the head and eyes can be seen to turn): eyeballs, irises and lids fill the frame
The stick steers relative to `steering_yaw`: the follow view's yaw in either mode (the front view turns
with the character, and steering relative to it would chase its own tail).

Matrices are row-major numpy float32 [4, 4] acting on column vectors (clip = P @ V @ p);
send them to GL transposed (`gl_bytes`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..errors import InputError
from ..motion.kinematics import forward_kinematics
from ..motion.rotations import quat_rotate

CAMERA_MODES = ("follow", "front")
FRONT_VIEW = {"distance": 0.75, "pitch": 0.05, "fov_y": 30.0}     # the face fills about half the frame height
FRONT_DISTANCE_RANGE = (0.3, 5.0)


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray = np.array([0.0, 1.0, 0.0])) -> np.ndarray:
    f = target - eye
    f = f / max(np.linalg.norm(f), 1e-9)
    s = np.cross(f, up)
    s = s / max(np.linalg.norm(s), 1e-9)
    u = np.cross(s, f)
    m = np.eye(4)
    m[0, :3], m[1, :3], m[2, :3] = s, u, -f
    m[:3, 3] = -m[:3, :3] @ eye
    return m


def perspective(fov_y_degrees: float, aspect: float, near: float, far: float) -> np.ndarray:
    f = 1.0 / np.tan(np.radians(fov_y_degrees) / 2)
    m = np.zeros((4, 4))
    m[0, 0], m[1, 1] = f / aspect, f
    m[2, 2], m[2, 3] = (far + near) / (near - far), 2 * far * near / (near - far)
    m[3, 2] = -1.0
    return m


def gl_bytes(m: np.ndarray) -> bytes:
    """A row-major matrix as the column-major bytes GL uniforms expect."""
    return np.ascontiguousarray(m.T, dtype=np.float32).tobytes()


@dataclass
class FollowCamera:
    """Orbits `target` at `distance`; yaw 0 looks along +Z (from behind a character facing +Z)."""

    target: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0, 0.0]))
    yaw: float = 0.0            # radians about +Y
    pitch: float = 0.3          # radians above the horizon
    distance: float = 4.0
    fov_y: float = 50.0
    aspect: float = 16 / 9
    near: float = 0.05
    far: float = 300.0
    follow_rate: float = 6.0    # 1/s: how fast the target chases the followed point
    mode: str = "follow"        # one of CAMERA_MODES
    front_yaw: float = 0.0      # front mode: the player's turn around the face (radians)
    _follow_view: dict = field(default_factory=dict, repr=False)   # follow mode's yaw/pitch/distance/fov, kept
    _heading: float | None = field(default=None, repr=False)       # front mode: smoothed body heading

    def __post_init__(self) -> None:
        if self.mode not in CAMERA_MODES:
            raise InputError(f"camera mode must be one of {', '.join(CAMERA_MODES)}, got {self.mode!r}")
        if self.mode == "front":
            self.mode = "follow"
            self.set_mode("front")

    def set_mode(self, mode: str) -> None:
        """Switch to `mode` (CAMERA_MODES); the follow view's angles and zoom come back when it returns."""
        if mode not in CAMERA_MODES:
            raise InputError(f"camera mode must be one of {', '.join(CAMERA_MODES)}, got {mode!r}")
        if mode == self.mode:
            return
        if mode == "front":
            self._follow_view = {k: getattr(self, k) for k in ("yaw", "pitch", "distance", "fov_y")}
            for k, v in FRONT_VIEW.items():
                setattr(self, k, v)
            self.front_yaw, self._heading = 0.0, None
        else:
            for k, v in self._follow_view.items():
                setattr(self, k, v)
        self.mode = mode

    def cycle(self) -> str:
        """The next mode of CAMERA_MODES (the window's F3 / V key); returns it."""
        self.set_mode(CAMERA_MODES[(CAMERA_MODES.index(self.mode) + 1) % len(CAMERA_MODES)])
        return self.mode

    @property
    def steering_yaw(self) -> float:
        """The yaw the stick steers relative to: the follow view's (kept while the front view is on)."""
        return float(self._follow_view.get("yaw", self.yaw)) if self.mode == "front" else float(self.yaw)

    def track(self, poses: Sequence[Any], dt: float) -> None:
        """Aim at the hero (the first group's first character) for this frame: `follow` its root, or in
        `front` mode its face from in front (snaps when dt <= 0)."""
        if self.mode == "follow":
            self.follow(follow_point_of(poses), dt)
            return
        head, heading = face_of(poses)
        k = 1.0 if dt <= 0 or self._heading is None else 1.0 - np.exp(-self.follow_rate * dt)
        if self._heading is None:
            self._heading = heading
        self._heading += float(np.angle(np.exp(1j * (heading - self._heading)))) * k
        self.yaw = self._heading + np.pi + self.front_yaw
        self.follow(head, dt if k < 1.0 else 0.0)

    @property
    def eye(self) -> np.ndarray:
        c = np.cos(self.pitch)
        back = np.array([-np.sin(self.yaw) * c, np.sin(self.pitch), -np.cos(self.yaw) * c])
        return self.target + back * self.distance

    def view(self) -> np.ndarray:
        return look_at(self.eye, self.target)

    def projection(self) -> np.ndarray:
        return perspective(self.fov_y, self.aspect, self.near, self.far)

    def view_projection(self) -> np.ndarray:
        return self.projection() @ self.view()

    def orbit(self, d_yaw: float, d_pitch: float, d_distance: float = 0.0) -> None:
        """Turn around the target; pitch stays within (-0.1, 1.4) rad, distance within [1.5, 40] m
        (front mode: pitch within (-0.6, 1.0), distance within FRONT_DISTANCE_RANGE, zoom in smaller steps)."""
        if self.mode == "front":
            self.front_yaw += d_yaw
            self.yaw += d_yaw
            self.pitch = float(np.clip(self.pitch + d_pitch, -0.6, 1.0))
            self.distance = float(np.clip(self.distance + 0.2 * d_distance, *FRONT_DISTANCE_RANGE))
            return
        self.yaw += d_yaw
        self.pitch = float(np.clip(self.pitch + d_pitch, -0.1, 1.4))
        self.distance = float(np.clip(self.distance + d_distance, 1.5, 40.0))

    def follow(self, point: np.ndarray, dt: float) -> None:
        """Move the target smoothly toward `point` (exponential approach; snaps when dt <= 0)."""
        k = 1.0 if dt <= 0 else 1.0 - np.exp(-self.follow_rate * dt)
        self.target = self.target + (np.asarray(point, np.float64) - self.target) * k

    def project(self, points: np.ndarray, width: int, height: int) -> np.ndarray:
        """Pixel coordinates [..., 2] (x right, y down from the top-left) of world points [..., 3]."""
        p = np.asarray(points, np.float64)
        clip = np.concatenate([p, np.ones(p.shape[:-1] + (1,))], -1) @ self.view_projection().T
        ndc = clip[..., :2] / clip[..., 3:4]
        return np.stack([(ndc[..., 0] + 1) * 0.5 * width, (1 - ndc[..., 1]) * 0.5 * height], -1)

    def ray(self, x: float, y: float, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        """(origin, unit direction) of the world ray through pixel (x right, y down from the top-left)."""
        ndc = np.array([2.0 * x / width - 1.0, 1.0 - 2.0 * y / height])
        inv = np.linalg.inv(self.view_projection())
        near, far = (inv @ np.array([ndc[0], ndc[1], z, 1.0]) for z in (-1.0, 1.0))
        a, b = near[:3] / near[3], far[:3] / far[3]
        d = b - a
        return a, d / max(np.linalg.norm(d), 1e-12)


def follow_point_of(poses: Sequence[Any]) -> np.ndarray:
    """Where the follow view aims: 1 m above the hero's root (the first pose's first character)."""
    if not poses:
        return np.array([0.0, 1.0, 0.0])
    return np.asarray(poses[0].root_position[0], np.float64) + np.array([0.0, 1.0, 0.0])


def face_of(poses: Sequence[Any]) -> tuple[np.ndarray, float]:
    """(the point between the hero's eyes, world metres; the body's heading, radians about +Y).

    The eyes: the mean of joints named *eye (not *eyelid), else 9 cm in front of and 4.5 cm above the
    head joint, else 1.6 m above the root. The heading: of the root rotation (the body, not the head).
    """
    if not poses:
        return np.array([0.0, 1.6, 0.0]), 0.0
    pose = poses[0]
    rq = np.asarray(pose.root_rotation[0], np.float64)
    w, x, y, z = rq
    heading = float(np.arctan2(2 * (x * z + w * y), 1 - 2 * (x * x + y * y)))
    names = [n.rsplit(":", 1)[-1].lower() for n in pose.skeleton.names]
    eyes = [i for i, n in enumerate(names) if n.endswith("eye")]
    head = [i for i, n in enumerate(names) if n == "head"]
    if not eyes and not head:
        return np.asarray(pose.root_position[0], np.float64) + np.array([0.0, 1.6, 0.0]), heading
    wp, wr = forward_kinematics(pose.skeleton.parents, pose.local_positions[0], pose.local_rotations[0],
                                pose.root_position[0], pose.root_rotation[0])
    if eyes:
        return wp[eyes].mean(0), heading
    return wp[head[0]] + quat_rotate(wr[head[0]], np.array([0.0, 0.045, 0.09])), heading
