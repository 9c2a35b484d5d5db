"""Embedding neuropuppet in your own pygame game loop.

Your loop owns the window, the clock and the events; neuropuppet only simulates. Once:
  spawn a character: a body controller, optional layers over it, and a source for each input the
  stack declares (`group.input_specs` lists them: here the gamepad from your keys, and, with
  --layers lookat, a gaze target under the mouse).
Each frame:
  1. tell the runtime how much time passed (it runs the fixed ticks it owes),
  2. read the interpolated pose (and its declared outputs) and draw it however your game draws.

    python demos/embed_pygame.py                           # arrow keys move the character
    python demos/embed_pygame.py --layers lookat           # ... and it looks at the mouse pointer
    python demos/embed_pygame.py --frames 120              # 120 frames, stick forward, print where it went

Draws a top-down stick figure with plain pygame 2D calls: no moderngl needed.
"""
from __future__ import annotations

import argparse

import numpy as np
import pygame

import neuropuppet as npp
from neuropuppet.input import GamepadInput
from neuropuppet.input.source import FunctionInput
from neuropuppet.motion.kinematics import pose_world_positions

SCALE, CENTRE = 40.0, (320, 240)      # pixels per metre, screen centre (the character stays there)


def keyboard_pad(auto_forward: bool) -> npp.GamepadState:
    """Arrow keys as the left stick (your game would map its own controls here)."""
    pad = npp.GamepadState()
    keys = pygame.key.get_pressed()
    pad.axes[npp.Axis.LEFT_X] = keys[pygame.K_RIGHT] - keys[pygame.K_LEFT]
    pad.axes[npp.Axis.LEFT_Y] = 1.0 if auto_forward else keys[pygame.K_UP] - keys[pygame.K_DOWN]
    return pad


def main(argv: list[str] | None = None) -> npp.PoseArrays:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--controller", default="pfnn")
    parser.add_argument("--layers", default="", help="layers over the body, e.g. lookat")
    parser.add_argument("--frames", type=int, default=0, help="stop after N frames, stick pushed forward")
    args = parser.parse_args(argv)

    pygame.init()
    screen = pygame.display.set_mode((640, 480))
    clock = pygame.time.Clock()

    runtime = npp.Runtime(tick_rate=60)
    root = np.zeros(3)

    def mouse_target(t: float) -> np.ndarray:
        """The point under the mouse on the top-down view, at eye height (world metres)."""
        mx, my = pygame.mouse.get_pos() if args.frames == 0 else (400, 200)
        return np.array([root[0] + (mx - CENTRE[0]) / SCALE, 1.6, root[2] - (my - CENTRE[1]) / SCALE])

    layers = [n for n in args.layers.split(",") if n]
    # `input=` sources bind to the declared inputs they provide (the gaze target only if a layer reads one)
    hero = runtime.spawn(args.controller, layers=layers,
                         input=[GamepadInput(lambda: keyboard_pad(args.frames > 0)),
                                FunctionInput("gaze_target", mouse_target)])
    print("inputs:", ", ".join(spec.describe() for spec in hero.input_specs.values()))

    frame = 0
    pose = hero.interpolated(1.0)
    while args.frames == 0 or frame < args.frames:
        if any(e.type == pygame.QUIT for e in pygame.event.get()):
            break
        frame_seconds = clock.tick(60) / 1000.0 if args.frames == 0 else 1 / 60
        runtime.advance(frame_seconds)                       # 1. simulate
        pose = hero.interpolated(runtime.alpha)              # 2. read the pose (numpy)
        joints = pose_world_positions(pose)[0]               # [J, 3] world joint positions
        root[:] = pose.root_position[0]
        screen.fill((30, 32, 36))
        cx, cz = pose.root_position[0, 0], pose.root_position[0, 2]
        to_px = lambda p: (float(CENTRE[0] + SCALE * (p[0] - cx)), float(CENTRE[1] - SCALE * (p[2] - cz)))  # noqa: E731
        for j, parent in enumerate(pose.skeleton.parents):
            if parent >= 0:
                pygame.draw.line(screen, (230, 200, 120), to_px(joints[parent]), to_px(joints[j]), 3)
        contacts = pose.output_specs.get("contacts")         # declared outputs say which joint each column is
        if contacts is not None and contacts.joints:
            for col, name in enumerate(contacts.joints):
                if pose.extras["contacts"][0, col] > 0.5:
                    pygame.draw.circle(screen, (90, 200, 255), to_px(joints[pose.skeleton.index(name)]), 4)
        pygame.display.flip()
        frame += 1

    print(f"frames {frame}  ticks {runtime.tick_count}  root {np.round(pose.root_position[0], 3).tolist()}")
    pygame.quit()
    return pose


if __name__ == "__main__":
    main()
