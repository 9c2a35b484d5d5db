"""The interactive loop: events -> input -> runtime.advance(frame time) -> draw the interpolated pose.

Third-person play: the camera's yaw goes to the runtime (`runtime.camera_yaw`, the "camera_yaw" input)
before every advance, so controllers move the character relative to the camera; the right stick (or
IJKL, or a mouse drag) orbits the camera only, the mouse wheel zooms. The camera's position and the
ground point under the mouse go to `runtime.camera_position` / `runtime.pointer_target` (gaze targets).
The right stick's click (R3) or T switches the right stick between the camera and the gaze target: while it
steers the target, it moves `runtime.pointer_target` relative to the camera (`view.steer_target`) and the
mouse leaves the target alone.
Keys: F1 or H help (the played controllers' declared controls and these keys), F2 or O overlays
on/off, F3 or V cycle cameras (follow, front: the hero's face), P pause, N single tick while paused, Esc quit.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pygame

from ..channels import Button
from ..input.keyboard import PadAndKeyboard
from ..runtime import Runtime
from .camera import FollowCamera
from .help import HelpSection, help_sections
from .hud import Hud
from .scene_renderer import SceneRenderer
from .view import current_poses, draw_hud, ground_under, handle_window_event, orbit_from_pad, share_camera, steer_target
from .window import Window


@dataclass
class FrameInfo:
    index: int
    seconds: float          # wall time of this frame
    ticks: int              # simulation ticks this frame ran


class App:
    """Runs `runtime` in `window` until Esc / close (or `max_frames`)."""

    def __init__(self, runtime: Runtime, window: Window, controls: PadAndKeyboard, camera: str = "follow") -> None:
        self.runtime, self.window, self.controls = runtime, window, controls
        self.renderer = SceneRenderer(window.ctx, runtime.terrain)
        self.hud = Hud(window.ctx)
        self.camera = FollowCamera(aspect=window.aspect, mode=camera)
        self.running = True
        self.show_hud = True
        self.show_help = False
        self.stick_steers_target = False     # the right stick moves the gaze target instead of the camera
        self._stick_click = False

    def help_sections(self) -> list[HelpSection]:
        """What the help panel lists: each played stack's declared controls, then the window's keys."""
        return help_sections(self.runtime.groups)

    def share_view(self) -> None:
        """Tell the runtime what the player sees: the camera's yaw (the left stick is relative to it), its
        position (gaze targets that look at the player) and the ground point under the mouse."""
        rt = self.runtime
        share_camera(rt, self.camera)
        if pygame.mouse.get_focused() and not self.stick_steers_target:
            point = ground_under(self.camera, *pygame.mouse.get_pos(), self.window.size, rt.terrain)
            if point is not None:
                rt.pointer_target = point

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.running = False
            elif event.key in (pygame.K_F1, pygame.K_h):
                self.show_help = not self.show_help
            elif event.key in (pygame.K_F2, pygame.K_o):
                self.renderer.overlays.set_all(not self.renderer.overlays.any)
            elif event.key in (pygame.K_F3, pygame.K_v):
                self.camera.cycle()
            elif event.key == pygame.K_t:
                self.toggle_stick_target()
            elif event.key == pygame.K_p:
                self.runtime.paused = not self.runtime.paused
            elif event.key == pygame.K_n and self.runtime.paused:
                self.runtime.step()
        handle_window_event(event, self.window, self.camera, self.controls)

    def toggle_stick_target(self) -> bool:
        """Switch the right stick between orbiting the camera and moving the gaze target; returns the new mode."""
        self.stick_steers_target = not self.stick_steers_target
        return self.stick_steers_target

    def frame(self, frame_seconds: float) -> int:
        """One frame: advance the simulation by the real elapsed time, then draw it."""
        for event in pygame.event.get():
            self.handle_event(event)
        reads = self.controls.reads
        self.share_view()
        ticks = self.runtime.advance(frame_seconds)
        if self.controls.reads == reads:  # paused, or no group samples the pad: the camera still turns
            self.controls.read()
        state = self.controls.last
        click = bool(state.buttons[Button.RIGHT_STICK] > 0.5)
        if click and not self._stick_click:
            self.toggle_stick_target()
        self._stick_click = click
        right_x, right_y = float(state.axes[2]), float(state.axes[3])
        if self.stick_steers_target:
            steer_target(self.runtime, self.camera, right_x, right_y, frame_seconds)
        else:
            orbit_from_pad(self.camera, right_x, right_y, frame_seconds)
        poses = current_poses(self.runtime)
        self.camera.track(poses, frame_seconds)
        self.window.use()
        self.renderer.draw(poses, self.camera)
        if self.show_hud:
            mode = ("right stick: gaze target (R3 / T: camera)",) if self.stick_steers_target else ()
            draw_hud(self.hud, self.runtime, poses, frame_seconds, self.window.size,
                     extra_lines=mode + (() if self.show_help else ("F1 / H: help",)))
        if self.show_help:
            self.hud.draw_help(self.help_sections(), self.window.size)
        return ticks

    def run(self, max_frames: int | None = None,
            on_frame: Callable[["App", FrameInfo], None] | None = None) -> int:
        """Loop until quit; `on_frame(app, info)` runs after each frame is drawn, before the swap."""
        last = time.perf_counter()
        self.camera.track(current_poses(self.runtime), 0.0)
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
