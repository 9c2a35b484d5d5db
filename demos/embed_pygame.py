"""Embedding neuropuppet in your own pygame game loop.

Your loop owns the window, the clock and the events; neuropuppet only simulates. Each frame:
  1. tell the runtime how much time passed (it runs the fixed ticks it owes),
  2. read the interpolated pose and draw it however your game draws.

    python demos/embed_pygame.py                 # arrow keys move the character
    python demos/embed_pygame.py --frames 120    # run 120 frames and print where it went (no keys needed)

Draws a top-down stick figure with plain pygame 2D calls: no moderngl needed.
"""
from __future__ import annotations

import argparse

import numpy as np
import pygame

import neuropuppet as npp
from neuropuppet.input import GamepadInput
from neuropuppet.motion.kinematics import pose_world_positions


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
    parser.add_argument("--frames", type=int, default=0, help="stop after N frames, stick pushed forward")
    args = parser.parse_args(argv)

    pygame.init()
    screen = pygame.display.set_mode((640, 480))
    clock = pygame.time.Clock()

    runtime = npp.Runtime(tick_rate=60)
    hero = runtime.spawn(args.controller, input=GamepadInput(lambda: keyboard_pad(args.frames > 0)))

    frame = 0
    pose = hero.interpolated(1.0)
    while args.frames == 0 or frame < args.frames:
        if any(e.type == pygame.QUIT for e in pygame.event.get()):
            break
        frame_seconds = clock.tick(60) / 1000.0 if args.frames == 0 else 1 / 60
        runtime.advance(frame_seconds)                       # 1. simulate
        pose = hero.interpolated(runtime.alpha)              # 2. read the pose (numpy)
        joints = pose_world_positions(pose)[0]               # [J, 3] world joint positions
        screen.fill((30, 32, 36))
        cx, cz = pose.root_position[0, 0], pose.root_position[0, 2]
        to_px = lambda p: (float(320 + 40 * (p[0] - cx)), float(240 - 40 * (p[2] - cz)))  # noqa: E731  top-down view
        for j, parent in enumerate(pose.skeleton.parents):
            if parent >= 0:
                pygame.draw.line(screen, (230, 200, 120), to_px(joints[parent]), to_px(joints[j]), 3)
        pygame.display.flip()
        frame += 1

    print(f"frames {frame}  ticks {runtime.tick_count}  root {np.round(pose.root_position[0], 3).tolist()}")
    pygame.quit()
    return pose


if __name__ == "__main__":
    main()
