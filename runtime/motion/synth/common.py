"""Shared plumbing of the generators: clip planning, seeding, smoothing, byte-stable file output."""
from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from ..skeleton import Skeleton

FPS = 60
MIN_CLIP_SECONDS = 20.0
MAX_CLIP_SECONDS = 60.0


@dataclass(frozen=True)
class ClipPlan:
    """One clip to generate: its file stem, length in frames and its own random stream seed."""

    name: str
    frames: int
    seed: tuple[int, int]


def plan_clips(kind: str, minutes: float, seed: int, fps: int = FPS) -> list[ClipPlan]:
    """Split `minutes` of motion into clips of 20-60 s (the last up to 70 s; one clip when short).

    Each clip draws from its own stream (seed, index), so clip k is identical whatever the total.
    """
    total = max(float(minutes) * 60.0, 1.0)
    rng = np.random.default_rng([seed, 1_000_003])
    lengths: list[float] = []
    left = total
    while left > 1e-6:
        want = float(rng.uniform(MIN_CLIP_SECONDS, MAX_CLIP_SECONDS))
        take = left if left - want < MIN_CLIP_SECONDS / 2 else want
        lengths.append(take)
        left -= take
    return [ClipPlan(f"{kind}_s{seed}_{i:03d}", max(int(round(s * fps)), 2), (seed, i))
            for i, s in enumerate(lengths)]


def shuffled_bag(rng: np.random.Generator, bag: list[int]) -> Iterator[int]:
    """Endless draws from `bag` without replacement, refilled when empty (every entry shows up
    once per round, so short clips still cover every gait; repeat an entry to weight it)."""
    while True:
        yield from (int(i) for i in rng.permutation(bag))


def smooth_exponential(x: np.ndarray, halflife: float, dt: float) -> np.ndarray:
    """Causal exponential smoothing along axis 0 reaching halfway in `halflife` seconds."""
    if halflife <= 0:
        return x.copy()
    a = 1.0 - math.exp(-math.log(2.0) * dt / halflife)
    out = np.empty_like(x, dtype=np.float64)
    out[0] = x[0]
    for t in range(1, len(x)):
        out[t] = out[t - 1] + a * (x[t] - out[t - 1])
    return out


def crossfade(values: np.ndarray, switch_frames: np.ndarray, frames: int, blend_frames: int) -> np.ndarray:
    """Piecewise-constant `values[k]` from `switch_frames[k]`, blended linearly over `blend_frames`.

    values [K, ...], switch_frames [K] ascending with switch_frames[0] == 0. Returns [frames, ...].
    """
    out = np.empty((frames, *values.shape[1:]))
    out[:] = values[0]
    for k in range(1, len(values)):
        s = int(switch_frames[k])
        if s >= frames:
            break
        w = np.clip((np.arange(frames - s) + 1) / max(blend_frames, 1), 0.0, 1.0)
        w = w * w * (3 - 2 * w)
        w = w.reshape(-1, *([1] * (values.ndim - 1)))
        out[s:] = out[s:] * (1 - w) + values[k] * w
    return out


def save_npz(path: Path, **arrays: np.ndarray) -> Path:
    """Write arrays as an .npz that np.load reads, byte-identical for identical inputs.

    np.savez stamps the current time into each zip entry; this writer uses a fixed timestamp.
    """
    path = Path(path)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arrays[key], order="C"), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())
    return path


def save_height_field(path: Path, field) -> Path:
    """Save a HeightField with the keys `HeightField.save` uses, byte-stable (see `save_npz`)."""
    return save_npz(path, heights=field.heights, origin=np.asarray(field.origin, np.float64),
                    cell_size=np.asarray(field.cell_size, np.float64))


def write_motion_bvh(path: Path, skeleton: Skeleton, positions: np.ndarray, rotations: np.ndarray,
                     fps: int = FPS) -> Path:
    """Write local positions [T,J,3] and rotations [T,J,4] (wxyz) as a BVH through the shared writer."""
    from ..bvh import write_bvh
    from ..motion import Motion

    motion = Motion(skeleton=skeleton, positions=positions.astype(np.float32),
                    rotations=rotations.astype(np.float32), frame_time=1.0 / fps)
    write_bvh(Path(path), motion, order="ZYX")
    return Path(path)


def local_positions(skeleton: Skeleton, root_positions: np.ndarray) -> np.ndarray:
    """[T, J, 3] local translations: rest offsets everywhere, `root_positions` [T,3] for joint 0."""
    pos = np.repeat(skeleton.offsets[None].astype(np.float64), len(root_positions), axis=0)
    pos[:, 0] = root_positions
    return pos
