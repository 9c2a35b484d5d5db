"""The phase-functioned network: `neuropuppet.nn`'s expert MLP driven by a cyclic phase spline.

PFNN = input normalisation -> `ExpertMLP` (3 layers, 4 control sets, ELU) -> output de-normalisation,
with blend coefficients from `catmull_rom_coefficients(phase)` (the exact cubic phase function) or
from the demo's precomputed tables: nearest of 50 phases (`forward_nearest50`), linear between 10
(`forward_linear10`). `PhaseBucketedPFNN` holds real weight tables at the 50 phases (`BucketedMLP`).

State-dict names (since the shared building blocks): `mlp.layers.{i}.weight|bias`, `x_norm.mean|std`,
`y_norm.mean|std`, `table50`, `table10`. Artifacts and checkpoints written before use `mlp.layer{i}.*`
and `x_mean`, `x_std`, `y_mean`, `y_std`; `canonical_state` maps them, and `PFNN.load_state_dict`
accepts both.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import torch
from torch import nn

from neuropuppet.nn import (BucketedMLP, ExpertLinear, ExpertMLP, Normalisation, catmull_rom_coefficients,
                            coefficient_table, linear_coefficients, nearest_coefficients, nearest_row)

NUM_CONTROL_SETS = 4
NEAREST_ROWS = 50
LINEAR_ROWS = 10


class BlendedLinear(ExpertLinear):
    """`ExpertLinear` with PFNN's 4 control sets by default (its name before the shared building blocks)."""

    def __init__(self, in_features: int, out_features: int, num_sets: int = NUM_CONTROL_SETS) -> None:
        super().__init__(in_features, out_features, num_sets)


class BlendedMLP(ExpertMLP):
    """`ExpertMLP` of 3 layers with the former signature (in, out, hidden, num_sets, keep_prob)."""

    def __init__(self, in_features: int, out_features: int, hidden: int = 512, num_sets: int = NUM_CONTROL_SETS,
                 keep_prob: float = 0.7) -> None:
        super().__init__(in_features, out_features, hidden, num_sets, 3, keep_prob)

_LEGACY = {"x_mean": "x_norm.mean", "x_std": "x_norm.std", "y_mean": "y_norm.mean", "y_std": "y_norm.std"}
_LEGACY_LAYER = re.compile(r"^mlp\.layer(\d+)\.")


def canonical_state(state: Mapping[str, torch.Tensor], prefix: str = "") -> dict[str, torch.Tensor]:
    """A PFNN state dict under today's names (older artifacts' names mapped; others kept as they are)."""
    out = {}
    for key, value in state.items():
        if key.startswith(prefix):
            rest = key[len(prefix):]
            rest = _LEGACY.get(rest, rest)
            rest = _LEGACY_LAYER.sub(r"mlp.layers.\1.", rest)
            key = prefix + rest
        out[key] = value
    return out


