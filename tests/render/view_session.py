"""Run under a display (Xvfb): open the BVH viewer's real window on CLIP.bvh, press keys through pygame's
event queue (pause, arrows, Up/Down, Home) and save the frame index after each press to OUT.npz.

    python view_session.py CLIP.bvh OUT.npz
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np
import pygame

from neuropuppet.input.gamepad import PygameGamepad
from neuropuppet.input.keyboard import KeyboardMouse, PadAndKeyboard
from neuropuppet.motion.player import DisplayClip
from neuropuppet.render.motion_view import MotionViewApp
from neuropuppet.render.window import Window

# key pressed before each frame (None: no key); the test reads the frame index shown after each
SCRIPT = (["p"] + ["right"] * 5 + ["left"] * 2 + ["up", "down", "home", "right", None, None, "space"]
          + [None] * 10)
KEYS = {"p": pygame.K_p, "space": pygame.K_SPACE, "left": pygame.K_LEFT, "right": pygame.K_RIGHT,
        "up": pygame.K_UP, "down": pygame.K_DOWN, "home": pygame.K_HOME}


def main(clip_path: str, out: str) -> None:
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    clip = DisplayClip.load(clip_path)
    window = Window(320, 240, title="neuropuppet view test")
    app = MotionViewApp(clip, window, PadAndKeyboard(KeyboardMouse(pressed=lambda: ()), PygameGamepad()))
    app.player.seek(10)                        # start inside the clip so that Left and Down have room
    shown, paused, frames = [], [], []

    def on_frame(app: MotionViewApp, index: int) -> None:
        shown.append(app.player.frame)
        paused.append(app.player.paused)
        if index == 0:
            frames.append(window.read())
        if not app.player.paused:
            time.sleep(0.02)                   # let wall time pass so that playing moves the cursor
        if index + 1 < len(SCRIPT) and SCRIPT[index + 1] is not None:
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=KEYS[SCRIPT[index + 1]], mod=0,
                                                 unicode="", scancode=0))

    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=KEYS[SCRIPT[0]], mod=0, unicode="", scancode=0))
    n = app.run(max_frames=len(SCRIPT), on_frame=on_frame)
    app.close()
    np.savez(out, shown=np.array(shown), paused=np.array(paused), n=n, first=frames[0])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
