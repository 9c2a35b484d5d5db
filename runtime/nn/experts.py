"""Expert-blended layers: K sets of weights mixed per sample by coefficients [N, K].

`ExpertLinear` holds K experts (W_k, b_k). For coefficients c [N, K] (a phase spline's, PFNN; a
gating network's softmax, MANN) its output is

    y = sum_k c_k (x W_k + b_k) = x (sum_k c_k W_k) + sum_k c_k b_k

computed in one of two equal ways:
  "outputs"  `forward_blended_outputs`: one matrix product x @ [W_0 .. W_K-1] (weights stored side by
             side, [in, K * out]) and a per-sample blend of the K outputs: no per-sample weight matrix
  "weights"  `forward_blended_weights`: each sample's blended W (sum_k c_k W_k, [N, in, out]) and a
             batched matrix-vector product
`forward` picks by batch size: batches smaller than the layer's crossover (`weights_below`, per device
type) blend weights, larger ones blend outputs. The crossovers are measured, not guessed:
`neuropuppet bench nn` times both strategies at each batch size and prints the crossover it finds
beside the stored one (`BLEND_WEIGHTS_BELOW`); `ExpertMLP.set_crossover` changes it (e.g. with a
value `neuropuppet.nn.benchmark.measure_crossover` measured once at build).

`ExpertMLP` stacks them with ELU between layers and dropout on each layer's input (training).
"""
from __future__ import annotations

import math

import torch
from torch import nn

# Batches smaller than this blend weights; the rest blend outputs. Measured with `neuropuppet bench nn`
# (runtime/nn/README.md): on the project's CPU (2 cores) blending weights was never faster, for one
# character included (PFNN 342->512 K=4, MANN 480->512 K=8, the shipped MANN's 504->128->128->367 K=8),
# so 0. No GPU was lent to the project: CUDA keeps the CPU's value until it is measured there.
BLEND_WEIGHTS_BELOW = {"cpu": 0, "cuda": 0}