def _legacy_names_hook(module: nn.Module, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
    """load_state_dict pre-hook: rename an older PFNN's keys in place."""
    mapped = canonical_state(state_dict, prefix)
    if mapped.keys() != state_dict.keys():
        state_dict.clear()
        state_dict.update(mapped)


class _LegacyStatistics:
    """The normalisation statistics under their former attribute names (read by the controller and the
    exporter); TorchScript skips them (`__jit_unused_properties__`)."""

    @property
    def x_mean(self) -> torch.Tensor:
        return self.x_norm.mean

    @property
    def x_std(self) -> torch.Tensor:
        return self.x_norm.std

    @property
    def y_mean(self) -> torch.Tensor:
        return self.y_norm.mean

    @property
    def y_std(self) -> torch.Tensor:
        return self.y_norm.std


class PFNN(_LegacyStatistics, nn.Module):
    """Phase-functioned network with its normalisation: raw features in, raw features out.

    forward(x [N, in], phase [N]) -> y [N, out] uses the exact cubic phase function;
    `forward_nearest50` / `forward_linear10` use the demo's precomputed phase tables.
    """

    __jit_unused_properties__ = ["x_mean", "x_std", "y_mean", "y_std", "hidden"]

    def __init__(self, in_features: int, out_features: int, hidden: int = 512, keep_prob: float = 0.7) -> None:
        super().__init__()
        self.num_sets = NUM_CONTROL_SETS
        self.mlp = ExpertMLP(in_features, out_features, hidden, NUM_CONTROL_SETS, 3, keep_prob)
        self.x_norm = Normalisation(in_features)
        self.y_norm = Normalisation(out_features)
        self.register_buffer("table50", coefficient_table(NEAREST_ROWS, NUM_CONTROL_SETS))
        self.register_buffer("table10", coefficient_table(LINEAR_ROWS, NUM_CONTROL_SETS))
        self.register_load_state_dict_pre_hook(_legacy_names_hook)

    @property
    def hidden(self) -> int:
        return self.mlp.layers[0].out_features

    def set_normalisation(self, x_mean: Any, x_std: Any, y_mean: Any, y_std: Any) -> None:
        self.x_norm.set(x_mean, x_std)
        self.y_norm.set(y_mean, y_std)

    def normalised(self, xn: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        """Normalised in, normalised out, exact phase function (what training optimises)."""
        return self.mlp(xn, catmull_rom_coefficients(phase, self.num_sets))

    def _run(self, x: torch.Tensor, coeff: torch.Tensor) -> torch.Tensor:
        return self.y_norm.inverse(self.mlp(self.x_norm(x), coeff))

    def forward(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        return self._run(x, catmull_rom_coefficients(phase, self.num_sets))

    @torch.jit.export
    def forward_nearest50(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        """Weights precomputed at 50 phases, nearest one used."""
        return self._run(x, nearest_coefficients(self.table50, phase))

    @torch.jit.export
    def forward_linear10(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        """Weights precomputed at 10 phases, linearly interpolated."""
        return self._run(x, linear_coefficients(self.table10, phase))

    @torch.jit.export
    def coefficients(self, phase: torch.Tensor, mode: int) -> torch.Tensor:
        """Blend coefficients [N, 4]: mode 0 exact cubic, 1 nearest-50, 2 linear-10."""
        if mode == 1:
            return nearest_coefficients(self.table50, phase)
        if mode == 2:
            return linear_coefficients(self.table10, phase)
        return catmull_rom_coefficients(phase, self.num_sets)


def pfnn_from_state(state: Mapping[str, torch.Tensor]) -> PFNN:
    """A `PFNN` rebuilt from its weights (an artifact's `state_dict()`, TorchScript or torch.export alike,
    today's names or the older ones).

    The controller runs its own copy of the network, so an artifact is weights plus metadata and
    the serialisation format can change without touching the tick. Raises KeyError / RuntimeError
    when `state` is not a PFNN's.
    """
    state = canonical_state(state)
    hidden = state["mlp.layers.0.bias"].shape[1]
    net = PFNN(state["x_norm.mean"].shape[0], state["y_norm.mean"].shape[0], hidden=hidden)
    net.load_state_dict({k: v.detach().cpu().float() for k, v in state.items()})
    return net.eval()


class PhaseBucketedPFNN(_LegacyStatistics, BucketedMLP):
    """The nearest-50 precomputed mode as real weight tables (`BucketedMLP`), for crowds and single
    characters: each phase bucket's characters run one ordinary matrix product per layer. Outputs equal
    `PFNN.forward_nearest50`."""

    __jit_unused_properties__ = ["x_mean", "x_std", "y_mean", "y_std"]

    def __init__(self, state: Mapping[str, torch.Tensor], buckets: int = NEAREST_ROWS) -> None:
        state = canonical_state(state)
        layers = []
        i = 0
        while f"mlp.layers.{i}.weight" in state:
            layers.append((state[f"mlp.layers.{i}.weight"], state[f"mlp.layers.{i}.bias"]))
            i += 1
        if len(layers) != 3:
            raise KeyError(f"a PFNN state has 3 expert layers mlp.layers.0-2, found {len(layers)}")
        super().__init__(layers, coefficient_table(buckets, NUM_CONTROL_SETS))
        self.x_norm = Normalisation(state["x_norm.mean"].shape[0])
        self.y_norm = Normalisation(state["y_norm.mean"].shape[0])
        for name in ("x_norm", "y_norm"):   # RuntimeError on a shape mismatch, like load_state_dict
            getattr(self, name).load_state_dict({k: state[f"{name}.{k}"].float() for k in ("mean", "std")})

    def forward(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        y = self.run_buckets(self.x_norm(x), nearest_row(phase, self.buckets))
        return self.y_norm.inverse(y)

    @torch.jit.export
    def forward_nearest50(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        return self.forward(x, phase)

    @torch.jit.export
    def forward_linear10(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        return self.forward(x, phase)


__all__ = ["BlendedLinear", "BlendedMLP", "NUM_CONTROL_SETS", "PFNN", "PhaseBucketedPFNN", "canonical_state",
           "pfnn_from_state"]
