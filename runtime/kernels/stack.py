"""A stack layer's per-tick bookkeeping on the CPU, one compiled call each (`neuropuppet.stack.Layer`).

  layer_below     gather the composite pose into the layer's joint order and the world transforms of
                  the joints it reads (forward kinematics of their chain only; float64 inside, local
                  rotations normalised, as `motion.kinematics.forward_kinematics`)
  advance_weights move each blend weight toward its target at its rate
  blend_owned     the layer's owned joints over the pose below: nlerp along the shorter arc, lerp

The torch twins are the GPU branches of `Layer.fill_below` / `advance_weight` / `blend_into`.
"""
from __future__ import annotations

import math

import numpy as np

from . import quaternion
from .cache import KernelCompiler

_compiler = KernelCompiler(__file__)


@_compiler.jit
def layer_below(pose_lp, pose_lr, root_p, root_r, to_composite, chain, chain_parents, read_rows, read_chain,
                out_lp, out_lr, out_wp, out_wr):
    """out_lp / out_lr [N, Jl, 3|4] = the pose's local arrays at to_composite; out_wp / out_wr rows
    read_rows = world transforms of chain joints read_chain (chain: composite indices, parents first;
    chain_parents: index in chain, -1 for a joint under the character root)."""
    n, jl, jc = pose_lp.shape[0], to_composite.shape[0], chain.shape[0]
    wp = np.empty((jc, 3))
    wr = np.empty((jc, 4))
    for c in range(n):
        for j in range(jl):
            src = to_composite[j]
            for k in range(3):
                out_lp[c, j, k] = pose_lp[c, src, k]
            for k in range(4):
                out_lr[c, j, k] = pose_lr[c, src, k]
        for i in range(jc):
            src = chain[i]
            lw, lx, ly, lz = (float(pose_lr[c, src, 0]), float(pose_lr[c, src, 1]), float(pose_lr[c, src, 2]),
                              float(pose_lr[c, src, 3]))
            norm = max(math.sqrt(lw * lw + lx * lx + ly * ly + lz * lz), 1e-8)
            local = (lw / norm, lx / norm, ly / norm, lz / norm)
            offset = (float(pose_lp[c, src, 0]), float(pose_lp[c, src, 1]), float(pose_lp[c, src, 2]))
            p = chain_parents[i]
            if p < 0:
                parent_q = (float(root_r[c, 0]), float(root_r[c, 1]), float(root_r[c, 2]), float(root_r[c, 3]))
                parent_p = (float(root_p[c, 0]), float(root_p[c, 1]), float(root_p[c, 2]))
            else:
                parent_q = (wr[p, 0], wr[p, 1], wr[p, 2], wr[p, 3])
                parent_p = (wp[p, 0], wp[p, 1], wp[p, 2])
            moved = quaternion.qrot(parent_q, offset)
            rot = quaternion.qmul(parent_q, local)
            for k in range(3):
                wp[i, k] = parent_p[k] + moved[k]
            for k in range(4):
                wr[i, k] = rot[k]
        for r in range(read_rows.shape[0]):
            row, i = read_rows[r], read_chain[r]
            for k in range(3):
                out_wp[c, row, k] = wp[i, k]
            for k in range(4):
                out_wr[c, row, k] = wr[i, k]


@_compiler.jit
def advance_weights(weight, target, rate, dt):
    """weight += clamp(target - weight, -rate * dt, rate * dt), per character."""
    for c in range(weight.shape[0]):
        step = rate[c] * dt
        weight[c] = weight[c] + min(max(target[c] - weight[c], -step), step)


@_compiler.jit
def blend_owned(pose_lp, pose_lr, out_lp, out_lr, owned, owned_layer, weight):
    """pose joints `owned` = nlerp / lerp from themselves toward the layer's joints `owned_layer` by weight [N]."""
    n = pose_lp.shape[0]
    for c in range(n):
        t = weight[c]
        for m in range(owned.shape[0]):
            dst, src = owned[m], owned_layer[m]
            dot = 0.0
            for k in range(4):
                dot += pose_lr[c, dst, k] * out_lr[c, src, k]
            sign = -1.0 if dot < 0.0 else 1.0
            q0, q1, q2, q3 = ((1.0 - t) * pose_lr[c, dst, 0] + t * sign * out_lr[c, src, 0],
                              (1.0 - t) * pose_lr[c, dst, 1] + t * sign * out_lr[c, src, 1],
                              (1.0 - t) * pose_lr[c, dst, 2] + t * sign * out_lr[c, src, 2],
                              (1.0 - t) * pose_lr[c, dst, 3] + t * sign * out_lr[c, src, 3])
            norm = max(math.sqrt(q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3), 1e-8)
            pose_lr[c, dst, 0], pose_lr[c, dst, 1] = q0 / norm, q1 / norm
            pose_lr[c, dst, 2], pose_lr[c, dst, 3] = q2 / norm, q3 / norm
            for k in range(3):     # torch.lerp's two-sided form: exact at both ends
                a, b = pose_lp[c, dst, k], out_lp[c, src, k]
                pose_lp[c, dst, k] = a + t * (b - a) if t < 0.5 else b - (b - a) * (1.0 - t)


__all__ = ["advance_weights", "blend_owned", "layer_below"]
