"""Renderer frame time for 1 and 100 characters, headless on EGL, beside an empty frame's clear + read-back.

`run()` returns the figures and prints a table; `neuropuppet bench render` calls it.
"""
from __future__ import annotations

import time

import numpy as np

from ..motion.skeleton import Skeleton
from ..pose import PoseArrays
from .camera import FollowCamera
from .context import OffscreenTarget, create_offscreen_context
from .scene_renderer import BACKGROUND, SceneRenderer


def _bench_skeleton() -> Skeleton:
    """A 31-joint chain-and-limbs skeleton the size of the CMU one (what PFNN draws)."""
    parents = [-1, 0, 1, 2, 3, 4, 0, 6, 7, 8, 9, 0, 11, 12, 13, 14, 15, 13, 17, 18, 19, 20, 21, 20, 13, 24, 25, 26,
               27, 28, 27]
    rng = np.random.default_rng(0)
    offsets = rng.normal(0.0, 0.12, (31, 3)).astype(np.float32)
    offsets[0] = (0.0, 0.95, 0.0)
    return Skeleton(tuple(f"j{i}" for i in range(31)), np.array(parents), offsets)


def _crowd(skeleton: Skeleton, n: int) -> PoseArrays:
    side = int(np.ceil(np.sqrt(n)))
    grid = np.stack(np.meshgrid(np.arange(side), np.arange(side)), -1).reshape(-1, 2)[:n] * 1.2
    root = np.zeros((n, 3), np.float32)
    root[:, 0], root[:, 2] = grid[:, 0] - grid[:, 0].mean(), grid[:, 1]
    quat = np.zeros((n, 4), np.float32)
    quat[:, 0] = 1.0
    j = skeleton.num_joints
    return PoseArrays(skeleton, root, quat, np.broadcast_to(skeleton.offsets, (n, j, 3)).copy(),
                      np.broadcast_to(quat[:1, None], (n, j, 4)).copy())


def _time(fn, frames: int) -> float:
    fn()  # warm-up (shader compile, buffer growth)
    t0 = time.perf_counter()
    for _ in range(frames):
        fn()
    return (time.perf_counter() - t0) / frames


def run(width: int = 640, height: int = 360, frames: int = 30, counts: tuple[int, ...] = (1, 100),
        verbose: bool = True) -> dict:
    """Mean milliseconds per frame: 'empty' (clear + read back), and 'characters_N' (draw + read back)."""
    ctx = create_offscreen_context()
    target = OffscreenTarget(ctx, width, height)
    target.use()
    renderer = SceneRenderer(ctx)
    renderer.overlays.set_all(False)
    skeleton = _bench_skeleton()

    def empty() -> None:
        ctx.clear(*BACKGROUND, 1.0, depth=1.0)
        target.read()

    results = {"renderer": ctx.info["GL_RENDERER"], "size": f"{width}x{height}", "frames": frames,
               "empty_ms": _time(empty, frames) * 1e3}
    for n in counts:
        pose = _crowd(skeleton, n)
        camera = FollowCamera(aspect=width / height, distance=6.0 + n ** 0.5 * 1.5)
        camera.follow(pose.root_position.mean(0) + np.array([0.0, 1.0, 0.0]), 0.0)
        results[f"characters_{n}_ms"] = _time(lambda: (renderer.draw([pose], camera), target.read()), frames) * 1e3
    renderer.release()
    target.release()
    ctx.release()
    if verbose:
        print(f"renderer: {results['renderer']}  {results['size']}, mean of {frames} frames")
        print(f"{'scene':<22}{'ms/frame':>10}{'fps':>8}")
        for key in ["empty_ms"] + [f"characters_{n}_ms" for n in counts]:
            label = "empty (clear+readback)" if key == "empty_ms" else key[:-3].replace("_", " ")
            print(f"{label:<22}{results[key]:>10.2f}{1e3 / results[key]:>8.1f}")
    return results


if __name__ == "__main__":
    run()
