"""Show a motion clip (e.g. a BVH file) with the scene renderer: in a window, or offscreen to frames.

Window keys: P or Space pause, Left/Right one frame back/forward (pauses; hold to repeat), Up/Down
1 s forward/back, Home restart, Esc quit; IJKL, a mouse drag or the right stick orbit, the wheel zooms.
"""
from __future__ import annotations

from typing import Callable, Iterator

import numpy as np

from ..motion.player import DisplayClip, MotionPlayer
from ..pose import PoseArrays
from .camera import FollowCamera
from .view import handle_window_event

KEY_REPEAT_DELAY_MS, KEY_REPEAT_INTERVAL_MS = 300, 33   # a held arrow key steps about 30 frames per second


def clip_pose(clip: DisplayClip, frame: int) -> PoseArrays:
    """Frame `frame` of the clip as a one-character pose batch (the clip's root joint carries the motion)."""
    m = clip.motion
    ident = np.array([[1.0, 0.0, 0.0, 0.0]], np.float32)
    return PoseArrays(m.skeleton, np.zeros((1, 3), np.float32), ident,
                      m.positions[frame][None].astype(np.float32), m.rotations[frame][None].astype(np.float32))


class ClipView:
    """A clip, the cursor that plays it and the camera that follows its root."""

    def __init__(self, clip: DisplayClip, aspect: float) -> None:
        self.clip = clip
        self.player = MotionPlayer(clip.num_frames, clip.frame_time)
        self.camera = FollowCamera(aspect=aspect, pitch=0.2, distance=float(np.clip(2.4 * clip.height, 1.5, 40.0)))
        self.camera.yaw = _side_on_yaw(clip)
        self.camera.follow(clip.follow_point(0), 0.0)

    def pose(self) -> PoseArrays:
        return clip_pose(self.clip, self.player.frame)

    def follow(self, dt: float) -> None:
        self.camera.follow(self.clip.follow_point(self.player.frame), dt)

    def hud_lines(self) -> list[str]:
        p = self.player
        state = "PAUSED  (Left/Right: 1 frame, Up/Down: 1 s, Home: restart)" if p.paused else "playing  (P/Space: pause)"
        return [f"frame {p.frame} / {p.num_frames - 1}   t {p.time:7.3f} s / {p.length:.2f} s",
                f"unit: {self.clip.unit.name}   figure {self.clip.height:.2f} m", state]


def _side_on_yaw(clip: DisplayClip) -> float:
    """Camera yaw looking at the clip's overall travel from the side, a little from the front (0 when it stays put)."""
    travel = clip.root_path[-1] - clip.root_path[0]
    if np.hypot(travel[0], travel[2]) < 0.5:
        return 0.0
    heading = np.arctan2(travel[0], travel[2])      # yaw of the travel direction (0 = +Z)
    return float(heading + np.radians(110.0))


def render_clip_frames(clip: DisplayClip, seconds: float | None = None, *, fps: float = 30.0, width: int = 640,
                       height: int = 360, hud: bool = False, progress: bool = True) -> Iterator[np.ndarray]:
    """Yield uint8 [H, W, 3] frames of the clip played in real time at `fps` (default: one pass of it)."""
    from tqdm import tqdm

    from .context import OffscreenTarget, RenderError, create_offscreen_context
    from .hud import Hud
    from .scene_renderer import SceneRenderer

    seconds = clip.num_frames * clip.frame_time if seconds is None else seconds
    if seconds <= 0 or fps <= 0:
        raise RenderError(f"seconds and fps must be positive, got seconds={seconds} fps={fps}")
    ctx = create_offscreen_context()
    target = OffscreenTarget(ctx, width, height)
    renderer = SceneRenderer(ctx)
    text = Hud(ctx) if hud else None
    view = ClipView(clip, width / height)
    n = max(1, int(round(seconds * fps)))
    try:
        for i in tqdm(range(n), desc="render", unit="frame", disable=not progress):
            if i:
                view.player.advance(1.0 / fps)
                view.follow(1.0 / fps)
            target.use()
            renderer.draw([view.pose()], view.camera)
            if text is not None:
                text.draw(view.hud_lines(), target.size)
            yield target.read()
    finally:
        if text is not None:
            text.release()
        renderer.release()
        target.release()
        ctx.release()


class MotionViewApp:
    """The interactive viewer: `run()` loops until Esc or the window closes (or `max_frames`)."""

    def __init__(self, clip: DisplayClip, window: "object", controls: "object") -> None:
        import pygame

        from .hud import Hud
        from .scene_renderer import SceneRenderer

        self.window, self.controls = window, controls
        self.renderer = SceneRenderer(window.ctx)
        self.hud = Hud(window.ctx)
        self.view = ClipView(clip, window.aspect)
        self.running = True
        pygame.key.set_repeat(KEY_REPEAT_DELAY_MS, KEY_REPEAT_INTERVAL_MS)

    @property
    def player(self) -> MotionPlayer:
        return self.view.player

    def handle_event(self, event: "object") -> None:
        import pygame

        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            key, player = event.key, self.player
            if key == pygame.K_ESCAPE:
                self.running = False
            elif key in (pygame.K_p, pygame.K_SPACE):
                player.toggle_pause()
            elif key in (pygame.K_LEFT, pygame.K_RIGHT):
                player.step(1 if key == pygame.K_RIGHT else -1)
            elif key in (pygame.K_UP, pygame.K_DOWN):
                player.jump(1.0 if key == pygame.K_UP else -1.0)
            elif key == pygame.K_HOME:
                player.restart()
        handle_window_event(event, self.window, self.view.camera, self.controls)

    def frame(self, frame_seconds: float) -> None:
        """One frame: events, the cursor advanced by the real elapsed time, camera, draw."""
        import pygame

        from .view import orbit_from_pad

        for event in pygame.event.get():
            self.handle_event(event)
        self.player.advance(frame_seconds)
        state = self.controls.read()          # only the right stick is used here (the arrows scrub)
        orbit_from_pad(self.view.camera, float(state.axes[2]), float(state.axes[3]), frame_seconds)
        self.view.follow(frame_seconds)
        self.window.use()
        self.renderer.draw([self.view.pose()], self.view.camera)
        self.hud.draw(self.view.hud_lines(), self.window.size)

    def run(self, max_frames: int | None = None,
            on_frame: Callable[["MotionViewApp", int], None] | None = None) -> int:
        """Loop until quit; `on_frame(app, index)` runs after each frame is drawn, before the swap."""
        import time

        last = time.perf_counter()
        frames = 0
        while self.running and (max_frames is None or frames < max_frames):
            now = time.perf_counter()
            dt, last = float(np.clip(now - last, 0.0, 0.25)), now
            self.frame(dt)
            if on_frame is not None:
                on_frame(self, frames)
            self.window.swap()
            frames += 1
        return frames

    def close(self) -> None:
        self.hud.release()
        self.renderer.release()
        self.window.close()


__all__ = ["ClipView", "MotionViewApp", "clip_pose", "render_clip_frames"]
