"""What the renderer needs from a running simulation each frame: poses, camera follow and HUD text."""
from __future__ import annotations

import numpy as np

from ..pose import PoseArrays
from ..runtime import Runtime
from .camera import FollowCamera


def current_poses(runtime: Runtime, alpha: float | None = None) -> list[PoseArrays]:
    """Every group's pose interpolated `alpha` (default the runtime's) between its last two ticks."""
    a = runtime.alpha if alpha is None else alpha
    return [g.interpolated(a) for g in runtime.groups]


def follow_point(poses: list[PoseArrays]) -> np.ndarray:
    """Where the camera aims: 1 m above the first character's root (the hero)."""
    if not poses:
        return np.array([0.0, 1.0, 0.0])
    return poses[0].root_position[0].astype(np.float64) + np.array([0.0, 1.0, 0.0])


def network_seconds(runtime: Runtime) -> float:
    """Host seconds of the latest tick spent in controller steps (all groups)."""
    return sum(g.stats.step_seconds for g in runtime.groups)


def orbit_from_pad(camera: FollowCamera, right_x: float, right_y: float, dt: float) -> None:
    """Right stick orbits the camera (2 rad/s at full tilt)."""
    camera.orbit(-right_x * 2.0 * dt, -right_y * 1.0 * dt)
