"""Expert-blended networks for numba kernels: matrix-vector loops over weight tables, one sample at a time.

The torch twins are in `neuropuppet.nn` (`ExpertLinear`, `ExpertMLP`, `phase` coefficients). A layer's
weights are tables w [T, in, out], b [T, out] (float32, C-contiguous): T expert (control) sets, or T
precomputed blends (PFNN's 50 phase buckets). A sample uses `count` of them, `index[m]` with
coefficient `coeff[m]`, and its output is the coefficient-weighted sum of the tables' outputs, which
equals the output of the coefficient-blended weights (the layer is linear in its weights) at the cost
of `count` matrix-vector products and no per-sample weight matrix. `side_by_side_layer` / `_mlp` do the
same for all K experts over `ExpertLinear`'s own layout (weights side by side, [in, K * out]).

Coefficient modes (`phase_coefficients`, PFNN's phase function; a gating network writes index/coeff
itself): PHASE_EXACT cyclic Catmull-Rom over the T control sets, PHASE_NEAREST the nearest row of a
coefficient table, PHASE_LINEAR linear between rows of another, PHASE_BUCKET one precomputed table.
"""
from __future__ import annotations

import math

from . import scalar
from .cache import KernelCompiler

_compiler = KernelCompiler(__file__)

PHASE_EXACT, PHASE_NEAREST, PHASE_LINEAR, PHASE_BUCKET = 0, 1, 2, 3


@_compiler.jit
def catmull_rom(phase, num_sets, coeff):
    """coeff[0:num_sets] = cyclic Catmull-Rom blend coefficients at phase (`nn.phase.catmull_rom_coefficients`)."""
    q = (phase % 1.0) * num_sets
    k1 = math.floor(q)
    t = q - k1
    t2, t3 = t * t, t * t * t
    basis = (-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0, -1.5 * t3 + 2.0 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2)
    for k in range(num_sets):
        coeff[k] = 0.0
    base = int(k1)
    for m in range(4):
        coeff[(base - 1 + m) % num_sets] += basis[m]


@_compiler.jit
def phase_coefficients(mode, phase, num_sets, table_nearest, table_linear, index, coeff):
    """Which tables (index) with which weights (coeff) a sample at `phase` uses; returns how many.

    PHASE_BUCKET: the nearest of T = table_nearest.shape[0] precomputed tables, weight 1.
    Other modes: the num_sets control sets with the mode's coefficients.
    """
    p = phase % 1.0
    if mode == PHASE_BUCKET:
        rows = table_nearest.shape[0]
        index[0] = int(round(p * rows)) % rows
        coeff[0] = 1.0
        return 1
    for k in range(num_sets):
        index[k] = k
    if mode == PHASE_NEAREST:
        rows = table_nearest.shape[0]
        row = int(round(p * rows)) % rows
        for k in range(num_sets):
            coeff[k] = table_nearest[row, k]
    elif mode == PHASE_LINEAR:
        rows = table_linear.shape[0]
        q = p * rows
        i0 = math.floor(q)
        a = q - i0
        r0 = int(i0) % rows
        r1 = (r0 + 1) % rows
        for k in range(num_sets):
            coeff[k] = table_linear[r0, k] * (1.0 - a) + table_linear[r1, k] * a
    else:
        catmull_rom(p, num_sets, coeff)
    return num_sets


@_compiler.jit
def expert_layer(x, w, b, index, coeff, count, acc, out):
    """out[:n_out] = sum_m coeff[m] * (x @ w[index[m]] + b[index[m]]); acc: scratch of n_out."""
    n_in, n_out = w.shape[1], w.shape[2]
    for j in range(n_out):
        out[j] = 0.0
    for m in range(count):
        table, c = w[index[m]], coeff[m]
        bias = b[index[m]]
        for j in range(n_out):
            acc[j] = bias[j]
        for i in range(n_in):
            xi = x[i]
            row = table[i]
            for j in range(n_out):
                acc[j] += xi * row[j]
        for j in range(n_out):
            out[j] += c * acc[j]


