"""The pianist's CPU tick for small batches: the artifact's network in one numba-compiled call per tick.

The same arithmetic as the artifact's TorchScript forward (`GesturesNet.forward`, the reference), as
scalar loops over characters on the shared kernels (`neuropuppet.kernels.recurrent`, `.network`):

  features (a row with NaN/inf: the character's last finite row) -> the feature set's columns, NaN as 0,
  the beat phase as sin/cos when the set has it -> normalised, clamped -> LSTM layers (state in place)
  -> linear read-out -> 6D per joint, denormalised -> Gram-Schmidt -> unit quaternion (Shepperd, w >= 0)
  written into the pose's local rotations

A one-performer tick is the LSTM's matrix-vector products (LSTM-128 over 28 inputs: ~80k, a second layer ~130k
multiply-adds) plus a few hundred scalar operations, against ~30 TorchScript calls. `NativeTick.build`
checks it against the artifact on random input and returns None when they disagree (an artifact whose
network does something else then runs in TorchScript).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from neuropuppet.kernels import KernelCompiler
from neuropuppet.kernels import network as nk
from neuropuppet.kernels import quaternion
from neuropuppet.kernels import recurrent

_compiler = KernelCompiler(__file__)
AGREEMENT = 1e-4
"""Largest difference (quaternion components) allowed between this tick and the artifact's forward."""


@_compiler.jit
def sixd_to_quat(d, q):
    """Unit quaternion q [4] (w >= 0) of a 6D rotation d [6] (first two matrix columns, Gram-Schmidt)."""
    n1 = max(math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]), 1e-8)
    b1x, b1y, b1z = d[0] / n1, d[1] / n1, d[2] / n1
    dot = b1x * d[3] + b1y * d[4] + b1z * d[5]
    a2x, a2y, a2z = d[3] - dot * b1x, d[4] - dot * b1y, d[5] - dot * b1z
    n2 = max(math.sqrt(a2x * a2x + a2y * a2y + a2z * a2z), 1e-8)
    b2x, b2y, b2z = a2x / n2, a2y / n2, a2z / n2
    b3x, b3y, b3z = b1y * b2z - b1z * b2y, b1z * b2x - b1x * b2z, b1x * b2y - b1y * b2x
    # the matrix's columns are b1, b2, b3; its rows go to Shepperd's method
    q[0], q[1], q[2], q[3] = quaternion.from_matrix((b1x, b2x, b3x), (b1y, b2y, b3y), (b1z, b2z, b3z))


@_compiler.jit
def gestures_tick(features, held, columns, phase_column, x_mean, x_std, clamp, wt_ih, wt_hh, b_ih, b_hh, h, c,
                  wt_out, b_out, y_mean, y_std, written, rotations, x, gi, gh, y, q):
    """One tick of N performers: features [N, F] -> rotations[:, written] (in place); h, c [L, N, H] in place."""
    n_chars, width = features.shape
    layers, _, hidden = h.shape
    n_cols = columns.shape[0]
    n_in = x.shape[0]
    joints = written.shape[0]
    for n in range(n_chars):
        finite = True
        for k in range(width):
            if not math.isfinite(features[n, k]):
                finite = False
                break
        if finite:
            for k in range(width):
                held[n, k] = features[n, k]
        row = held[n]
        for k in range(n_cols):
            v = row[columns[k]]
            x[k] = v if math.isfinite(v) else 0.0
        if phase_column >= 0:
            angle = 2.0 * math.pi * x[phase_column]
            x[phase_column] = math.sin(angle)
            x[n_cols] = math.cos(angle)
        for k in range(n_in):
            v = (x[k] - x_mean[k]) / x_std[k]
            x[k] = min(max(v, -clamp), clamp)
        for layer in range(layers):
            src = x if layer == 0 else h[layer - 1, n]
            width_in = n_in if layer == 0 else hidden
            recurrent.lstm_step(src, width_in, h[layer, n], c[layer, n], wt_ih[layer], wt_hh[layer], b_ih[layer],
                                b_hh[layer], gi, gh, h[layer, n], c[layer, n])
        recurrent.gate_sums(h[layers - 1, n], hidden, wt_out, b_out, y)
        nk.denormalise_finite(y, y_mean, y_std)
        for j in range(joints):
            sixd_to_quat(y[6 * j:6 * j + 6], q)
            for m in range(4):
                rotations[n, written[j], m] = q[m]


@_compiler.jit
def sixd_rows_to_rotations(raw, y_mean, y_std, written, rotations, q):
    """Normalised 6D outputs raw [N, J*6] -> denormalised -> unit quaternions into rotations[:, written]."""
    n_chars, width = raw.shape
    y = np.empty(width, np.float32)
    for n in range(n_chars):
        for k in range(width):
            y[k] = raw[n, k]
        nk.denormalise_finite(y, y_mean, y_std)
        for j in range(written.shape[0]):
            sixd_to_quat(y[6 * j:6 * j + 6], q)
            for m in range(4):
                rotations[n, written[j], m] = q[m]


