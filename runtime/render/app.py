"""The interactive loop: events -> input -> runtime.advance(frame time) -> draw the interpolated pose.

Keys: F1 overlays on/off, P pause, N single tick while paused, Esc quit. The right stick (or IJKL,
or a mouse drag) orbits the camera, the mouse wheel zooms.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pygame

from ..input.keyboard import PadAndKeyboard
from ..runtime import Runtime
from .camera import FollowCamera
from .hud import Hud, stats_lines
from .scene_renderer import SceneRenderer
from .view import current_poses, follow_point, network_seconds, orbit_from_pad
from .window import Window


@dataclass
class FrameInfo:
    index: int
    seconds: float          # wall time of this frame
    ticks: int              # simulation ticks this frame ran


class App:
    """Runs `runtime` in `window` until Esc / close (or `max_frames`)."""

    def __init__(self, runtime: Runtime, window: Window, controls: PadAndKeyboard) -> None:
        self.runtime, self.window, self.controls = runtime, window, controls
        self.renderer = SceneRenderer(window.ctx, runtime.terrain)
        self.hud = Hud(window.ctx)
        self.camera = FollowCamera(aspect=window.aspect)
        self.running = True
        self.show_hud = True

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.running = False
            elif event.key == pygame.K_F1:
                self.renderer.overlays.set_all(not self.renderer.overlays.any)
            elif event.key == pygame.K_p:
                self.runtime.paused = not self.runtime.paused
            elif event.key == pygame.K_n and self.runtime.paused:
                self.runtime.step()
        elif event.type == pygame.MOUSEWHEEL:
            self.camera.orbit(0.0, 0.0, -event.y * 0.5)
        if self.window.handle_event(event):
            self.camera.aspect = self.window.aspect
        self.controls.keyboard.handle_event(event)
        pad = self.controls.pad
        if pad is not None and hasattr(pad, "handle_event"):
            pad.handle_event(event)

    def frame(self, frame_seconds: float) -> int:
        """One frame: advance the simulation by the real elapsed time, then draw it."""
        for event in pygame.event.get():
            self.handle_event(event)
        reads = self.controls.reads
        ticks = self.runtime.advance(frame_seconds)
        if self.controls.reads == reads:  # paused, or no group samples the pad: the camera still turns
            self.controls.read()
        state = self.controls.last
        orbit_from_pad(self.camera, float(state.axes[2]), float(state.axes[3]), frame_seconds)
        poses = current_poses(self.runtime)
        self.camera.follow(follow_point(poses), frame_seconds)
        self.window.use()
        self.renderer.draw(poses, self.camera)
        if self.show_hud:
            self.hud.draw(stats_lines(frame_seconds, self.runtime.last_tick_seconds, network_seconds(self.runtime),
                                      self.runtime.tick_count, self.runtime.paused), self.window.size)
        return ticks

    def run(self, max_frames: int | None = None,
            on_frame: Callable[["App", FrameInfo], None] | None = None) -> int:
        """Loop until quit; `on_frame(app, info)` runs after each frame is drawn, before the swap."""
        last = time.perf_counter()
        self.camera.follow(follow_point(current_poses(self.runtime)), 0.0)
        frames = 0
        while self.running and (max_frames is None or frames < max_frames):
            now = time.perf_counter()
            dt, last = float(np.clip(now - last, 0.0, 0.25)), now
            ticks = self.frame(dt)
            if on_frame is not None:
                on_frame(self, FrameInfo(frames, dt, ticks))
            self.window.swap()
            frames += 1
        return frames

    def close(self) -> None:
        self.hud.release()
        self.renderer.release()
        self.window.close()
