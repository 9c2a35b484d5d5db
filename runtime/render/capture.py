"""Headless capture: step a runtime at a fixed frame rate, render each frame offscreen, write PNG/GIF/MP4."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np
from tqdm import tqdm

from ..runtime import Runtime
from .camera import FollowCamera
from .context import OffscreenTarget, RenderError, create_offscreen_context
from .hud import Hud
from .scene_renderer import SceneRenderer
from .view import current_poses, draw_hud, share_camera

VIDEO_SUFFIXES = (".gif", ".mp4")


def render_frames(runtime: Runtime, seconds: float, *, fps: float = 30.0, width: int = 640, height: int = 360,
                  hud: bool = False, overlays: bool = True, progress: bool = True, camera: str = "follow"
                  ) -> Iterator[np.ndarray]:
    """Yield uint8 [H, W, 3] frames of `runtime` advanced by 1/fps s per frame (deterministic); `camera`
    one of `camera.CAMERA_MODES` (front: the hero's face)."""
    if seconds <= 0 or fps <= 0:
        raise RenderError(f"seconds and fps must be positive, got seconds={seconds} fps={fps}")
    ctx = create_offscreen_context()
    target = OffscreenTarget(ctx, width, height)
    renderer = SceneRenderer(ctx, runtime.terrain)
    renderer.overlays.set_all(overlays)
    text = Hud(ctx) if hud else None
    view = FollowCamera(aspect=width / height, mode=camera)
    view.track(current_poses(runtime), 0.0)
    n = max(1, int(round(seconds * fps)))
    # a capture frame may owe more ticks than an interactive frame is allowed: never drop simulation time
    runtime.clock.max_ticks_per_frame = max(runtime.clock.max_ticks_per_frame,
                                            int(np.ceil(runtime.clock.rate / fps)) + 1)
    try:
        for _ in tqdm(range(n), desc="render", unit="frame", disable=not progress):
            share_camera(runtime, view)
            runtime.advance(1.0 / fps)
            poses = current_poses(runtime)
            view.track(poses, 1.0 / fps)
            target.use()
            renderer.draw(poses, view)
            if text is not None:
                draw_hud(text, runtime, poses, 1.0 / fps, target.size)
            yield target.read()
    finally:
        if text is not None:
            text.release()
        renderer.release()
        target.release()
        ctx.release()


def write_frames(frames: Iterator[np.ndarray], out: str | Path, fps: float = 30.0) -> list[Path]:
    """Write frames to `out`: .gif / .mp4 video, a `name_%04d.png` pattern, or a folder of PNGs.

    Returns the files written.
    """
    import imageio.v3 as iio

    out = Path(out)
    suffix = out.suffix.lower()
    if suffix == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise RenderError(f"{out}: writing MP4 needs imageio-ffmpeg (pip install 'neuropuppet[video]'); "
                              "or write a .gif or PNG frames instead") from None
    if suffix in VIDEO_SUFFIXES:
        out.parent.mkdir(parents=True, exist_ok=True)
        stack = np.stack(list(frames))
        if suffix == ".gif":
            iio.imwrite(out, stack, duration=1000.0 / fps, loop=0)
        else:
            _write_mp4(out, stack, fps)
        return [out]
    if suffix == ".png" and "%" not in out.name:
        out.parent.mkdir(parents=True, exist_ok=True)
        last = None
        for last in frames:
            pass
        if last is None:
            raise RenderError(f"{out}: no frames rendered")
        iio.imwrite(out, last)
        return [out]
    if suffix and suffix != ".png":
        raise RenderError(f"{out}: unsupported output type {suffix!r} (use .gif, .mp4, .png, "
                          "frame_%04d.png or a folder)")
    pattern = out if "%" in out.name else out / "frame_%04d.png"
    pattern.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for i, frame in enumerate(frames):
        path = pattern.with_name(pattern.name % i)
        iio.imwrite(path, frame)
        written.append(path)
    return written


def _write_mp4(out: Path, stack: np.ndarray, fps: float) -> None:
    import imageio.v2 as iio2
    with iio2.get_writer(out, fps=fps, codec="libx264", macro_block_size=8) as writer:
        for frame in stack:
            writer.append_data(frame)
