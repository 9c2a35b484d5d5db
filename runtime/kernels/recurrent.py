"""Recurrent cells for numba kernels: one character's LSTM or GRU tick over transposed weight tables.

The torch twins are `torch.nn.LSTM` / `torch.nn.GRU` (`neuropuppet.nn.RecurrentLSTM` / `RecurrentGRU`),
with torch's gate order (LSTM: i, f, g, o; GRU: r, z, n). Weights arrive transposed, wt_ih [in, G]
and wt_hh [H, G] (G = 4H or 3H, float32, C-contiguous), so each input adds a contiguous row to all
gate sums: the inner loop runs over independent gates, which LLVM vectorises without reordering a sum.
h_out / c_out may be h / c (the old state is read in full before it is written).
"""
from __future__ import annotations

import math

import numpy as np

from .cache import KernelCompiler

_compiler = KernelCompiler(__file__)


@_compiler.jit
def sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


@_compiler.jit
def gate_sums(x, n_in, wt, bias, out):
    """out[:] = bias + x[:n_in] @ wt[:n_in] (wt [>= n_in, G])."""
    g = out.shape[0]
    for r in range(g):
        out[r] = bias[r]
    for k in range(n_in):
        xk = x[k]
        for r in range(g):
            out[r] += wt[k, r] * xk


@_compiler.jit
def lstm_step(x, n_in, h, c, wt_ih, wt_hh, b_ih, b_hh, gi, gh, h_out, c_out):
    """One LSTM tick of one character: x [n_in], h, c [H] -> h_out, c_out [H]; gi, gh scratch [4H]."""
    hidden = h.shape[0]
    gate_sums(x, n_in, wt_ih, b_ih, gi)
    gate_sums(h, hidden, wt_hh, b_hh, gh)
    for j in range(hidden):
        i = sigmoid(gi[j] + gh[j])
        f = sigmoid(gi[hidden + j] + gh[hidden + j])
        g = math.tanh(gi[2 * hidden + j] + gh[2 * hidden + j])
        o = sigmoid(gi[3 * hidden + j] + gh[3 * hidden + j])
        cell = f * c[j] + i * g
        c_out[j] = cell
        h_out[j] = o * math.tanh(cell)


@_compiler.jit
def gru_step(x, n_in, h, wt_ih, wt_hh, b_ih, b_hh, gi, gh, h_out):
    """One GRU tick of one character: x [n_in], h [H] -> h_out [H]; gi, gh scratch [3H]."""
    hidden = h.shape[0]
    gate_sums(x, n_in, wt_ih, b_ih, gi)
    gate_sums(h, hidden, wt_hh, b_hh, gh)
    for j in range(hidden):
        r = sigmoid(gi[j] + gh[j])
        z = sigmoid(gi[hidden + j] + gh[hidden + j])
        n = math.tanh(gi[2 * hidden + j] + r * gh[2 * hidden + j])
        h_out[j] = (1.0 - z) * n + z * h[j]


def transposed_tables(state: dict, layers: int, prefix: str = "") -> tuple[np.ndarray, ...]:
    """(wt_ih [L, I, G], wt_hh [L, H, G], b_ih [L, G], b_hh [L, G]) float32 from a torch nn.LSTM / nn.GRU
    state dict (keys `{prefix}weight_ih_l{k}` ...); I is the widest layer input (rows past a layer's own
    input width are zero)."""
    w_ih = [state[f"{prefix}weight_ih_l{k}"].detach().cpu().float().numpy() for k in range(layers)]
    w_hh = [state[f"{prefix}weight_hh_l{k}"].detach().cpu().float().numpy() for k in range(layers)]
    gates, hidden = w_hh[0].shape
    widest = max(w.shape[1] for w in w_ih)
    wt_ih = np.zeros((layers, widest, gates), np.float32)
    for k, w in enumerate(w_ih):
        wt_ih[k, :w.shape[1]] = w.T
    wt_hh = np.ascontiguousarray(np.stack([w.T for w in w_hh]), np.float32)
    b = [np.stack([state[f"{prefix}bias_{kind}_l{k}"].detach().cpu().float().numpy() for k in range(layers)])
         for kind in ("ih", "hh")]
    return wt_ih, wt_hh, np.ascontiguousarray(b[0], np.float32), np.ascontiguousarray(b[1], np.float32)


__all__ = ["gate_sums", "gru_step", "lstm_step", "sigmoid", "transposed_tables"]
