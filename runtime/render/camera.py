"""A follow camera that orbits its target (yaw, pitch, distance); view/projection matrices in numpy.

Matrices are row-major numpy float32 [4, 4] acting on column vectors (clip = P @ V @ p);
send them to GL transposed (`gl_bytes`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
        """Turn around the target; pitch stays within (-0.1, 1.4) rad, distance within [1.5, 40] m."""
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
