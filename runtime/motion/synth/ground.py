"""Random uneven terrain for the locomotion generators: gentle slopes plus terraced steps."""
from __future__ import annotations

import numpy as np

from ...terrain import HeightField

MAX_CELLS = 500


def random_terrain(rng: np.random.Generator, xz_min: np.ndarray, xz_max: np.ndarray,
                   margin: float = 6.0, roughness: float = 1.0) -> HeightField:
    """A height field covering the box [xz_min, xz_max] plus `margin` metres.

    Heights are a sum of long sine waves (slopes up to ~8 degrees) plus a staircase of terraces
    (steps of 0.08-0.16 m every 1.5-3.5 m, climbing 1-3 steps then descending); `roughness` 0 gives flat ground. Steps are one grid cell wide ramps
    (cell 0.15-0.4 m) because the field is sampled bilinearly.
    """
    lo = np.asarray(xz_min, float) - margin
    hi = np.asarray(xz_max, float) + margin
    cell = max(0.15, float(np.max(hi - lo)) / MAX_CELLS)
    cols = int(np.ceil((hi[0] - lo[0]) / cell)) + 1
    rows = int(np.ceil((hi[1] - lo[1]) / cell)) + 1
    x = lo[0] + np.arange(cols) * cell
    z = lo[1] + np.arange(rows) * cell
    gx, gz = np.meshgrid(x, z)
    heights = np.zeros((rows, cols))
    for _ in range(3):
        wavelength = rng.uniform(14.0, 40.0)
        angle = rng.uniform(0, 2 * np.pi)
        amp = rng.uniform(0.15, 0.45) * wavelength / 40.0
        k = 2 * np.pi / wavelength
        heights += amp * np.sin(k * (np.cos(angle) * gx + np.sin(angle) * gz) + rng.uniform(0, 2 * np.pi))
    # terraces: a staircase that climbs `levels` steps and comes back down, repeating
    step = rng.uniform(0.08, 0.16)
    width = rng.uniform(1.5, 3.5)
    levels = int(rng.integers(2, 5))
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * gx + np.sin(angle) * gz + rng.uniform(0, 100)
    period = 2 * levels * width
    triangle = period / 2 - np.abs(np.mod(ramp, period) - period / 2)
    heights += step * np.minimum(np.floor(triangle / width), levels - 1)
    heights *= roughness
    return HeightField(heights.astype(np.float32), (float(lo[0]), float(lo[1])), cell)
