"""Terrain heights and probes for numba kernels (`neuropuppet.locomotion.terrain_probes` is the torch twin)."""
from __future__ import annotations

import math

from . import scalar
from .cache import KernelCompiler

_compiler = KernelCompiler(__file__)


@_compiler.jit
def height(heights, origin_x, origin_z, inv_cell, x, z):
    """Bilinear height of grid `heights` [R, C] at (x, z), clamped to the grid's border (`sample_heights`)."""
    rows, cols = heights.shape
    u = scalar.clamp((x - origin_x) * inv_cell, 0.0, cols - 1.0)
    v = scalar.clamp((z - origin_z) * inv_cell, 0.0, rows - 1.0)
    c0 = min(math.floor(u), cols - 2.0)
    r0 = min(math.floor(v), rows - 2.0)
    fu, fv = u - c0, v - r0
    c, r = int(c0), int(r0)
    top = heights[r, c] + (heights[r, c + 1] - heights[r, c]) * fu
    bottom = heights[r + 1, c] + (heights[r + 1, c + 1] - heights[r + 1, c]) * fu
    return top + (bottom - top) * fv


@_compiler.jit
def probe_heights(heights, origin_x, origin_z, inv_cell, x, z, dir_x, dir_z, side, out):
    """out[0:3] = heights at the right, centre and left probes of point (x, z) facing (dir_x, dir_z)
    (`terrain_probes.probe_points`: p + side r, p, p - side r with r = (-dir_z, dir_x))."""
    right_x, right_z = -dir_z * side, dir_x * side
    for p in range(3):
        sign = 1.0 - p
        out[p] = height(heights, origin_x, origin_z, inv_cell, x + right_x * sign, z + right_z * sign)


__all__ = ["height", "probe_heights"]
