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


TARGET_SPEED = 3.0      # m/s of a stick-steered gaze target at full tilt
TARGET_HEIGHT = 1.5     # m above the ground: a stick-steered target sits at eye height
TARGET_START = 3.0      # m in front of the camera's focus, where a stick-steered target starts


def steer_target(runtime: Runtime, camera: FollowCamera, right_x: float, right_y: float, dt: float) -> np.ndarray:
    """Move `runtime.pointer_target` (what a `pointer` gaze target follows) with the right stick, relative to
    the camera as the left stick moves a character (`locomotion.third_person.camera_relative_stick`: up = away
    from the camera), TARGET_SPEED at full tilt, TARGET_HEIGHT above the ground (the terrain's surface).
    With no target yet it starts TARGET_START in front of the camera's focus. Returns the new target."""
    from ..locomotion.third_person import camera_relative_stick
    yaw = np.array([camera.steering_yaw])
    p = runtime.pointer_target
    if p is None:
        forward = camera_relative_stick(np.array([[0.0, 1.0]]), yaw)[0]
        p = np.array([camera.target[0] + TARGET_START * forward[0], 0.0, camera.target[2] + TARGET_START * forward[1]])
    pads = np.zeros((1, 2))
    pads[0] = (np.clip(np.nan_to_num(right_x), -1, 1), np.clip(np.nan_to_num(right_y), -1, 1))
    move = camera_relative_stick(pads, yaw)[0] * TARGET_SPEED * dt
    x, z = float(p[0] + move[0]), float(p[2] + move[1])
    ground = float(runtime.terrain.sample(np.array(x), np.array(z))) if runtime.terrain is not None else 0.0
    runtime.pointer_target = np.array([x, ground + TARGET_HEIGHT, z])
    return runtime.pointer_target


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
