"""GesturesNet: causal music features -> the performer's upper-body rotations, one LSTM state per performer.

    net = GesturesNet(columns, feature_width=28, joints=20, hidden=128)
    y, h, c = net.sequence(x [N, T, F])                   # training: normalised 6D rotations [N, T, J*6]
    rotations, h, c = net(x [N, F], h, c)                 # one tick: local quaternions [N, J, 4]

The network reads the FULL feature vector (`neuropuppet.audio.features`) and takes its feature set's
`columns` itself (a buffer), so a controller hands it every tick's vector unchanged. Inputs: non-finite
values read as 0; the beat phase (a sawtooth in [0, 1) that jumps back on every beat), when the set has
it (`phase_column`: its index among the columns, -1 if none), becomes sin(2 pi phase) in its place plus
cos(2 pi phase) appended, so a phase of 0.99 sits beside 0.0; then normalised (`x_norm`) and clamped to
+-`input_clamp` (so any input gives a finite pose). Cell: `neuropuppet.nn.RecurrentLSTM` (`hidden` units, `layers`), then a linear read-out of each
joint's 6D rotation, normalised by `y_norm`; forward turns them into unit quaternions (Gram-Schmidt).
Sizes (shipped default): 28 features in, 2 x LSTM-128, 20 joints x 6 out (~229 k parameters).
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from torch import nn

from neuropuppet.motion.rotations_torch import quat_from_sixd
from neuropuppet.nn import Normalisation, RecurrentLSTM

from .features import SIXD

INPUT_CLAMP = 8.0


class GesturesNet(nn.Module):
    """LSTM from a feature set's columns of the music features to J joints' local rotations (module docstring)."""

    def __init__(self, columns: Sequence[int], feature_width: int, joints: int, hidden: int = 128, layers: int = 1,
                 input_clamp: float = INPUT_CLAMP, phase_column: int = -1) -> None:
        super().__init__()
        cols = np.asarray(columns, np.int64).reshape(-1)
        if cols.size == 0 or cols.min() < 0 or cols.max() >= feature_width:
            raise ValueError(f"GesturesNet: columns {cols.tolist()} must be non-empty and within 0..{feature_width - 1}")
        self.feature_width, self.joints, self.hidden, self.layers = int(feature_width), int(joints), int(hidden), int(layers)
        if not -1 <= phase_column < cols.size:
            raise ValueError(f"GesturesNet: phase_column {phase_column} is not one of the {cols.size} columns")
        self.phase_column = int(phase_column)
        self.input_size = int(cols.size) + (1 if phase_column >= 0 else 0)
        self.input_clamp = float(input_clamp)
        self.register_buffer("columns", torch.from_numpy(cols))
        self.x_norm = Normalisation(self.input_size)
        self.y_norm = Normalisation(self.joints * SIXD)
        self.cell = RecurrentLSTM(self.input_size, self.hidden, self.layers)
        self.out = nn.Linear(self.hidden, self.joints * SIXD)

    def encoded(self, features: torch.Tensor) -> torch.Tensor:
        """The network's raw inputs [..., input_size] of full feature vectors [..., F] (before `x_norm`)."""
        x = torch.nan_to_num(features.index_select(-1, self.columns), nan=0.0, posinf=0.0, neginf=0.0)
        if self.phase_column < 0:
            return x
        k = self.phase_column
        angle = 2.0 * torch.pi * x[..., k:k + 1]
        return torch.cat([x[..., :k], torch.sin(angle), x[..., k + 1:], torch.cos(angle)], -1)

    def inputs(self, features: torch.Tensor) -> torch.Tensor:
        """Normalised, clamped inputs [..., input_size] of full feature vectors [..., F]."""
        return torch.clamp(self.x_norm(self.encoded(features)), -self.input_clamp, self.input_clamp)

    @torch.jit.ignore
    def sequence(self, features: torch.Tensor, h: Optional[torch.Tensor] = None, c: Optional[torch.Tensor] = None,
                 noise: float = 0.0) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Normalised 6D rotations [N, T, J*6] of features [N, T, F] from state (h, c) (None: zeros);
        `noise` > 0 adds Gaussian noise of that std to the normalised inputs (training)."""
        x = self.inputs(features)
        if noise > 0:
            x = x + noise * torch.randn_like(x)
        y, h1, c1 = self.cell(x, h, c)
        return self.out(y), h1, c1

    def rotations(self, raw: torch.Tensor) -> torch.Tensor:
        """Unit quaternions [..., J, 4] (w, x, y, z) of normalised 6D outputs [..., J*6]."""
        sixd = self.y_norm.inverse(raw)
        return quat_from_sixd(torch.stack(sixd.split(6, -1), -2))      # SIXD values per joint

    def forward(self, features: torch.Tensor, h: torch.Tensor, c: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One tick: (local rotations [N, J, 4], h, c) of full feature vectors [N, F] and state [L, N, H]."""
        y, h1, c1 = self.cell.step(self.inputs(features), h, c)
        return self.rotations(self.out(y)), h1, c1

    @torch.jit.ignore
    def initial_state(self, batch_size: int, device: torch.device | str = "cpu") -> Tuple[torch.Tensor, torch.Tensor]:
        """Zero (h, c) [layers, batch_size, hidden]."""
        h = torch.zeros(self.layers, batch_size, self.hidden, device=device)
        return h, torch.zeros_like(h)


__all__ = ["GesturesNet", "INPUT_CLAMP"]