class ExpertLinear(nn.Module):
    """A linear layer whose weights are a per-sample blend of `num_experts` expert weight sets."""

    def __init__(self, in_features: int, out_features: int, num_experts: int) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.num_experts = num_experts
        bound = math.sqrt(6.0 / (in_features + out_features))
        # Side by side, so a batch needs one GEMM: [in, K * out]; expert k is columns k*out..(k+1)*out.
        self.weight = nn.Parameter(torch.empty(in_features, num_experts * out_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(num_experts, out_features))
        self.weights_below_cpu = BLEND_WEIGHTS_BELOW["cpu"]
        self.weights_below_cuda = BLEND_WEIGHTS_BELOW["cuda"]

    def forward(self, x: torch.Tensor, coeff: torch.Tensor) -> torch.Tensor:
        """x [N, in], coeff [N, K] -> [N, out], by the strategy `strategy(N, on_cuda)` names."""
        if x.shape[0] < (self.weights_below_cuda if x.is_cuda else self.weights_below_cpu):
            return self.forward_blended_weights(x, coeff)
        return self.forward_blended_outputs(x, coeff)

    @torch.jit.export
    def strategy(self, batch: int, on_cuda: bool = False) -> str:
        """How `forward` blends a batch of `batch` samples on that device: "weights" or "outputs"."""
        return "weights" if batch < (self.weights_below_cuda if on_cuda else self.weights_below_cpu) else "outputs"

    @torch.jit.export
    def forward_blended_outputs(self, x: torch.Tensor, coeff: torch.Tensor) -> torch.Tensor:
        """All K experts as one matrix product [N, in] x [in, K * out], then the K outputs blended per sample."""
        n = x.shape[0]
        y = torch.addmm(self.bias.view(-1), x, self.weight).view(n, self.num_experts, self.out_features)
        return torch.bmm(coeff.unsqueeze(1), y).squeeze(1)

    @torch.jit.export
    def forward_blended_weights(self, x: torch.Tensor, coeff: torch.Tensor) -> torch.Tensor:
        """Each sample's blended weights sum_k c_k W_k ([in, N, out]), then a batched matrix-vector product."""
        w = self.weight.view(self.in_features, self.num_experts, self.out_features)
        blended = torch.matmul(coeff, w)                                   # [in, N, out]
        return torch.bmm(x.unsqueeze(1), blended.transpose(0, 1)).squeeze(1) + coeff @ self.bias

    def set_crossover(self, weights_below: int, device_type: str = "cpu") -> None:
        """Blend weights for batches smaller than `weights_below` on `device_type` ("cpu" or "cuda")."""
        if weights_below < 0 or device_type not in BLEND_WEIGHTS_BELOW:
            raise ValueError(f"set_crossover: weights_below must be >= 0 and device_type one of "
                             f"{sorted(BLEND_WEIGHTS_BELOW)}, got {weights_below}, {device_type!r}")
        if device_type == "cuda":
            self.weights_below_cuda = int(weights_below)
        else:
            self.weights_below_cpu = int(weights_below)

    def expert_weight(self, k: int) -> torch.Tensor:
        """Weight matrix [in, out] of expert k (a view)."""
        return self.weight[:, k * self.out_features:(k + 1) * self.out_features]

    def expert_tables(self) -> tuple[torch.Tensor, torch.Tensor]:
        """All experts as tables: weights [K, in, out] (a permuted view) and biases [K, out]."""
        return self.weight.view(self.in_features, self.num_experts, self.out_features).permute(1, 0, 2), self.bias

    def blended_weight(self, coeff: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The single (W [in, out], b [out]) for one coefficient row [K] (for precomputation)."""
        w = (self.weight.view(self.in_features, self.num_experts, self.out_features) * coeff.view(1, -1, 1)).sum(1)
        return w, (self.bias * coeff.view(-1, 1)).sum(0)


class ExpertMLP(nn.Module):
    """in -> hidden -> ... -> out expert layers, ELU between them, dropout (1 - keep_prob) on each
    layer's input while training; every layer blended by the same coefficients [N, K]."""

    def __init__(self, in_features: int, out_features: int, hidden: int = 512, num_experts: int = 4,
                 layers: int = 3, keep_prob: float = 0.7) -> None:
        super().__init__()
        if layers < 1:
            raise ValueError(f"ExpertMLP needs at least one layer, got {layers}")
        sizes = [in_features] + [hidden] * (layers - 1) + [out_features]
        self.layers = nn.ModuleList([ExpertLinear(a, b, num_experts) for a, b in zip(sizes[:-1], sizes[1:])])
        self.num_layers = layers
        self.num_experts = num_experts
        self.dropout = nn.Dropout(1.0 - keep_prob)

    def forward(self, x: torch.Tensor, coeff: torch.Tensor) -> torch.Tensor:
        h = x
        for i, layer in enumerate(self.layers):
            h = layer(self.dropout(h), coeff)
            if i < self.num_layers - 1:
                h = nn.functional.elu(h)
        return h

    def set_crossover(self, weights_below: int, device_type: str = "cpu") -> None:
        """Every layer blends weights for batches smaller than `weights_below` on `device_type`
        (0: always outputs; a huge value: always weights)."""
        for layer in self.layers:
            layer.set_crossover(weights_below, device_type)

    def weight_l1(self) -> torch.Tensor:
        """Sum over layers of the mean absolute weight (PFNN's small L1 penalty)."""
        total = torch.zeros((), device=self.layers[0].weight.device)
        for layer in self.layers:
            total = total + layer.weight.abs().mean()
        return total

    def expert_tables(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per layer: weights [K, in, out] and biases [K, out] (what the numba kernels read)."""
        return [layer.expert_tables() for layer in self.layers]


__all__ = ["BLEND_WEIGHTS_BELOW", "ExpertLinear", "ExpertMLP"]