@_compiler.jit
def expert_mlp(x, weights, biases, index, coeff, count, hidden_a, hidden_b, acc, y):
    """y = MLP(x): len(weights) expert layers with ELU between them (`nn.ExpertMLP` in eval mode).

    weights / biases: tuples of tables (one per layer); hidden_a, hidden_b, acc: scratch of the
    widest hidden layer; y: the output (its first w[-1].shape[2] values are written).
    """
    layers = len(weights)
    src = x
    for layer in range(layers):
        last = layer == layers - 1
        dst = y if last else (hidden_a if layer % 2 == 0 else hidden_b)
        expert_layer(src, weights[layer], biases[layer], index, coeff, count, acc, dst)
        if not last:
            for j in range(weights[layer].shape[2]):
                dst[j] = scalar.elu(dst[j])
        src = dst


@_compiler.jit
def side_by_side_layer(x, w, b, coeff, acc, out):
    """out[:n_out] = sum_k coeff[k] * (x @ W_k + b_k) with the K experts' weights side by side, w [in, K * n_out]
    (`ExpertLinear.weight`'s layout: expert k is columns k*n_out..(k+1)*n_out), b [K, n_out]; acc: scratch of
    K * n_out. One pass over w, four rows at a time (a third faster than `expert_layer`'s K passes for MANN's
    564-128 layer: fewer loads and stores of the accumulator per multiply-add, measured)."""
    n_in, width = w.shape
    k_count, n_out = b.shape
    for j in range(width):
        acc[j] = 0.0
    n4 = n_in - n_in % 4
    for i in range(0, n4, 4):
        x0, x1, x2, x3 = x[i], x[i + 1], x[i + 2], x[i + 3]
        r0, r1, r2, r3 = w[i], w[i + 1], w[i + 2], w[i + 3]
        for j in range(width):
            acc[j] += x0 * r0[j] + x1 * r1[j] + x2 * r2[j] + x3 * r3[j]
    for i in range(n4, n_in):
        xi, row = x[i], w[i]
        for j in range(width):
            acc[j] += xi * row[j]
    for j in range(n_out):
        total = 0.0
        for k in range(k_count):
            total += coeff[k] * (acc[k * n_out + j] + b[k, j])
        out[j] = total


@_compiler.jit
def side_by_side_mlp(x, weights, biases, coeff, hidden_a, hidden_b, acc, y):
    """y = MLP(x) of `side_by_side_layer`s with ELU between them (`nn.ExpertMLP` in eval mode, its weights as
    stored): weights / biases tuples of [in, K * out] / [K, out]; hidden_a, hidden_b: scratch of the widest
    hidden layer, acc: of K x the widest layer."""
    layers = len(weights)
    src = x
    for layer in range(layers):
        last = layer == layers - 1
        dst = y if last else (hidden_a if layer % 2 == 0 else hidden_b)
        side_by_side_layer(src, weights[layer], biases[layer], coeff, acc, dst)
        if not last:
            for j in range(biases[layer].shape[1]):
                dst[j] = scalar.elu(dst[j])
        src = dst


@_compiler.jit
def normalise(x, mean, std):
    """x = (x - mean) / std in place."""
    for i in range(x.shape[0]):
        x[i] = (x[i] - mean[i]) / std[i]


@_compiler.jit
def denormalise_finite(y, mean, std):
    """y = y * std + mean in place, non-finite values -> 0 (never a NaN pose)."""
    for j in range(y.shape[0]):
        v = y[j] * std[j] + mean[j]
        y[j] = v if math.isfinite(v) else 0.0


@_compiler.jit
def softmax(v):
    """v = softmax(v) in place (`torch.softmax`: exponentials of v - max(v), divided by their sum)."""
    top = v[0]
    for k in range(1, v.shape[0]):
        top = max(top, v[k])
    total = 0.0
    for k in range(v.shape[0]):
        v[k] = math.exp(v[k] - top)
        total += v[k]
    for k in range(v.shape[0]):
        v[k] = v[k] / total


__all__ = ["PHASE_BUCKET", "PHASE_EXACT", "PHASE_LINEAR", "PHASE_NEAREST", "catmull_rom", "denormalise_finite",
           "expert_layer", "expert_mlp", "normalise", "phase_coefficients", "side_by_side_layer",
           "side_by_side_mlp", "softmax"]
