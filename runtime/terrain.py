"""Terrain as a regular height field, sampled bilinearly in numpy or torch."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch


@dataclass(frozen=True, eq=False)
class HeightField:
    """Heights on a regular grid over the XZ plane.

    heights: float32 [rows, cols]; heights[r, c] is the ground height at
             x = origin[0] + c * cell_size, z = origin[1] + r * cell_size.
    Queries outside the grid are clamped to its border (the terrain extends flat).
    """

    heights: np.ndarray
    origin: tuple[float, float] = (0.0, 0.0)
    cell_size: float = 1.0

    def __post_init__(self) -> None:
        h = np.asarray(self.heights, np.float32)
        if h.ndim != 2 or min(h.shape) < 2 or not np.isfinite(h).all():
            raise ValueError(f"height field must be a finite 2D grid of at least 2x2, got shape {h.shape}")
        if not self.cell_size > 0:
            raise ValueError(f"cell_size must be positive, got {self.cell_size}")
        object.__setattr__(self, "heights", h)

    @classmethod
    def flat(cls, size: float = 200.0, height: float = 0.0) -> "HeightField":
        """A flat square of `size` metres centred on the origin."""
        return cls(np.full((2, 2), height, np.float32), (-size / 2, -size / 2), size)

    @property
    def extent(self) -> tuple[float, float, float, float]:
        """(x_min, x_max, z_min, z_max) covered by the grid."""
        rows, cols = self.heights.shape
        x0, z0 = self.origin
        return x0, x0 + (cols - 1) * self.cell_size, z0, z0 + (rows - 1) * self.cell_size

    def sample(self, x: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Bilinear heights at world (x, z), any matching shapes, clamped at the border."""
        rows, cols = self.heights.shape
        u = np.clip((np.asarray(x, np.float64) - self.origin[0]) / self.cell_size, 0, cols - 1)
        v = np.clip((np.asarray(z, np.float64) - self.origin[1]) / self.cell_size, 0, rows - 1)
        c0 = np.minimum(np.floor(u).astype(np.int64), cols - 2)
        r0 = np.minimum(np.floor(v).astype(np.int64), rows - 2)
        fu, fv = u - c0, v - r0
        h = self.heights
        top = h[r0, c0] * (1 - fu) + h[r0, c0 + 1] * fu
        bot = h[r0 + 1, c0] * (1 - fu) + h[r0 + 1, c0 + 1] * fu
        return (top * (1 - fv) + bot * fv).astype(np.float32)

    def torch_sampler(self, device: torch.device | str = "cpu") -> "TorchHeightSampler":
        """A sampler holding the grid on `device`, for use inside a controller's tick."""
        return TorchHeightSampler(self, torch.device(device))

    def save(self, path: str | Path) -> None:
        """Write as .npz (heights, origin, cell_size)."""
        np.savez(path, heights=self.heights, origin=np.asarray(self.origin), cell_size=self.cell_size)

    @classmethod
    def load(cls, path: str | Path) -> "HeightField":
        with np.load(path) as f:
            return cls(f["heights"], tuple(float(v) for v in f["origin"]), float(f["cell_size"]))


class TorchHeightSampler:
    """Bilinear height queries on a tensor copy of a `HeightField` (no host sync)."""

    def __init__(self, field: HeightField, device: torch.device) -> None:
        self.field = field
        self.heights = torch.as_tensor(field.heights, device=device)
        self.rows, self.cols = field.heights.shape
        self.origin = field.origin
        self.inv_cell = 1.0 / field.cell_size

    def sample(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """Heights at world (x, z) tensors of any matching shape; clamped to the grid."""
        u = ((x - self.origin[0]) * self.inv_cell).clamp(0, self.cols - 1)
        v = ((z - self.origin[1]) * self.inv_cell).clamp(0, self.rows - 1)
        c0 = u.floor().clamp(max=self.cols - 2)
        r0 = v.floor().clamp(max=self.rows - 2)
        fu, fv = u - c0, v - r0
        c0, r0 = c0.long(), r0.long()
        flat = self.heights.view(-1)
        i00 = r0 * self.cols + c0
        h00, h01 = flat[i00], flat[i00 + 1]
        h10, h11 = flat[i00 + self.cols], flat[i00 + self.cols + 1]
        top = h00 + (h01 - h00) * fu
        bot = h10 + (h11 - h10) * fu
        return torch.nan_to_num(top + (bot - top) * fv)