class BatchedTick:
    """Large CPU groups: the artifact's own batched LSTM and read-out (TorchScript), then the 6D ->
    quaternion conversion compiled (the artifact's conversion is most of a large batch's tick)."""

    def __init__(self, module: Any) -> None:
        state = module.state_dict()
        self.module = module
        self.y_mean = state["y_norm.mean"].detach().cpu().float().numpy()
        self.y_std = state["y_norm.std"].detach().cpu().float().numpy()
        self._q = np.zeros(4, np.float32)

    def __call__(self, features: torch.Tensor, h: torch.Tensor, c: torch.Tensor, written: np.ndarray,
                 rotations: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        m = self.module
        y, h1, c1 = m.cell.step(m.inputs(features), h, c)
        sixd_rows_to_rotations(m.out(y).numpy(), self.y_mean, self.y_std, written, rotations, self._q)
        return h1, c1

    @classmethod
    def build(cls, module: Any, width: int, seed: int = 0) -> "BatchedTick | None":
        """The batched tick, or None when the artifact's layout differs or it disagrees with its forward."""
        try:
            tick = cls(module)
            g = torch.Generator().manual_seed(seed)
            layers, hidden = int(module.cell.num_layers), int(module.cell.hidden_size)
            h, c = torch.zeros(layers, 3, hidden), torch.zeros(layers, 3, hidden)
            with torch.no_grad():
                x = torch.randn(3, width, generator=g) * 2.0
                want, wh, _ = module(x, h, c)
                rot = np.zeros(tuple(want.shape), np.float32)
                h1, _ = tick(x, h, c, np.arange(want.shape[1], dtype=np.int64), rot)
            if np.allclose(rot, want.numpy(), atol=AGREEMENT) and torch.allclose(h1, wh, atol=AGREEMENT):
                return tick
        except Exception:
            pass
        return None


class NativeTick:
    """The artifact's weights as kernel tables and the scratch of one tick (see module docstring)."""

    def __init__(self, module: Any, input_clamp: float, phase_column: int) -> None:
        state = {k: v.detach().cpu().float() for k, v in module.state_dict().items()}
        layers = sum(1 for k in state if k.startswith("cell.rnn.weight_hh_l"))
        if layers == 0:
            raise KeyError("no cell.rnn LSTM weights")
        self.tables = recurrent.transposed_tables(state, layers, "cell.rnn.")
        self.columns = state["columns"].numpy().astype(np.int64)
        self.phase_column = int(phase_column)
        self.x_mean, self.x_std = state["x_norm.mean"].numpy(), state["x_norm.std"].numpy()
        self.y_mean, self.y_std = state["y_norm.mean"].numpy(), state["y_norm.std"].numpy()
        self.wt_out = np.ascontiguousarray(state["out.weight"].numpy().T)
        self.b_out = state["out.bias"].numpy()
        self.clamp = float(input_clamp)
        hidden = self.tables[1].shape[1]
        self._x = np.zeros(self.x_mean.shape[0], np.float32)
        self._gi, self._gh = np.zeros(4 * hidden, np.float32), np.zeros(4 * hidden, np.float32)
        self._y = np.zeros(self.b_out.shape[0], np.float32)
        self._q = np.zeros(4, np.float32)

    def __call__(self, features: np.ndarray, held: np.ndarray, h: np.ndarray, c: np.ndarray, written: np.ndarray,
                 rotations: np.ndarray) -> None:
        wt_ih, wt_hh, b_ih, b_hh = self.tables
        gestures_tick(features, held, self.columns, self.phase_column, self.x_mean, self.x_std, self.clamp, wt_ih,
                      wt_hh, b_ih, b_hh, h, c, self.wt_out, self.b_out, self.y_mean, self.y_std, written, rotations,
                      self._x, self._gi, self._gh, self._y, self._q)

    @classmethod
    def build(cls, module: Any, extra: dict, width: int, seed: int = 0) -> "NativeTick | None":
        """The native tick of the artifact's network, or None when its layout is not the one mirrored here
        or it disagrees with the artifact's forward on random input (a few ticks, two performers)."""
        try:
            tick = cls(module, float(extra.get("input_clamp", 8.0)), int(getattr(module, "phase_column", -1)))
        except Exception:                   # another network layout than GesturesNet's: TorchScript runs it
            return None
        if tick.wt_out.shape[1] % 6:
            return None
        layers, hidden = tick.tables[1].shape[0], tick.tables[1].shape[1]
        joints = tick.wt_out.shape[1] // 6
        g = torch.Generator().manual_seed(seed)
        h = torch.zeros(layers, 2, hidden)
        c = torch.zeros(layers, 2, hidden)
        hn, cn = h.numpy().copy(), c.numpy().copy()
        held = np.zeros((2, width), np.float32)
        rot = np.zeros((2, joints, 4), np.float32)
        written = np.arange(joints, dtype=np.int64)
        with torch.no_grad():
            for _ in range(4):
                x = torch.randn(2, width, generator=g) * 2.0
                want, h, c = module(x, h, c)
                tick(x.numpy(), held, hn, cn, written, rot)
                if not np.allclose(rot, want.numpy(), atol=AGREEMENT) or not np.allclose(hn, h.numpy(), atol=AGREEMENT):
                    return None
        return tick


__all__ = ["NativeTick", "BatchedTick", "gestures_tick", "sixd_to_quat", "sixd_rows_to_rotations"]
