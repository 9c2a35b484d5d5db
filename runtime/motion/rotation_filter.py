"""RotationFilter: a causal one-pole low-pass on chosen joints' local rotations, in place, per tick.

    smooth = RotationFilter(batch_size=N, joints=[0, 3, 4], cutoff_hz=[5.0, 5.0, 0.0], dt=1 / 60)
    smooth(pose.local_rotations)          # after the network wrote this tick's rotations
    smooth.reset([2])                     # character 2 starts from its next rotations (no blend from the old)

Each tick, for each filtered joint j of each character: s <- normalise(s + a_j (q - s)), q taken on
s's hemisphere (q and -q are one rotation), a_j = 1 - exp(-2 pi f_j dt); s is written back as the
joint's rotation. f_j is the cut-off in Hz (0: the joint passes unfiltered); the lag is about
1 / (2 pi f_j) s (5 Hz: 32 ms). A character's first tick (and its first after `reset`) takes q as it is.
What it is for: a network's frame-to-frame jitter, small in angle, is large in jerk (third differences
at 60 Hz scale it by 60^3), most of all on joints near the root that carry a whole chain.

On the CPU one compiled call per tick (numba, `filter_rotations`); elsewhere the same arithmetic in torch
(`filter_rotations_torch`), checked to agree in tests/motion/test_rotation_filter.py.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from ..errors import InputError
from ..kernels import KernelCompiler
from .rotations_torch import quat_nlerp

_compiler = KernelCompiler(__file__)


@_compiler.jit(fastmath=False)
def filter_rotations(rotations, state, joints, alpha, fresh):
    """rotations [N, J, 4] in place at `joints` [K] from state [N, K, 4] with per-joint alpha [K];
    fresh [N] (uint8): take the rotations as they are, then clear."""
    for n in range(rotations.shape[0]):
        for k in range(joints.shape[0]):
            j = joints[k]
            if fresh[n] or alpha[k] >= 1.0:
                for m in range(4):
                    state[n, k, m] = rotations[n, j, m]
                continue
            dot = 0.0
            for m in range(4):
                dot += state[n, k, m] * rotations[n, j, m]
            sign = -1.0 if dot < 0.0 else 1.0
            norm = 0.0
            for m in range(4):
                v = state[n, k, m] + alpha[k] * (sign * rotations[n, j, m] - state[n, k, m])
                state[n, k, m] = v
                norm += v * v
            norm = math.sqrt(norm)
            if not norm > 1e-8 or not math.isfinite(norm):     # opposite halves cancelled, or non-finite input
                for m in range(4):
                    state[n, k, m] = rotations[n, j, m]
                continue
            for m in range(4):
                state[n, k, m] /= norm
                rotations[n, j, m] = state[n, k, m]
        fresh[n] = 0


def filter_rotations_torch(rotations: torch.Tensor, state: torch.Tensor, joints: torch.Tensor, alpha: torch.Tensor,
                           fresh: torch.Tensor) -> None:
    """`filter_rotations` in torch (any device; no host sync; the blend is `quat_nlerp`): the same arguments as
    tensors, fresh bool [N]."""
    q = rotations.index_select(1, joints)                                       # [N, K, 4]
    a = alpha.view(1, -1).expand(q.shape[0], -1)
    v = quat_nlerp(state, q, a)
    norm = v.norm(dim=-1, keepdim=True)                # 1, or less where the two halves cancelled
    v = torch.where((norm > 0.5) & torch.isfinite(norm), v, q)
    v = torch.where(fresh.view(-1, 1, 1) | (a.unsqueeze(-1) >= 1.0), q, v)
    state.copy_(v)
    rotations.index_copy_(1, joints, v)
    fresh.zero_()


def alpha_of(cutoff_hz: float, dt: float) -> float:
    """The one-pole blend per tick of a cut-off (Hz; 0 or less: 1, no filtering)."""
    return 1.0 - math.exp(-2.0 * math.pi * cutoff_hz * dt) if cutoff_hz > 0 else 1.0


class RotationFilter:
    """One-pole low-pass of N characters' local rotations at chosen joints (module docstring)."""

    def __init__(self, batch_size: int, joints: Sequence[int], cutoff_hz: Sequence[float], dt: float,
                 device: torch.device | str = "cpu") -> None:
        joints, cutoff = list(joints), [float(f) for f in cutoff_hz]
        if len(joints) != len(cutoff):
            raise InputError(f"rotation filter: {len(joints)} joints but {len(cutoff)} cut-offs")
        if not dt > 0 or not all(math.isfinite(f) and f >= 0 for f in cutoff):
            raise InputError(f"rotation filter: dt must be positive and cut-offs finite and >= 0 (Hz), got dt {dt}, "
                             f"{cutoff}")
        keep = [k for k, f in enumerate(cutoff) if f > 0]                      # joints that pass are left out
        self.device = torch.device(device)
        self.joints = torch.tensor([joints[k] for k in keep], dtype=torch.long, device=self.device)
        self.cutoff_hz = [cutoff[k] for k in keep]
        self.alpha = torch.tensor([alpha_of(f, dt) for f in self.cutoff_hz], dtype=torch.float32, device=self.device)
        self.state = torch.zeros(batch_size, len(keep), 4, device=self.device)
        self._on_cpu = self.device.type == "cpu"
        self.fresh = torch.ones(batch_size, dtype=torch.uint8 if self._on_cpu else torch.bool, device=self.device)
        if self._on_cpu:
            self._np = (self.state.numpy(), self.joints.numpy(), self.alpha.numpy(), self.fresh.numpy())

    @property
    def active(self) -> bool:
        """Whether any joint is filtered."""
        return len(self.cutoff_hz) > 0

    def __call__(self, rotations: torch.Tensor) -> None:
        """Filter `rotations` [N, J, 4] in place (float32, on the filter's device)."""
        if not self.active:
            return
        if self._on_cpu:
            filter_rotations(rotations.numpy(), *self._np)
        else:
            filter_rotations_torch(rotations, self.state, self.joints, self.alpha, self.fresh)

    def reset(self, indices: Sequence[int] | None = None) -> None:
        """Characters (all, or `indices`) take their next rotations unblended."""
        if indices is None:
            self.fresh.fill_(1)
        else:
            self.fresh[torch.as_tensor(list(indices), dtype=torch.long, device=self.device)] = 1


__all__ = ["RotationFilter", "filter_rotations", "filter_rotations_torch", "alpha_of"]
