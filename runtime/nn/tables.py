"""Precomputed blends: an expert MLP's weights blended at B fixed coefficient rows, as plain weight tables.

When a controller's coefficients take few distinct values (PFNN's nearest-of-50 phase mode; any
quantised gate), blending per sample is wasted work: `BucketedMLP` holds the blended weights of
every layer at each of B coefficient rows (B x the network's size in memory) and runs each bucket's
samples with one ordinary matrix product per layer, so a batch costs what a plain MLP of the same
size costs (plus a small loop over the occupied buckets) instead of K experts' worth. Its output
equals the `ExpertMLP` with those coefficient rows.
"""
from __future__ import annotations

from typing import List, Sequence

import torch
from torch import nn


class WeightTable(nn.Module):
    """One layer's weights at B buckets: weight [B, in, out], bias [B, out] (buffers)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("weight", weight.contiguous())
        self.register_buffer("bias", bias.contiguous())


def blend_tables(expert_weight: torch.Tensor, expert_bias: torch.Tensor, table: torch.Tensor
                 ) -> tuple[torch.Tensor, torch.Tensor]:
    """An `ExpertLinear`'s weight [in, K * out] and bias [K, out] blended at coefficient rows table [B, K]
    -> weights [B, in, out], biases [B, out]."""
    k, n_out = expert_bias.shape
    n_in = expert_weight.shape[0]
    w = torch.einsum("bk,iko->bio", table.float(), expert_weight.float().view(n_in, k, n_out))
    return w, table.float() @ expert_bias.float()


class BucketedMLP(nn.Module):
    """An ELU MLP with one set of weights per bucket: forward(x [N, in], bucket [N]) -> [N, out]."""

    def __init__(self, layers: Sequence[tuple[torch.Tensor, torch.Tensor]], table: torch.Tensor) -> None:
        """layers: per layer an `ExpertLinear`'s (weight [in, K * out], bias [K, out]); table [B, K]: the
        coefficient rows of the buckets."""
        super().__init__()
        self.buckets = int(table.shape[0])
        self.tables = nn.ModuleList([WeightTable(*blend_tables(w, b, table)) for w, b in layers])
        self.num_layers = len(self.tables)
        self.out_features = int(layers[-1][1].shape[1])
        self.register_buffer("coefficients", table.float().clone())

    def bucket_forward(self, x: torch.Tensor, k: int) -> torch.Tensor:
        """All of x through bucket k's weights."""
        h = x
        for i, t in enumerate(self.tables):
            h = torch.addmm(t.bias[k], h, t.weight[k])
            if i < self.num_layers - 1:
                h = torch.nn.functional.elu(h)
        return h

    def forward(self, x: torch.Tensor, bucket: torch.Tensor) -> torch.Tensor:
        return self.run_buckets(x, bucket)

    def run_buckets(self, x: torch.Tensor, bucket: torch.Tensor) -> torch.Tensor:
        """Each sample through its bucket's weights (x [N, in], bucket [N] long); subclasses call this
        (TorchScript has no super())."""
        if x.shape[0] == 1:
            return self.bucket_forward(x, int(bucket[0]))
        order = torch.argsort(bucket)
        counts: List[int] = torch.bincount(bucket, minlength=self.buckets).tolist()
        y = torch.empty(x.shape[0], self.out_features, dtype=x.dtype, device=x.device)
        start = 0
        for k in range(self.buckets):
            c = counts[k]
            if c > 0:
                rows = order[start:start + c]
                y.index_copy_(0, rows, self.bucket_forward(x.index_select(0, rows), k))
                start += c
        return y

    def layer_tables(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per layer: weights [B, in, out] and biases [B, out] (what the numba kernels read)."""
        return [(t.weight, t.bias) for t in self.tables]


__all__ = ["BucketedMLP", "WeightTable", "blend_tables"]
