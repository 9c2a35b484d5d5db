"""GazeNet: target features -> head and eye angles and a blink hazard, one recurrent cell per character.

`forward(x [N, 5], h, c)` is one tick (what the artifact runs); `sequence(x [N, T, 5], h, c)` trains on
windows with the same weights. Inputs and angles are normalised inside (buffers in the state dict).
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import nn

from neuropuppet.nn import Normalisation, recurrent

from .features import ANGLES, X_SIZE, Y_SIZE


class GazeNet(nn.Module):
    """A recurrent cell (kind "lstm" or "gru", `hidden` units, `layers`) and a linear read-out."""

    def __init__(self, kind: str = "lstm", hidden: int = 64, layers: int = 1) -> None:
        super().__init__()
        self.kind, self.hidden, self.layers = kind, int(hidden), int(layers)
        self.x_norm = Normalisation(X_SIZE)
        self.y_norm = Normalisation(ANGLES)
        self.cell = recurrent(kind, X_SIZE, hidden, layers)
        self.out = nn.Linear(hidden, Y_SIZE)
        self.state_width = self.hidden if kind == "lstm" else 0
        self.n_angles = ANGLES

    def sequence(self, x: torch.Tensor, h: Optional[torch.Tensor] = None, c: Optional[torch.Tensor] = None
                 ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Raw outputs [N, T, 7] (normalised angles, blink logit) of raw features x [N, T, 5]."""
        y, h1, c1 = self.cell(self.x_norm(x), h, c)
        return self.out(y), h1, c1

    def forward(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """One tick: (angles [N, 6] radians, blink logit [N, 1], h, c) of features x [N, 5]."""
        y, h1, c1 = self.cell.step(self.x_norm(x), h, c)
        raw = self.out(y)
        return self.y_norm.inverse(raw[:, :self.n_angles]), raw[:, self.n_angles:], h1, c1

    def initial_state(self, batch_size: int, device: torch.device | str = "cpu") -> Tuple[torch.Tensor, torch.Tensor]:
        """Zero (h, c) for `batch_size` characters."""
        h = torch.zeros(self.layers, batch_size, self.hidden, device=device)
        return h, torch.zeros(self.layers, batch_size, self.state_width, device=device)
