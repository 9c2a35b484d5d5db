"""Terrain probes of a trajectory: heights beside and under each trajectory point (torch, TorchScript-able).

A locomotion network reads the ground around its trajectory as heights at three probes per point,
`side` metres either side of it across the facing (x, z) -> r = (-z, x), the character's right with
Y up: p + side r (right), p (centre), p - side r (left), relative to the height under the root.
`neuropuppet.kernels.terrain` holds the numba version for the compiled CPU ticks.

Heights come from a grid (a `HeightField`'s heights [R, C], row = z, column = x) and
terrain = (origin x, origin z, 1 / cell size), sampled bilinearly and clamped to the grid's border
like `HeightField.sample`.
"""
from __future__ import annotations

import torch

PROBES = 3
"""Probes per trajectory point: right, centre, left."""


def sample_heights(heights: torch.Tensor, terrain: torch.Tensor, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Bilinear heights of grid `heights` [R, C] at (x, z) of any matching shape (see the module docstring)."""
    rows, cols = heights.shape[0], heights.shape[1]
    u = ((x - terrain[0]) * terrain[2]).clamp(0.0, cols - 1.0)
    v = ((z - terrain[1]) * terrain[2]).clamp(0.0, rows - 1.0)
    c0 = u.floor().clamp(max=cols - 2.0)
    r0 = v.floor().clamp(max=rows - 2.0)
    fu, fv = u - c0, v - r0
    i00 = r0.long() * cols + c0.long()
    flat = heights.reshape(-1)
    h00, h01 = flat[i00], flat[i00 + 1]
    h10, h11 = flat[i00 + cols], flat[i00 + cols + 1]
    top = h00 + (h01 - h00) * fu
    bot = h10 + (h11 - h10) * fu
    return top + (bot - top) * fv


def probe_points(points: torch.Tensor, directions: torch.Tensor, side: float) -> tuple[torch.Tensor, torch.Tensor]:
    """World x, z [..., 3] of the right / centre / left probes of points [..., 2] facing directions [..., 2]."""
    rx, rz = -directions[..., 1] * side, directions[..., 0] * side
    px, pz = points[..., 0], points[..., 1]
    return torch.stack([px + rx, px, px - rx], -1), torch.stack([pz + rz, pz, pz - rz], -1)


def probe_heights(heights: torch.Tensor, terrain: torch.Tensor, points: torch.Tensor, directions: torch.Tensor,
                  side: float, root_xz: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Heights [N, S, 3] of the probes of trajectory points [N, S, 2] relative to the ground under the
    root [N, 2], and the absolute heights [N, S, 3] (one batched query for all probes and the roots)."""
    n = points.shape[0]
    px, pz = probe_points(points, directions, side)
    h = sample_heights(heights, terrain, torch.cat([px.reshape(n, -1), root_xz[:, 0:1]], 1),
                       torch.cat([pz.reshape(n, -1), root_xz[:, 1:2]], 1))
    absolute = h[:, :-1].reshape(n, -1, 3)         # PROBES (TorchScript reads no module-level ints)
    return absolute - h[:, -1].view(-1, 1, 1), absolute


__all__ = ["PROBES", "probe_heights", "probe_points", "sample_heights"]
