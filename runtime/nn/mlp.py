"""Plain ELU MLPs and the gating network that turns features into expert coefficients (MANN)."""
from __future__ import annotations

import torch
from torch import nn


class ELUMLP(nn.Module):
    """in -> hidden -> ... -> out linear layers, ELU between them, dropout (1 - keep_prob) on each
    layer's input while training."""

    def __init__(self, in_features: int, out_features: int, hidden: int = 512, layers: int = 3,
                 keep_prob: float = 1.0) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"ELUMLP needs at least one layer, got {layers}")
        sizes = [in_features] + [hidden] * (layers - 1) + [out_features]
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        self.num_layers = layers
        self.dropout = nn.Dropout(1.0 - keep_prob)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for i, layer in enumerate(self.layers):
            h = layer(self.dropout(h))
            if i < self.num_layers - 1:
                h = nn.functional.elu(h)
        return h


class GatingNetwork(nn.Module):
    """features [N, in] -> expert coefficients [N, K] (softmax of an ELU MLP): MANN's gating network,
    whose output drives `ExpertLinear` / `ExpertMLP` in place of a phase spline."""

    def __init__(self, in_features: int, num_experts: int, hidden: int = 32, layers: int = 3,
                 keep_prob: float = 1.0) -> None:
        super().__init__()
        self.num_experts = num_experts
        self.mlp = ELUMLP(in_features, num_experts, hidden, layers, keep_prob)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.mlp(x), dim=-1)


__all__ = ["ELUMLP", "GatingNetwork"]
