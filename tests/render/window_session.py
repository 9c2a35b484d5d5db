"""Run under a display (Xvfb): open the real window, drive a stick figure with a virtual SDL game
controller, unplug and replug it, and save what happened to OUT.npz for the test to check.

    python window_session.py OUT.npz
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
from neuropuppet.render.window import Window

PHASES = (("right", 24), ("unplugged", 24), ("replugged", 24), ("resized", 8))


def main(out: str) -> None:
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    stick_figure.register()
    window = Window(320, 240, title="neuropuppet test")
    pygame.joystick.init()
    pad = VirtualGamepad().attach()
    controls = PadAndKeyboard(KeyboardMouse(pressed=lambda: ()), PygameGamepad())
    runtime = npp.Runtime()
    hero = runtime.spawn("stick", input=GamepadInput(controls.read))
    app = App(runtime, window, controls)
    app.camera.follow_rate = 0.0          # fixed camera: the character must move across the screen
    record: dict[str, list] = {"root": [], "phase": [], "frames": [], "frame_phase": [], "pad_seen": [],
                               "resized_frame": []}
    schedule = [name for name, n in PHASES for _ in range(n)]

    def on_frame(app: App, info) -> None:
        phase = schedule[info.index]
        time.sleep(0.01)                  # let wall time pass so each phase moves visibly
        record["root"].append(hero.pose.root_position[0].numpy().copy())
        record["phase"].append(phase)
        record["pad_seen"].append(controls.pad.name is not None)
        if phase == "resized":
            record["resized_frame"] = [window.read()]
        elif info.index % 8 == 7:           # read the back buffer before the swap
            record["frames"].append(window.read())
            record["frame_phase"].append(phase)
        nxt = schedule[info.index + 1] if info.index + 1 < len(schedule) else None
        if nxt == "unplugged" and phase != nxt:
            pad.detach()
        elif nxt == "replugged" and phase != nxt:
            pad.attach()
            pad.set_stick("left", 1.0, 0.0)
        elif nxt == "resized" and phase != nxt:
            pad.set_stick("left", 0.0, 0.0)
            pygame.Window.from_display_module().size = (400, 300)   # like dragging the window corner

    pad.set_stick("left", 1.0, 0.0)
    pygame.event.pump()
    frames = app.run(max_frames=len(schedule), on_frame=on_frame)
    np.savez(out, root=np.array(record["root"]), phase=np.array(record["phase"]), frames=np.array(record["frames"]),
             frame_phase=np.array(record["frame_phase"]), pad_seen=np.array(record["pad_seen"]),
             resized_frame=record["resized_frame"][0], camera_aspect=app.camera.aspect,
             size=np.array(window.size), n=frames, gl=str(window.ctx.info["GL_VERSION"]))
    pad.detach()
    app.close()


if __name__ == "__main__":
    main(sys.argv[1])
