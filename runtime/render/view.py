"""What the renderer needs from a running simulation each frame: poses, camera follow and the HUD's content."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..pose import PoseArrays
from ..runtime import Runtime
from ..terrain import HeightField
from .camera import FollowCamera, follow_point_of
from .hud import Hud, stats_lines
from .outputs import first_output


def current_poses(runtime: Runtime, alpha: float | None = None) -> list[PoseArrays]:
    """Every group's pose interpolated `alpha` (default the runtime's) between its last two ticks."""
    a = runtime.alpha if alpha is None else alpha
    return [g.interpolated(a) for g in runtime.groups]


follow_point = follow_point_of     # where the follow camera aims: 1 m above the hero's root


def network_seconds(runtime: Runtime) -> float:
    """Host seconds of the latest tick spent in controller steps (all groups)."""
    return sum(g.stats.step_seconds for g in runtime.groups)


def orbit_from_pad(camera: FollowCamera, right_x: float, right_y: float, dt: float) -> None:
    """Right stick orbits the camera (2 rad/s at full tilt)."""
    camera.orbit(-right_x * 2.0 * dt, -right_y * 1.0 * dt)


def share_camera(runtime: Runtime, camera: FollowCamera) -> None:
    """Tell the runtime about the camera the player looks through, before it advances: its yaw (the
    "camera_yaw" input: the left stick is relative to it) and its position (gaze targets that look at
    the player)."""
    runtime.camera_yaw = camera.steering_yaw
    runtime.camera_position = camera.eye.copy()


def ground_under(camera: FollowCamera, x: float, y: float, size: tuple[int, int],
                 terrain: HeightField | None = None, iterations: int = 6) -> np.ndarray | None:
    """The world point of the ground (the terrain's surface) under pixel (x, y), or None above the horizon."""
    origin, direction = camera.ray(x, y, *size)
    if direction[1] > -1e-4:
        return None
    height = 0.0
    for _ in range(iterations if terrain is not None else 1):   # refine against the terrain's heights
        t = (origin[1] - height) / -direction[1]
        point = origin + direction * t
        if terrain is None:
            break
        height = float(terrain.sample(np.array(point[0]), np.array(point[2])))
    return np.array([point[0], height, point[2]])


def hero_output(poses: Sequence[PoseArrays], kind: str, ndim: int | None = None) -> np.ndarray | None:
    """The hero's (first group's first character's) output of `kind` as an array [*shape], or None.

    ndim: dimensions the output has with its batch axis (others are not shown).
    """
    if not poses:
        return None
    out = first_output(poses[0], kind, ndim)
    if out is None or np.ndim(out.values) < 1 or not len(out.values):
        return None
    return np.asarray(out.values[0])


def output_lines(poses: Sequence[PoseArrays]) -> list[str]:
    """HUD text for the hero's outputs shown as numbers (its phase)."""
    phase = hero_output(poses, "phase")
    if phase is None or not np.size(phase):
        return []
    return [f"phase {float(np.ravel(phase)[0]):.2f}"]


def draw_hud(hud: Hud, runtime: Runtime, poses: Sequence[PoseArrays], frame_seconds: float,
             viewport: tuple[int, int], extra_lines: Sequence[str] = ()) -> None:
    """The stats panel (frame, tick and network time, the hero's phase) and the hero's expert-weight bars."""
    hud.draw(stats_lines(frame_seconds, runtime.last_tick_seconds, network_seconds(runtime), runtime.tick_count,
                         runtime.paused) + output_lines(poses) + list(extra_lines), viewport)
    weights = hero_output(poses, "expert_weights", ndim=2)
    if weights is not None and weights.size:
        hud.draw_bars(weights, viewport)


def handle_window_event(event: Any, window: Any, camera: FollowCamera, controls: Any) -> None:
    """What every window does with an event: wheel zooms the camera, a resize fixes its aspect, and the
    keyboard/mouse and pad sources see it (the play app and the BVH viewer)."""
    import pygame
    if event.type == pygame.MOUSEWHEEL:
        camera.orbit(0.0, 0.0, -event.y * 0.5)
    if window.handle_event(event):
        camera.aspect = window.aspect
    controls.keyboard.handle_event(event)
    pad = controls.pad
    if pad is not None and hasattr(pad, "handle_event"):
        pad.handle_event(event)
