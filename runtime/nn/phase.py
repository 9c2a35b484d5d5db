"""Phase-spline blend coefficients (PFNN's phase function) and their precomputed tables.

`catmull_rom_coefficients(phase, K)` gives the coefficients [N, K] of a cyclic cubic Catmull-Rom
spline through K control sets, set k sitting at phase k / K (PFNN: K = 4). It is C1-continuous, a
partition of unity and cyclic. The demo's precomputed modes quantise the phase: the nearest row of a
table of coefficients at phases i / rows (`nearest_coefficients`, 50 rows), or linear interpolation
between rows (`linear_coefficients`, 10 rows). Because an expert layer is linear in its weights, a
table of blended weights equals a table of coefficient rows, so the tables hold coefficients.
"""
from __future__ import annotations

import torch


def catmull_rom_coefficients(phase: torch.Tensor, num_sets: int = 4) -> torch.Tensor:
    """Blend coefficients [N, num_sets] of a cyclic Catmull-Rom spline at `phase` [N] (any real; period 1)."""
    p = torch.remainder(phase, 1.0) * num_sets
    k1 = torch.floor(p)
    t = (p - k1).unsqueeze(-1)
    t2 = t * t
    t3 = t2 * t
    # Catmull-Rom basis (tension 0.5) for the control points k0=k1-1, k1, k2=k1+1, k3=k1+2.
    w0 = -0.5 * t3 + t2 - 0.5 * t
    w1 = 1.5 * t3 - 2.5 * t2 + 1.0
    w2 = -1.5 * t3 + 2.0 * t2 + 0.5 * t
    w3 = 0.5 * t3 - 0.5 * t2
    k1i = k1.long().remainder(num_sets)
    idx = torch.stack([(k1i - 1).remainder(num_sets), k1i, (k1i + 1).remainder(num_sets),
                       (k1i + 2).remainder(num_sets)], dim=-1)
    coeff = torch.zeros(phase.shape[0], num_sets, dtype=phase.dtype, device=phase.device)
    coeff.scatter_add_(1, idx, torch.cat([w0, w1, w2, w3], dim=-1))
    return coeff


def coefficient_table(rows: int, num_sets: int = 4) -> torch.Tensor:
    """Coefficients [rows, num_sets] at phases i / rows (computed in float64, stored float32)."""
    phases = torch.arange(rows, dtype=torch.float64) / rows
    return catmull_rom_coefficients(phases, num_sets).float()


def nearest_row(phase: torch.Tensor, rows: int) -> torch.Tensor:
    """Index [N] of the table row nearest to `phase` (rows at i / rows, cyclic)."""
    return torch.round(torch.remainder(phase, 1.0) * float(rows)).long().remainder(rows)


def nearest_coefficients(table: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """The row of `table` [R, K] nearest to each phase [N] -> [N, K]."""
    return table[nearest_row(phase, table.shape[0])]


def linear_coefficients(table: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """Rows of `table` [R, K] linearly interpolated at each phase [N] -> [N, K] (cyclic)."""
    rows = table.shape[0]
    p = torch.remainder(phase, 1.0) * float(rows)
    i0 = torch.floor(p)
    a = (p - i0).unsqueeze(-1)
    i = i0.long().remainder(rows)
    return table[i] * (1.0 - a) + table[(i + 1).remainder(rows)] * a


__all__ = ["catmull_rom_coefficients", "coefficient_table", "linear_coefficients", "nearest_coefficients", "nearest_row"]
