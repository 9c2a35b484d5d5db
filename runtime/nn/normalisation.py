"""Normalisation statistics of a network's inputs or outputs, kept in its state dict.

PFNN's rule (`block_statistics`): the mean per column, the standard deviation averaged within each
block of the feature layout (so all joints' positions share one scale and a near-constant column is
not blown up), divided by an optional per-block weight (a weight below 1 shrinks that block's
normalised values: PFNN down-weights its joint inputs). Blocks with a near-zero deviation get 1.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import torch
from torch import nn

from ..features import Layout

MIN_STD = 1e-5


def _block_items(blocks: Layout | Mapping[str, slice] | Iterable[tuple[str, slice]] | None, width: int
                 ) -> list[tuple[str, slice]]:
    if blocks is None:
        return [(f"column{i}", slice(i, i + 1)) for i in range(width)]
    if isinstance(blocks, Layout):
        return list(blocks.blocks.items())
    if isinstance(blocks, Mapping):
        return list(blocks.items())
    return list(blocks)


def block_statistics(data: Any, blocks: Layout | Mapping[str, slice] | Iterable[tuple[str, slice]] | None = None,
                     weights: Mapping[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(mean, std) float32 [D] of rows data [M, D] (numpy or torch); std averaged per block (None: per
    column), divided by weights[block] (default 1). Columns outside every block get std 1."""
    rows = data.detach().cpu().numpy() if isinstance(data, torch.Tensor) else np.asarray(data)
    if rows.ndim != 2 or rows.shape[0] == 0:
        raise ValueError(f"block_statistics: expected rows [M, D] with M > 0, got shape {rows.shape}")
    mean = rows.mean(0, dtype=np.float64)
    std = rows.std(0, dtype=np.float64)
    out = np.ones(rows.shape[1], np.float64)
    items = _block_items(blocks, rows.shape[1])
    unknown = set(weights or {}) - {name for name, _ in items}
    if unknown:
        raise ValueError(f"block_statistics: weights name unknown blocks {sorted(unknown)}")
    for name, s in items:
        v = float(std[s].mean())
        out[s] = (v if v > MIN_STD else 1.0) / (weights or {}).get(name, 1.0)
    return mean.astype(np.float32), out.astype(np.float32)


class Normalisation(nn.Module):
    """Buffers `mean`, `std` [D] (in the state dict): `forward(x)` = (x - mean) / std, `inverse(y)` =
    y * std + mean."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(size))
        self.register_buffer("std", torch.ones(size))

    @property
    def size(self) -> int:
        return int(self.mean.shape[0])

    def set(self, mean: Any, std: Any) -> None:
        """Copy statistics in (numpy or torch, [D]); a zero or non-finite std is an error."""
        m = torch.as_tensor(np.asarray(mean, np.float32) if not isinstance(mean, torch.Tensor) else mean).float()
        s = torch.as_tensor(np.asarray(std, np.float32) if not isinstance(std, torch.Tensor) else std).float()
        if m.shape != self.mean.shape or s.shape != self.std.shape:
            raise ValueError(f"normalisation of size {self.size}: got mean {tuple(m.shape)}, std {tuple(s.shape)}")
        if not (torch.isfinite(s).all() and (s != 0).all() and torch.isfinite(m).all()):
            raise ValueError("normalisation: mean and std must be finite and std non-zero")
        self.mean.copy_(m)
        self.std.copy_(s)

    @classmethod
    def from_data(cls, data: Any, blocks: Layout | Mapping[str, slice] | None = None,
                  weights: Mapping[str, float] | None = None) -> "Normalisation":
        """Statistics of rows data [M, D] by `block_statistics`."""
        mean, std = block_statistics(data, blocks, weights)
        norm = cls(mean.shape[0])
        norm.set(mean, std)
        return norm

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    @torch.jit.export
    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return y * self.std + self.mean


__all__ = ["MIN_STD", "Normalisation", "block_statistics"]
