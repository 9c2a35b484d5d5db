"""The mode-adaptive network: a gating network's softmax mixes 8 experts of `neuropuppet.nn.ExpertMLP`.

MANN = input normalisation -> gating (`GatingNetwork` on the normalised columns `gate_index`: foot
velocities, desired speed, gait weights) -> expert MLP (3 layers, ELU, every layer's weights and biases
blended by the gating coefficients) -> output de-normalisation. `forward(x)` returns (y, coefficients).
State-dict names: `gate.mlp.layers.{i}.weight|bias`, `motion.layers.{i}.weight|bias`, `x_norm.*`,
`y_norm.*`, `gate_index`.
"""
from __future__ import annotations

from typing import Any, Mapping, Tuple

import torch
from torch import nn

from neuropuppet.nn import ExpertMLP, GatingNetwork, Normalisation

from .features import NUM_EXPERTS


class MANN(nn.Module):
    """Raw features in, (raw features out [N, out], gating coefficients [N, K]) out."""

    def __init__(self, in_features: int, out_features: int, gate_index: Any, hidden: int = 512,
                 gate_hidden: int = 32, num_experts: int = NUM_EXPERTS, keep_prob: float = 0.7) -> None:
        super().__init__()
        index = torch.as_tensor(gate_index, dtype=torch.long).reshape(-1)
        self.num_experts = num_experts
        self.register_buffer("gate_index", index.clone())
        self.gate = GatingNetwork(int(index.numel()), num_experts, gate_hidden, 3, keep_prob)
        self.motion = ExpertMLP(in_features, out_features, hidden, num_experts, 3, keep_prob)
        self.x_norm = Normalisation(in_features)
        self.y_norm = Normalisation(out_features)

    def set_normalisation(self, x_mean: Any, x_std: Any, y_mean: Any, y_std: Any) -> None:
        self.x_norm.set(x_mean, x_std)
        self.y_norm.set(y_mean, y_std)

    def coefficients(self, xn: torch.Tensor) -> torch.Tensor:
        """Gating coefficients [N, K] (softmax, rows sum to 1) of normalised inputs."""
        return self.gate(xn.index_select(1, self.gate_index))

    def normalised(self, xn: torch.Tensor) -> torch.Tensor:
        """Normalised in, normalised out (what training optimises)."""
        return self.motion(xn, self.coefficients(xn))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        xn = self.x_norm(x)
        coeff = self.coefficients(xn)
        return self.y_norm.inverse(self.motion(xn, coeff)), coeff

    @torch.jit.export
    def with_coefficients(self, x: torch.Tensor, coeff: torch.Tensor) -> torch.Tensor:
        """The motion network under given coefficients [N, K] (expert ablation, analysis)."""
        return self.y_norm.inverse(self.motion(self.x_norm(x), coeff))


def mann_from_state(state: Mapping[str, torch.Tensor]) -> MANN:
    """A `MANN` rebuilt from its weights (an artifact's `state_dict()`); KeyError / RuntimeError when
    `state` is not a MANN's."""
    hidden = int(state["motion.layers.0.bias"].shape[1])
    gate_hidden = int(state["gate.mlp.layers.0.bias"].shape[0])
    experts = int(state["motion.layers.0.bias"].shape[0])
    net = MANN(state["x_norm.mean"].shape[0], state["y_norm.mean"].shape[0], state["gate_index"], hidden,
               gate_hidden, experts)
    net.load_state_dict({k: v.detach().cpu() if k == "gate_index" else v.detach().cpu().float()
                         for k, v in state.items()})
    return net.eval()


__all__ = ["MANN", "mann_from_state"]
