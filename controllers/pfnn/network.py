"""The phase-functioned network, written as a generic "blended expert" MLP.

A `BlendedLinear` holds K control sets of weights (W_k, b_k). For per-sample blend coefficients
c [N, K] its output is  y = sum_k c_k (x W_k + b_k) = x (sum_k c_k W_k) + sum_k c_k b_k,
so a batch runs as ONE matrix product x @ [W_0 .. W_K-1] followed by a per-sample blend: no
per-character weight matrices are ever built. PFNN gets its coefficients from a cyclic
Catmull-Rom spline over 4 control sets indexed by phase; MANN gets them from a gating network.

Precomputed modes (the demo's tables of weights at fixed phases) are exact consequences of
linearity: the blended weights at phase p are sum_k c_k(p) W_k, so a table of blended weights
equals a table of coefficient rows. `phase_coefficients_nearest` / `_linear` quantise the
phase exactly like the tables would (nearest of 50, linear between 10).
"""
from __future__ import annotations

import math
from typing import List

import torch
from torch import nn

NUM_CONTROL_SETS = 4


def catmull_rom_coefficients(phase: torch.Tensor, num_sets: int = NUM_CONTROL_SETS) -> torch.Tensor:
    """Blend coefficients [N, num_sets] of a cyclic Catmull-Rom spline at `phase` [N] in [0, 1).

    The spline passes through control set k at phase k / num_sets, is C1-continuous and cyclic.
    """
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


def coefficient_table(samples: int, num_sets: int = NUM_CONTROL_SETS) -> torch.Tensor:
    """Coefficients [samples, num_sets] at phases i / samples (the demo's precomputed table)."""
    phases = torch.arange(samples, dtype=torch.float64) / samples
    return catmull_rom_coefficients(phases, num_sets).float()


