"""Run under a display (Xvfb): the window's help panel and third-person play through a virtual SDL pad.

    python third_person_session.py OUT.npz

Phases (frames): "idle" (help hidden), "help" (after an F1 key event), "closed" (after H), "no_overlays"
(after F2), "orbit" (after O; the right stick pushed right: the camera turns, the character must not),
"away" (camera set to yaw 90 degrees, the left stick pushed up: the character must walk along the
camera's forward, world +X), "target" (the right stick clicked, then pushed up: it moves the gaze target
away from the camera, the camera stays), "back" (T pressed, the right stick pushed right: the camera turns again).
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np
import pygame

import stick_figure

import neuropuppet as npp
from neuropuppet.input.gamepad import PygameGamepad
from neuropuppet.input.keyboard import KeyboardMouse, PadAndKeyboard
from neuropuppet.input.source import GamepadInput
from neuropuppet.input.virtual_joystick import VirtualGamepad
from neuropuppet.render.app import App
from neuropuppet.render.help import help_lines
from neuropuppet.render.window import Window

PHASES = (("idle", 4), ("help", 4), ("closed", 4), ("no_overlays", 3), ("orbit", 16), ("away", 24), ("target", 16),
          ("back", 12))


def _key(key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))


def main(out: str) -> None:
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    stick_figure.register()
    window = Window(480, 360, title="neuropuppet help test")
    pygame.joystick.init()
    pad = VirtualGamepad().attach()
    controls = PadAndKeyboard(KeyboardMouse(pressed=lambda: ()), PygameGamepad())
    runtime = npp.Runtime()
    hero = runtime.spawn("stick", input=GamepadInput(controls.read))
    app = App(runtime, window, controls)
    schedule = [name for name, n in PHASES for _ in range(n)]
    record: dict[str, list] = {k: [] for k in ("root", "facing", "phase", "yaw", "runtime_yaw", "shown", "overlays",
                                               "steers_target", "gaze_target")}
    frames: dict[str, np.ndarray] = {}

    def on_frame(app: App, info) -> None:
        phase = schedule[info.index]
        time.sleep(0.01)                          # let wall time pass so the character moves visibly
        record["root"].append(hero.pose.root_position[0].numpy().copy())
        record["facing"].append(hero.pose.root_rotation[0].numpy().copy())
        record["phase"].append(phase)
        record["yaw"].append(app.camera.yaw)
        record["runtime_yaw"].append(float(runtime.camera_yaw))
        record["shown"].append(app.show_help)
        record["overlays"].append(app.renderer.overlays.any)
        record["steers_target"].append(app.stick_steers_target)
        t = runtime.pointer_target
        record["gaze_target"].append(np.full(3, np.nan) if t is None else np.asarray(t, float).copy())
        if phase == "target" and schedule[info.index - 1] != "target":
            pad.set_button(int(npp.Button.RIGHT_STICK), False)     # released after one frame: one click
        nxt = schedule[info.index + 1] if info.index + 1 < len(schedule) else None
        if nxt != phase:                          # the last frame of a phase, read before the swap
            frames[phase] = window.read()
            if phase == "help":
                frames["help_rect"] = np.array(app.hud.drawn["help"])
        if nxt == "help" and phase != nxt:
            _key(pygame.K_F1)
        elif nxt == "closed" and phase != nxt:
            _key(pygame.K_h)
        elif nxt == "no_overlays" and phase != nxt:
            _key(pygame.K_F2)
        elif nxt == "orbit" and phase != nxt:
            _key(pygame.K_o)
            pad.set_stick("right", 1.0, 0.0)
        elif nxt == "away" and phase != nxt:
            pad.set_stick("right", 0.0, 0.0)
            pad.set_stick("left", 0.0, 1.0)
            app.camera.yaw = np.pi / 2            # the camera orbited 90 degrees: it looks along world +X
        elif nxt == "target" and phase != nxt:
            pad.set_stick("left", 0.0, 0.0)
            pad.set_button(int(npp.Button.RIGHT_STICK), True)
            pad.set_stick("right", 0.0, 1.0)
        elif nxt == "back" and phase != nxt:
            _key(pygame.K_t)
            pad.set_stick("right", 1.0, 0.0)

    pygame.event.pump()
    n = app.run(max_frames=len(schedule), on_frame=on_frame)
    np.savez(out, n=n, help_lines=np.array(help_lines(app.help_sections())), **frames,
             **{k: np.array(v) for k, v in record.items()})
    pad.detach()
    app.close()


if __name__ == "__main__":
    main(sys.argv[1])