class BlendedLinear(nn.Module):
    """A linear layer whose weights are a per-sample blend of K control sets."""

    def __init__(self, in_features: int, out_features: int, num_sets: int = NUM_CONTROL_SETS) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.num_sets = num_sets
        bound = math.sqrt(6.0 / (in_features + out_features))
        # Stored side by side so the batch needs one GEMM: [in, K * out].
        self.weight = nn.Parameter(torch.empty(in_features, num_sets * out_features).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(num_sets, out_features))

    def forward(self, x: torch.Tensor, coeff: torch.Tensor) -> torch.Tensor:
        """x [N, in], coeff [N, K] -> [N, out]."""
        n = x.shape[0]
        y = torch.addmm(self.bias.view(-1), x, self.weight).view(n, self.num_sets, self.out_features)
        return torch.bmm(coeff.unsqueeze(1), y).squeeze(1)

    def control_weight(self, k: int) -> torch.Tensor:
        """Weight matrix [in, out] of control set k."""
        return self.weight[:, k * self.out_features:(k + 1) * self.out_features]

    def blended_weight(self, coeff: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The single (W [in, out], b [out]) for one coefficient row [K] (for precomputation)."""
        w = (self.weight.view(self.in_features, self.num_sets, self.out_features) * coeff.view(1, -1, 1)).sum(1)
        return w, (self.bias * coeff.view(-1, 1)).sum(0)


class BlendedMLP(nn.Module):
    """in -> hidden -> hidden -> out, ELU, dropout on each layer's input, weights blended per sample."""

    def __init__(self, in_features: int, out_features: int, hidden: int = 512,
                 num_sets: int = NUM_CONTROL_SETS, keep_prob: float = 0.7) -> None:
        super().__init__()
        self.layer0 = BlendedLinear(in_features, hidden, num_sets)
        self.layer1 = BlendedLinear(hidden, hidden, num_sets)
        self.layer2 = BlendedLinear(hidden, out_features, num_sets)
        self.dropout = nn.Dropout(1.0 - keep_prob)

    def forward(self, x: torch.Tensor, coeff: torch.Tensor) -> torch.Tensor:
        h = nn.functional.elu(self.layer0(self.dropout(x), coeff))
        h = nn.functional.elu(self.layer1(self.dropout(h), coeff))
        return self.layer2(self.dropout(h), coeff)

    def weight_l1(self) -> torch.Tensor:
        """Sum of absolute weights (the paper's small L1 penalty)."""
        return self.layer0.weight.abs().mean() + self.layer1.weight.abs().mean() + self.layer2.weight.abs().mean()


class PFNN(nn.Module):
    """Phase-functioned network with its normalisation: raw features in, raw features out.

    forward(x [N, in], phase [N]) -> y [N, out] uses the exact cubic phase function;
    `forward_nearest50` / `forward_linear10` use the demo's precomputed phase tables.
    """

    def __init__(self, in_features: int, out_features: int, hidden: int = 512, keep_prob: float = 0.7) -> None:
        super().__init__()
        self.mlp = BlendedMLP(in_features, out_features, hidden, NUM_CONTROL_SETS, keep_prob)
        self.register_buffer("x_mean", torch.zeros(in_features))
        self.register_buffer("x_std", torch.ones(in_features))
        self.register_buffer("y_mean", torch.zeros(out_features))
        self.register_buffer("y_std", torch.ones(out_features))
        self.register_buffer("table50", coefficient_table(50))
        self.register_buffer("table10", coefficient_table(10))

    def set_normalisation(self, x_mean: torch.Tensor, x_std: torch.Tensor,
                          y_mean: torch.Tensor, y_std: torch.Tensor) -> None:
        for name, v in (("x_mean", x_mean), ("x_std", x_std), ("y_mean", y_mean), ("y_std", y_std)):
            getattr(self, name).copy_(torch.as_tensor(v, dtype=torch.float32))

    def normalised(self, xn: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        """Normalised in, normalised out, exact phase function (what training optimises)."""
        return self.mlp(xn, catmull_rom_coefficients(phase))

    def _run(self, x: torch.Tensor, coeff: torch.Tensor) -> torch.Tensor:
        xn = (x - self.x_mean) / self.x_std
        return self.mlp(xn, coeff) * self.y_std + self.y_mean

    def forward(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        return self._run(x, catmull_rom_coefficients(phase))

    @torch.jit.export
    def forward_nearest50(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        """Weights precomputed at 50 phases, nearest one used."""
        i = torch.round(torch.remainder(phase, 1.0) * 50.0).long().remainder(50)
        return self._run(x, self.table50[i])

    @torch.jit.export
    def forward_linear10(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        """Weights precomputed at 10 phases, linearly interpolated."""
        p = torch.remainder(phase, 1.0) * 10.0
        i0 = torch.floor(p)
        a = (p - i0).unsqueeze(-1)
        i = i0.long().remainder(10)
        coeff = self.table10[i] * (1.0 - a) + self.table10[(i + 1).remainder(10)] * a
        return self._run(x, coeff)

    @torch.jit.export
    def coefficients(self, phase: torch.Tensor, mode: int) -> torch.Tensor:
        """Blend coefficients [N, 4]: mode 0 exact cubic, 1 nearest-50, 2 linear-10."""
        if mode == 1:
            return self.table50[torch.round(torch.remainder(phase, 1.0) * 50.0).long().remainder(50)]
        if mode == 2:
            p = torch.remainder(phase, 1.0) * 10.0
            i0 = torch.floor(p)
            a = (p - i0).unsqueeze(-1)
            i = i0.long().remainder(10)
            return self.table10[i] * (1.0 - a) + self.table10[(i + 1).remainder(10)] * a
        return catmull_rom_coefficients(phase)


def pfnn_from_state(state: dict[str, torch.Tensor]) -> PFNN:
    """A `PFNN` rebuilt from its weights (an artifact's `state_dict()`, TorchScript or torch.export alike).

    The controller runs its own copy of the network, so an artifact is weights plus metadata and
    the serialisation format can change without touching the tick. Raises KeyError / RuntimeError
    when `state` is not a PFNN's.
    """
    hidden = state["mlp.layer0.bias"].shape[1]
    net = PFNN(state["x_mean"].shape[0], state["y_mean"].shape[0], hidden=hidden)
    net.load_state_dict({k: v.detach().cpu().float() for k, v in state.items()})
    return net.eval()


class PhaseBucketedPFNN(nn.Module):
    """The nearest-50 precomputed mode as real weight tables, for crowds and single characters.

    Holds the blended weights of every layer at the 50 table phases (50 x the network's size in
    memory) and runs each phase bucket's characters with one ordinary matrix product per layer, so a
    batch costs what a plain MLP of the same size costs (plus one small loop over occupied buckets)
    instead of the 4 control sets' worth. Outputs equal `PFNN.forward_nearest50`.
    """

    def __init__(self, state: dict[str, torch.Tensor], buckets: int = 50) -> None:
        super().__init__()
        self.buckets = buckets
        coeff = coefficient_table(buckets)                                       # [B, 4]
        for i in range(3):
            w = state[f"mlp.layer{i}.weight"].float()                             # [in, 4 * out]
            b = state[f"mlp.layer{i}.bias"].float()                               # [4, out]
            n_in, k, n_out = w.shape[0], b.shape[0], b.shape[1]
            table = torch.einsum("bk,iko->bio", coeff, w.view(n_in, k, n_out)).contiguous()
            self.register_buffer(f"w{i}", table)
            self.register_buffer(f"b{i}", (coeff @ b).contiguous())
        for name in ("x_mean", "x_std", "y_mean", "y_std"):
            self.register_buffer(name, state[name].float().clone())

    def _mlp(self, x: torch.Tensor, k: int) -> torch.Tensor:
        h = torch.nn.functional.elu(torch.addmm(self.b0[k], x, self.w0[k]))
        h = torch.nn.functional.elu(torch.addmm(self.b1[k], h, self.w1[k]))
        return torch.addmm(self.b2[k], h, self.w2[k])

    def forward(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        xn = (x - self.x_mean) / self.x_std
        idx = torch.round(torch.remainder(phase, 1.0) * float(self.buckets)).long().remainder(self.buckets)
        if x.shape[0] == 1:
            y = self._mlp(xn, int(idx[0]))
        else:
            order = torch.argsort(idx)
            counts: List[int] = torch.bincount(idx, minlength=self.buckets).tolist()
            y = torch.empty(x.shape[0], self.y_mean.shape[0], dtype=x.dtype, device=x.device)
            start = 0
            for k in range(self.buckets):
                c = counts[k]
                if c > 0:
                    rows = order[start:start + c]
                    y.index_copy_(0, rows, self._mlp(xn.index_select(0, rows), k))
                    start += c
        return y * self.y_std + self.y_mean

    @torch.jit.export
    def forward_nearest50(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        return self.forward(x, phase)

    @torch.jit.export
    def forward_linear10(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        return self.forward(x, phase)


class PlainMLP(nn.Module):
    """The benchmark's floor: an ordinary in-hidden-hidden-out ELU MLP."""

    def __init__(self, in_features: int, out_features: int, hidden: int = 512) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_features, hidden), nn.ELU(), nn.Linear(hidden, hidden), nn.ELU(),
                                 nn.Linear(hidden, out_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
