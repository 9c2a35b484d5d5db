"""MANN's CPU tick: the whole tick for N dogs as numba-compiled calls (the torch tick, tick.py, is the reference).

The same arithmetic as `tick.MANNTick.forward` (tests/mann/test_mann_native.py checks they agree tick by tick),
as scalar loops over dogs:

  pad (finite, clamped; the stick's walk share) -> desired motion (`kernels.locomotion.desired_motion` over the
  dog's gait table, read from `GaitTable.arrays()`) -> future blend -> network input in the root frame
  -> gating (softmax of a small ELU MLP) -> the 8 experts' motion network, outputs blended by the gating
  -> root update -> trajectory and joint state -> local rotations from the predicted forward / up axes

Two ways to run the network, picked by batch size (`NETWORK_BELOW`, measured by `neuropuppet bench mann`):
below it every dog's network runs inside the one compiled call (`tick_kernel`: per dog, one pass over the
experts' weights as the artifact stores them, side by side, `kernels.network.side_by_side_mlp`); from it on
the tick is `input_kernel` (trajectory, network input, gating; numba prange over dogs) -> the artifact's `ExpertMLP` on
the whole batch (torch: one matrix product per layer over the experts side by side, outputs blended) ->
`output_kernel` (prange). Float32 state and buffers, allocated once (the torch batch path allocates its
layer outputs).
"""
from __future__ import annotations

import logging
import math
import time
from typing import NamedTuple

import numba
import numpy as np
import torch
from numba import prange

import neuropuppet.locomotion.gaits
import neuropuppet.locomotion.stick
from neuropuppet.kernels import KernelCompiler
from neuropuppet.kernels import locomotion, network as kernel_network, scalar, terrain
from neuropuppet.kernels import quaternion as q
from neuropuppet.channels import GAMEPAD_WIDTH
from neuropuppet.locomotion.gaits import GaitArrays, GaitTable
from neuropuppet.locomotion.stick import StickResponse

from .features import HISTORY
from .tick import MANNTick, initial_state

STATE_KEYS = ("root_xz", "yaw", "past", "future", "joints")   # the order the kernels take them

log = logging.getLogger(__name__)

if numba.config.THREADING_LAYER == "default":
    # the prange kernels run between torch's OpenMP calls; numba's OpenMP layer and torch's pool then wait on each
    # other (a 500-dog tick took 24 ms instead of 0.6 ms here, measured): numba's own work queue unless
    # NUMBA_THREADING_LAYER chose a layer
    numba.config.THREADING_LAYER = "workqueue"

_compiler = KernelCompiler(__file__, depends=[neuropuppet.locomotion.gaits, neuropuppet.locomotion.stick])

NETWORK_BELOW = 32
"""Batches smaller than this run each dog's network inside the compiled call; larger ones run the artifact's
batched torch network between two compiled calls (measured: `neuropuppet bench mann`, README "MANN")."""

# block starts in NativeSettings.x_at / y_at (the layouts' order, checked by MANNTick)
X_POS, X_DIR, X_VEL, X_SPEED, X_GAIT, X_JPOS, X_JFWD, X_JUP, X_JVEL = range(9)
Y_ROOT, Y_CONTACTS, Y_FPOS, Y_FDIR, Y_FVEL, Y_JPOS, Y_JFWD, Y_JUP, Y_JVEL = range(9)
X_BLOCKS = ("traj_pos", "traj_dir", "traj_vel", "traj_speed", "traj_gait", "joint_pos", "joint_fwd", "joint_up",
            "joint_vel")
Y_BLOCKS = ("root_update", "contacts", "future_pos", "future_dir", "future_vel", "joint_pos", "joint_fwd",
            "joint_up", "joint_vel")


class NativeNetwork(NamedTuple):
    """A MANN's weights as the kernels read them (float32, C-contiguous; gating layers as one-table stacks)."""
    x_mean: np.ndarray        # [X]
    x_std: np.ndarray
    y_mean: np.ndarray        # [Y]
    y_std: np.ndarray
    gate_index: np.ndarray    # [GI] int64 normalised input columns the gating reads
    gate_w: tuple             # 3 x [1, in, out]
    gate_b: tuple             # 3 x [1, out]
    motion_w: tuple           # 3 x [in, K * out] (`ExpertLinear.weight`: the experts side by side)
    motion_b: tuple           # 3 x [K, out]

    @classmethod
    def from_network(cls, net: torch.nn.Module) -> "NativeNetwork":
        """From a `network.MANN` (its 3-layer gating and 3-layer expert MLP); ValueError for another layout."""
        arr = lambda t: np.ascontiguousarray(t.detach().cpu().float().numpy())   # noqa: E731
        gate = list(net.gate.mlp.layers)
        motion = [(layer.weight, layer.bias) for layer in net.motion.layers]
        if len(gate) != 3 or len(motion) != 3:
            raise ValueError(f"the compiled tick runs 3-layer gating and motion networks, got {len(gate)} and "
                             f"{len(motion)} layers")
        return cls(arr(net.x_norm.mean), arr(net.x_norm.std), arr(net.y_norm.mean), arr(net.y_norm.std),
                   net.gate_index.detach().cpu().numpy().astype(np.int64).copy(),
                   tuple(arr(layer.weight.t()).reshape(1, layer.in_features, layer.out_features) for layer in gate),
                   tuple(arr(layer.bias).reshape(1, -1) for layer in gate),
                   tuple(arr(w) for w, _ in motion), tuple(arr(b) for _, b in motion))

    @property
    def num_experts(self) -> int:
        return self.motion_b[0].shape[0]

    @property
    def widest(self) -> int:
        """Scratch size of a hidden layer / the accumulator: the widest layer, x K for the motion network."""
        return max([w.shape[1] for w in self.motion_w] + [w.shape[2] for w in self.gate_w])


class NativeSettings(NamedTuple):
    """Per-controller constants of the tick, read from the eager `MANNTick`."""
    pad_low: np.ndarray       # [21]
    pad_high: np.ndarray
    gait_buttons: np.ndarray  # [B] int64 pad columns of the gait selectors that override the stick's walk share
    walk_column: int          # -1: no walk column
    walk_below: float
    trot_above: float
    stick: StickResponse
    gaits: GaitArrays
    blend: np.ndarray         # [3, FK] future blend weights: position, direction, velocity (and speed, gaits)
    sample_frames: np.ndarray # [P + 1] int64 history frames of the past samples and now
    stationary: np.ndarray    # [G]
    parents: np.ndarray       # [J] int64 (the root's clamped to 0)
    offsets: np.ndarray       # [J, 3]
    step_seconds: float
    fps: float
    gait_rate: float
    stabilise: float
    ablate: int
    x_at: np.ndarray          # [9] int64 input block starts (X_* order)
    y_at: np.ndarray          # [9] int64 output block starts (Y_* order)

    @classmethod
    def from_core(cls, core: MANNTick) -> "NativeSettings":
        arr = lambda t: np.ascontiguousarray(t.detach().cpu().float().numpy())   # noqa: E731
        ints = lambda t: np.ascontiguousarray(t.detach().cpu().numpy().astype(np.int64))   # noqa: E731
        d = core.desired
        buttons = ints(core.gait_buttons) if core.has_gait_buttons else np.zeros(0, np.int64)
        starts = [core.y_root, core.y_contacts, core.y_fpos, core.y_fdir, core.y_fvel, core.y_jpos, core.y_jfwd,
                  core.y_jup, core.y_jvel]
        return cls(arr(core.pad_low), arr(core.pad_high), buttons, int(core.walk_column), float(core.walk_below),
                   float(core.trot_above),
                   StickResponse(float(d.dead_zone), float(d.move_ramp), float(d.min_drive), float(d.look_threshold)),
                   core.gaits.arrays(), np.ascontiguousarray(np.stack([arr(core.w_pos), arr(core.w_dir), arr(core.w_vel)])),
                   ints(core.sample_frames), arr(core.stationary), ints(core.parents), arr(core.offsets),
                   float(core.step_seconds), float(core.fps), float(core.gait_rate), float(core.stabilise),
                   int(core.ablate), np.asarray(core.x_starts, np.int64), np.asarray(starts, np.int64))


class Scratch(NamedTuple):
    """Per-dog working rows (so that prange workers never share one), allocated once per batch size."""
    pad: np.ndarray           # [N, 21]
    want_gait: np.ndarray     # [N, G]
    speed_w: np.ndarray       # [N, G]
    want: np.ndarray          # [N, 5] desired velocity x, z, facing x, z, speed
    samples: np.ndarray       # [N, S, C] trajectory samples (world)
    x: np.ndarray             # [N, X] network input (normalised in place)
    gate_x: np.ndarray        # [N, GI]
    h0: np.ndarray            # [N, widest]
    h1: np.ndarray
    acc: np.ndarray
    y: np.ndarray             # [N, Y]
    frames: np.ndarray        # [N, J, 3, 3] joint rotations (columns x, y, z)
    one: np.ndarray           # [1] int64 0 (the gating layers' single table)
    unit: np.ndarray          # [1] float32 1


class Outputs(NamedTuple):
    root_position: np.ndarray     # [N, 3]
    root_rotation: np.ndarray     # [N, 4]
    local_positions: np.ndarray   # [N, J, 3]
    local_rotations: np.ndarray   # [N, J, 4]
    contacts: np.ndarray          # [N, F]
    coeff: np.ndarray             # [N, K]
    gait: np.ndarray              # [N, G]


# -- per dog ---------------------------------------------------------------------------------------------

@_compiler.jit
def _dog_input(c, pads, root_xz, yaw, past, future, joints, st, net, sc, coeff, gait):
    """Dog c: pad -> desired motion -> trajectory samples -> normalised network input sc.x[c] and the
    gating's coefficients coeff[c]; the current gait weights into gait[c]."""
    pad, want_gait, samples, x = sc.pad[c], sc.want_gait[c], sc.samples[c], sc.x[c]
    g_count = want_gait.shape[0]
    g0 = 7
    for k in range(pad.shape[0]):
        v = pads[c, k]
        pad[k] = scalar.clamp(v if math.isfinite(v) else 0.0, st.pad_low[k], st.pad_high[k])
    if st.walk_column >= 0:               # the stick's walk share (MANNTick.stick_walks)
        mag = min(math.sqrt(pad[0] * pad[0] + pad[1] * pad[1]), 1.0)
        share = scalar.clamp((st.trot_above - mag) / (st.trot_above - st.walk_below), 0.0, 1.0)
        if st.gait_buttons.shape[0] > 0:
            held = pad[st.gait_buttons[0]]
            for b in range(1, st.gait_buttons.shape[0]):
                held = max(held, pad[st.gait_buttons[b]])
            share *= 1.0 - scalar.clamp(held, 0.0, 1.0)
        pad[st.walk_column] = max(pad[st.walk_column], share)
    cy, sy = math.cos(yaw[c]), math.sin(yaw[c])
    rx, rz = root_xz[c, 0], root_xz[c, 1]

    # 1. desired motion, blended into the kept future
    vel_x, vel_z, face_x, face_z = locomotion.desired_motion(pad, sy, cy, st.stick, st.gaits, want_gait, sc.speed_w[c])
    want_speed = math.sqrt(vel_x * vel_x + vel_z * vel_z)
    w = sc.want[c]
    w[0], w[1], w[2], w[3], w[4] = vel_x, vel_z, face_x, face_z, want_speed
    past_n = st.sample_frames.shape[0] - 1
    last = past.shape[1] - 1
    for s in range(past_n):
        for k in range(samples.shape[1]):
            samples[s, k] = past[c, st.sample_frames[s], k]
    samples[past_n, 0], samples[past_n, 1], samples[past_n, 2], samples[past_n, 3] = rx, rz, sy, cy
    samples[past_n, 4], samples[past_n, 5] = past[c, last, 4], past[c, last, 5]
    samples[past_n, 6] = past[c, last, 6] + (want_speed - past[c, last, 6]) * st.gait_rate
    for g in range(g_count):
        gait[c, g] = past[c, last, g0 + g] + (want_gait[g] - past[c, last, g0 + g]) * st.gait_rate
        samples[past_n, g0 + g] = gait[c, g]
    fut = samples[past_n + 1:]
    locomotion.blend_future(future[c], rx, rz, vel_x, vel_z, face_x, face_z, st.blend[0], st.blend[1],
                            st.step_seconds, fut)
    for s in range(fut.shape[0]):
        wv = st.blend[2, s]
        fut[s, 4] = future[c, s, 4] + (vel_x - future[c, s, 4]) * wv
        fut[s, 5] = future[c, s, 5] + (vel_z - future[c, s, 5]) * wv
        fut[s, 6] = future[c, s, 6] + (want_speed - future[c, s, 6]) * wv
        for g in range(g_count):
            fut[s, g0 + g] = future[c, s, g0 + g] + (want_gait[g] - future[c, s, g0 + g]) * wv

    # 2. network input in the root frame (rotate_to_local), blocks in layout order
    xa = st.x_at
    for s in range(samples.shape[0]):
        px, pz = samples[s, 0] - rx, samples[s, 1] - rz
        x[xa[X_POS] + 2 * s], x[xa[X_POS] + 2 * s + 1] = px * cy - pz * sy, px * sy + pz * cy
        dx, dz = samples[s, 2], samples[s, 3]
        x[xa[X_DIR] + 2 * s], x[xa[X_DIR] + 2 * s + 1] = dx * cy - dz * sy, dx * sy + dz * cy
        vx, vz = samples[s, 4], samples[s, 5]
        x[xa[X_VEL] + 2 * s], x[xa[X_VEL] + 2 * s + 1] = vx * cy - vz * sy, vx * sy + vz * cy
        x[xa[X_SPEED] + s] = samples[s, 6]
        for g in range(g_count):
            x[xa[X_GAIT] + g_count * s + g] = samples[s, g0 + g]
    for jt in range(joints.shape[1]):
        for k in range(3):
            x[xa[X_JPOS] + 3 * jt + k] = joints[c, jt, k]
            x[xa[X_JFWD] + 3 * jt + k] = joints[c, jt, 3 + k]
            x[xa[X_JUP] + 3 * jt + k] = joints[c, jt, 6 + k]
            x[xa[X_JVEL] + 3 * jt + k] = joints[c, jt, 9 + k]
    kernel_network.normalise(x, net.x_mean, net.x_std)

    _dog_gating(c, st, net, sc, coeff)


@_compiler.jit
def _dog_gating(c, st, net, sc, coeff):
    """Dog c's gating coefficients coeff[c] from its normalised input sc.x[c] (softmax; one expert switched off
    and the rest renormalised when ablated)."""
    x, gx = sc.x[c], sc.gate_x[c]
    for i in range(gx.shape[0]):
        gx[i] = x[net.gate_index[i]]
    kernel_network.expert_mlp(gx, net.gate_w, net.gate_b, sc.one, sc.unit, 1, sc.h0[c], sc.h1[c], sc.acc[c], coeff[c])
    kernel_network.softmax(coeff[c])
    if st.ablate >= 0:
        coeff[c, st.ablate] = 0.0
        total = 0.0
        for k in range(coeff.shape[1]):
            total += coeff[c, k]
        total = max(total, 1e-6)
        for k in range(coeff.shape[1]):
            coeff[c, k] = coeff[c, k] / total


@_compiler.jit
def _dog_network(c, net, sc, coeff):
    """Dog c's expert-blended motion network: sc.x[c] (normalised) -> sc.y[c] (normalised)."""
    kernel_network.side_by_side_mlp(sc.x[c], net.motion_w, net.motion_b, coeff[c], sc.h0[c], sc.h1[c], sc.acc[c],
                                    sc.y[c])


@_compiler.jit
def _t_row(p, r, a):
    """Row a of p^T r (3 x 3 arrays) as a 3-tuple."""
    return (p[0, a] * r[0, 0] + p[1, a] * r[1, 0] + p[2, a] * r[2, 0],
            p[0, a] * r[0, 1] + p[1, a] * r[1, 1] + p[2, a] * r[2, 1],
            p[0, a] * r[0, 2] + p[1, a] * r[1, 2] + p[2, a] * r[2, 2])


@_compiler.jit
def _dog_output(c, y, heights, origin_x, origin_z, inv_cell, root_xz, yaw, past, future, joints, st, net, sc, out):
    """Dog c: the network's normalised output y [Y] -> root, trajectory and joint state (in place) and pose."""
    kernel_network.denormalise_finite(y, net.y_mean, net.y_std)
    ya = st.y_at
    g0 = 7
    g_count = out.gait.shape[1]
    j_count = joints.shape[1]
    gait, samples, w = out.gait[c], sc.samples[c], sc.want[c]
    cy, sy = math.cos(yaw[c]), math.sin(yaw[c])
    rx, rz = root_xz[c, 0], root_xz[c, 1]

    # 4. move the root (scaled down by the stationary gaits' weight)
    still = 0.0
    for g in range(g_count):
        still += gait[g] * st.stationary[g]
    moving = scalar.clamp(1.0 - still, 0.0, 1.0)
    dx = scalar.clamp(y[ya[Y_ROOT]], -0.2, 0.2) * moving
    dz = scalar.clamp(y[ya[Y_ROOT] + 2], -0.2, 0.2) * moving
    new_x, new_z = rx + dx * cy + dz * sy, rz - dx * sy + dz * cy
    new_yaw = yaw[c] + scalar.clamp(y[ya[Y_ROOT] + 1], -0.2, 0.2) * moving
    new_yaw = math.atan2(math.sin(new_yaw), math.cos(new_yaw))
    ncy, nsy = math.cos(new_yaw), math.sin(new_yaw)

    # 5. the state: history shifted, the new future from the prediction, joints stabilised
    last = past.shape[1] - 1
    for f in range(last):
        for k in range(past.shape[2]):
            past[c, f, k] = past[c, f + 1, k]
    now = st.sample_frames.shape[0] - 1
    past[c, last, 0], past[c, last, 1], past[c, last, 2], past[c, last, 3] = new_x, new_z, nsy, ncy
    past[c, last, 4], past[c, last, 5] = (new_x - rx) * st.fps, (new_z - rz) * st.fps
    past[c, last, 6] = samples[now, 6]
    for g in range(g_count):
        past[c, last, g0 + g] = gait[g]
    for s in range(future.shape[1]):
        lx, lz = y[ya[Y_FPOS] + 2 * s], y[ya[Y_FPOS] + 2 * s + 1]
        future[c, s, 0], future[c, s, 1] = lx * ncy + lz * nsy + new_x, -lx * nsy + lz * ncy + new_z
        lx, lz = y[ya[Y_FDIR] + 2 * s], y[ya[Y_FDIR] + 2 * s + 1]
        future[c, s, 2], future[c, s, 3] = scalar.normalised_or(lx * ncy + lz * nsy, -lx * nsy + lz * ncy, nsy, ncy, 1e-4)
        lx, lz = y[ya[Y_FVEL] + 2 * s], y[ya[Y_FVEL] + 2 * s + 1]
        future[c, s, 4], future[c, s, 5] = lx * ncy + lz * nsy, -lx * nsy + lz * ncy
        future[c, s, 6] = samples[now + 1 + s, 6]
        for g in range(g_count):
            future[c, s, g0 + g] = samples[now + 1 + s, g0 + g]
    shift_x, shift_z = rx - new_x, rz - new_z
    frames = sc.frames[c]
    for jt in range(j_count):
        # the previous frame advanced by its velocity, from the old root frame into the new one
        ox = joints[c, jt, 0] + joints[c, jt, 9] / st.fps
        oy = joints[c, jt, 1] + joints[c, jt, 10] / st.fps
        oz = joints[c, jt, 2] + joints[c, jt, 11] / st.fps
        wx, wz = ox * cy + oz * sy + shift_x, -ox * sy + oz * cy + shift_z
        mx, mz = wx * ncy - wz * nsy, wx * nsy + wz * ncy
        p = ya[Y_JPOS] + 3 * jt
        jx = y[p] + (mx - y[p]) * st.stabilise
        jy = y[p + 1] + (oy - y[p + 1]) * st.stabilise
        jz = y[p + 2] + (mz - y[p + 2]) * st.stabilise
        # rotation from the forward (z) and up axes (tick.frames_from_axes)
        f, u = ya[Y_JFWD] + 3 * jt, ya[Y_JUP] + 3 * jt
        zx, zy, zz = q.normalised_or((y[f], y[f + 1], y[f + 2]), (0.0, 0.0, 1.0), 1e-4)
        ax, ay, az = q.normalised_or(q.cross((y[u], y[u + 1], y[u + 2]), (zx, zy, zz)), (1.0, 0.0, 0.0), 1e-6)
        bx, by, bz = q.cross((zx, zy, zz), (ax, ay, az))
        frames[jt, 0, 0], frames[jt, 1, 0], frames[jt, 2, 0] = ax, ay, az
        frames[jt, 0, 1], frames[jt, 1, 1], frames[jt, 2, 1] = bx, by, bz
        frames[jt, 0, 2], frames[jt, 1, 2], frames[jt, 2, 2] = zx, zy, zz
        v = ya[Y_JVEL] + 3 * jt
        joints[c, jt, 0], joints[c, jt, 1], joints[c, jt, 2] = jx, jy, jz
        joints[c, jt, 3], joints[c, jt, 4], joints[c, jt, 5] = zx, zy, zz
        joints[c, jt, 6], joints[c, jt, 7], joints[c, jt, 8] = bx, by, bz
        joints[c, jt, 9], joints[c, jt, 10], joints[c, jt, 11] = y[v], y[v + 1], y[v + 2]
        if jt == 0:
            out.local_positions[c, 0, 0], out.local_positions[c, 0, 1], out.local_positions[c, 0, 2] = jx, jy, jz
        else:
            for k in range(3):
                out.local_positions[c, jt, k] = st.offsets[jt, k]
    root_xz[c, 0], root_xz[c, 1], yaw[c] = new_x, new_z, new_yaw

    # 6. the pose: local rotations R_parent^T R_joint (joint 0 relative to the root)
    for jt in range(j_count):
        r = frames[jt]
        if jt == 0:
            quat = q.from_matrix((r[0, 0], r[0, 1], r[0, 2]), (r[1, 0], r[1, 1], r[1, 2]), (r[2, 0], r[2, 1], r[2, 2]))
        else:
            p = frames[st.parents[jt]]
            quat = q.from_matrix(_t_row(p, r, 0), _t_row(p, r, 1), _t_row(p, r, 2))
        for k in range(4):
            out.local_rotations[c, jt, k] = quat[k]
    out.root_position[c, 0] = new_x
    out.root_position[c, 1] = terrain.height(heights, origin_x, origin_z, inv_cell, new_x, new_z)
    out.root_position[c, 2] = new_z
    half = new_yaw * 0.5
    out.root_rotation[c, 0], out.root_rotation[c, 1] = math.cos(half), 0.0
    out.root_rotation[c, 2], out.root_rotation[c, 3] = math.sin(half), 0.0
    for k in range(out.contacts.shape[1]):
        out.contacts[c, k] = scalar.clamp(y[ya[Y_CONTACTS] + k], 0.0, 1.0)


# -- the kernels ----------------------------------------------------------------------------------------
# Their arguments after the state are `NativeMANN.constants`: the settings' fields (the stick response and
# the gait table spread), the network's arrays, the scratch rows and the outputs; `_regroup` rebuilds the
# named tuples (flat arrays cost numba's dispatcher less per call than tuples of them).

@_compiler.jit
def _regroup(f):
    stick = StickResponse(f[6], f[7], f[8], f[9])
    gaits = GaitArrays(f[10], f[11], f[12], f[13], f[14], f[15])
    st = NativeSettings(f[0], f[1], f[2], f[3], f[4], f[5], stick, gaits, f[16], f[17], f[18], f[19], f[20], f[21],
                        f[22], f[23], f[24], f[25], f[26], f[27])
    net = NativeNetwork(f[28], f[29], f[30], f[31], f[32], (f[33], f[34], f[35]), (f[36], f[37], f[38]),
                        (f[39], f[40], f[41]), (f[42], f[43], f[44]))
    sc = Scratch(f[45], f[46], f[47], f[48], f[49], f[50], f[51], f[52], f[53], f[54], f[55], f[56], f[57], f[58])
    out = Outputs(f[59], f[60], f[61], f[62], f[63], f[64], f[65])
    return st, net, sc, out


@_compiler.jit
def tick_kernel(pads, heights, origin_x, origin_z, inv_cell, root_xz, yaw, past, future, joints, *constants):
    """Advance N dogs one frame, each dog's network included (small batches): state in place, outputs written."""
    st, net, sc, out = _regroup(constants)
    for c in range(pads.shape[0]):
        _dog_input(c, pads, root_xz, yaw, past, future, joints, st, net, sc, out.coeff, out.gait)
        _dog_network(c, net, sc, out.coeff)
        _dog_output(c, sc.y[c], heights, origin_x, origin_z, inv_cell, root_xz, yaw, past, future, joints, st, net,
                    sc, out)


@_compiler.jit
def _input_one(c, pads, root_xz, yaw, past, future, joints, constants):
    st, net, sc, out = _regroup(constants)
    _dog_input(c, pads, root_xz, yaw, past, future, joints, st, net, sc, out.coeff, out.gait)


@_compiler.jit
def _output_one(c, y, heights, origin_x, origin_z, inv_cell, root_xz, yaw, past, future, joints, constants):
    st, net, sc, out = _regroup(constants)
    _dog_output(c, y[c], heights, origin_x, origin_z, inv_cell, root_xz, yaw, past, future, joints, st, net, sc, out)


# numba's parfor lowering fails on named tuples made outside the prange body (numba 0.68: "'str' object has no
# attribute 'loc'"), so each iteration regroups the flat constants itself (free after inlining)
@_compiler.jit(parallel=True)
def input_kernel(pads, root_xz, yaw, past, future, joints, *constants):
    """The batched path's first half, dogs in parallel: normalised network inputs (scratch x) and coefficients."""
    for c in prange(pads.shape[0]):
        _input_one(c, pads, root_xz, yaw, past, future, joints, constants)


@_compiler.jit(parallel=True)
def output_kernel(y, heights, origin_x, origin_z, inv_cell, root_xz, yaw, past, future, joints, *constants):
    """The batched path's second half, dogs in parallel: the network's normalised outputs y [N, Y] -> state, pose."""
    for c in prange(y.shape[0]):
        _output_one(c, y, heights, origin_x, origin_z, inv_cell, root_xz, yaw, past, future, joints, constants)


@_compiler.jit
def network_kernel(repeats, gating_only, *constants):
    """For timing the network's share (`neuropuppet bench mann`): `repeats` times every dog's gating, and unless
    gating_only its motion network, on the current scratch inputs (what `tick_kernel` runs between the rest)."""
    st, net, sc, out = _regroup(constants)
    for _ in range(repeats):
        for c in range(sc.x.shape[0]):
            _dog_gating(c, st, net, sc, out.coeff)
            if not gating_only:
                _dog_network(c, net, sc, out.coeff)


def compiled() -> bool:
    """Whether this process has the kernels compiled (or loaded from numba's disk cache) already."""
    return bool(tick_kernel.signatures or input_kernel.signatures)


class NativeMANN:
    """`MANNTick.forward` for N dogs on the CPU as compiled calls (module docstring).

    State arrays are numpy views of the controller's state tensors, updated in place; the outputs are allocated
    once and overwritten each tick. `network_below`: batches below it run every dog's network in the compiled
    call, larger ones the artifact's batched torch network (`net.motion`) between two compiled calls.
    """

    def __init__(self, core: MANNTick, net: torch.nn.Module, batch_size: int, batched: bool | None = None) -> None:
        """core: the eager tick (its settings are read), net: its eager `MANN`; batched: run the torch network
        between two compiled calls (None: from NETWORK_BELOW dogs on)."""
        self.settings = NativeSettings.from_core(core)
        self.network = NativeNetwork.from_network(net)
        self.net = net
        n, j, g = batch_size, core.num_joints, core.num_gaits
        x_size, y_size = self.network.x_mean.shape[0], self.network.y_mean.shape[0]
        k, wide = self.network.num_experts, self.network.widest
        sizes = [x_size] + [b.shape[1] for b in self.network.motion_b]
        if sizes[-1] != y_size or any(w.shape != (a, k * b) or bias.shape != (k, b) for w, bias, a, b in
                                      zip(self.network.motion_w, self.network.motion_b, sizes[:-1], sizes[1:])):
            raise ValueError("the motion network's layers do not chain from its input to its output size")
        if self.network.gate_w[2].shape[2] != k or self.network.gate_w[0].shape[1] != self.network.gate_index.shape[0]:
            raise ValueError("the gating network does not map its input columns to one coefficient per expert")
        st = self.settings
        if st.x_at[X_JVEL] + 3 * j != x_size or st.y_at[Y_JVEL] + 3 * j != y_size:
            raise ValueError(f"the network maps {x_size} -> {y_size} values; the tick's layouts need "
                             f"{st.x_at[X_JVEL] + 3 * j} -> {st.y_at[Y_JVEL] + 3 * j}")
        if not (0 <= self.network.gate_index).all() or not (self.network.gate_index < x_size).all():
            raise ValueError("the gating reads columns outside the network input")
        cols, fk = 7 + g, core.future_kept
        z = lambda *shape: np.zeros(shape, np.float32)   # noqa: E731
        self.scratch = Scratch(z(n, self.settings.pad_low.shape[0]), z(n, g), z(n, g), z(n, 5),
                               z(n, self.settings.sample_frames.shape[0] + fk, cols), z(n, x_size),
                               z(n, self.network.gate_index.shape[0]), z(n, wide), z(n, wide), z(n, wide), z(n, y_size),
                               z(n, j, 3, 3), np.zeros(1, np.int64),
                               np.ones(1, np.float32))
        self.outputs = Outputs(z(n, 3), z(n, 4), z(n, j, 3), z(n, j, 4), z(n, core.num_feet), z(n, k), z(n, g))
        self.batched = batch_size >= NETWORK_BELOW if batched is None else bool(batched)
        self.expected_shapes = ((n, self.settings.pad_low.shape[0]), (n, 2), (n,), (n, HISTORY, cols),
                                (n, fk, cols), (n, j, 12))
        st, nw = self.settings, self.network
        self.constants = (*st[:6], *st.stick, *st.gaits, *st[8:], *nw[:5], *nw.gate_w, *nw.gate_b, *nw.motion_w,
                          *nw.motion_b, *self.scratch, *self.outputs)
        self.terrain = (np.zeros((2, 2), np.float32), 0.0, 0.0, 1.0)
        self._x = torch.from_numpy(self.scratch.x)
        self._coeff = torch.from_numpy(self.outputs.coeff)

    def set_terrain(self, heights: np.ndarray, origin: tuple[float, float], cell_size: float) -> None:
        self.terrain = (np.ascontiguousarray(heights, np.float32), float(origin[0]), float(origin[1]),
                        1.0 / float(cell_size))

    def __call__(self, pads: np.ndarray, root_xz: np.ndarray, yaw: np.ndarray, past: np.ndarray,
                 future: np.ndarray, joints: np.ndarray) -> Outputs:
        """Advance the dogs (state views updated in place); returns the outputs (the same arrays every tick)."""
        shapes = (pads.shape, root_xz.shape, yaw.shape, past.shape, future.shape, joints.shape)
        if shapes != self.expected_shapes:
            raise ValueError(f"mann native tick: expected pads and state (root_xz, yaw, past, future, joints) of "
                             f"shapes {self.expected_shapes}, got {shapes}")
        if not self.batched:
            tick_kernel(pads, *self.terrain, root_xz, yaw, past, future, joints, *self.constants)
            return self.outputs
        input_kernel(pads, root_xz, yaw, past, future, joints, *self.constants)
        with torch.inference_mode():
            y = self.net.motion(self._x, self._coeff)
        output_kernel(y.numpy(), *self.terrain, root_xz, yaw, past, future, joints, *self.constants)
        return self.outputs

    def warm_up(self, state: dict[str, torch.Tensor]) -> None:
        """Compile (first run, then numba's disk cache) now rather than in a game's first tick; state: a
        throw-away state of this batch size (it is advanced)."""
        start = time.perf_counter()
        self(np.zeros(self.expected_shapes[0], np.float32), *(state[k].numpy() for k in
                                                              ("root_xz", "yaw", "past", "future", "joints")))
        log.debug("mann: compiled CPU tick ready in %.1f s", time.perf_counter() - start)


def probe_pads(gaits: GaitTable, ticks: int, n: int) -> list[torch.Tensor]:
    """Pads [n, 21] of `ticks` ticks that turn the stick, vary its push, press each gait and action selector
    of the gait table in turn (and none) and send one non-finite stick: what the build check runs."""
    selectors = gaits.arrays().selectors
    out = []
    for t in range(ticks):
        pads = torch.zeros(n, GAMEPAD_WIDTH)
        angle = 0.4 * t + torch.arange(n, dtype=torch.float32)
        push = 0.35 + 0.65 * ((t // 3) % 2)
        pads[:, 0], pads[:, 1] = push * torch.sin(angle), push * torch.cos(angle)
        m = t % (selectors.shape[0] + 1)
        if m < selectors.shape[0]:
            pads[:, torch.from_numpy(selectors[m] > 0)] = 1.0
        if t == ticks // 2:
            pads[0, 0], pads[-1, 1] = float("nan"), 1e30
        out.append(pads)
    return out


def disagreement(probe: NativeMANN, core: MANNTick, gaits: GaitTable, rest_joints: torch.Tensor, idle: int,
                 ticks: int) -> float:
    """The largest absolute difference between the compiled tick `probe` and the eager torch tick `core` (outputs
    and state) over `ticks` ticks of `probe_pads`, both started from the torch tick's state each tick (flat
    ground at height 0); inf where the compiled tick gives a non-finite value."""
    n = probe.outputs.coeff.shape[0]
    want_state = initial_state(n, core.num_gaits, idle, rest_joints, torch.device("cpu"))
    got_state = {k: v.clone() for k, v in want_state.items()}
    views = tuple(got_state[k].numpy() for k in STATE_KEYS)
    heights, terrain = torch.zeros(2, 2), torch.tensor([0.0, 0.0, 1.0])
    probe.set_terrain(np.zeros((2, 2), np.float32), (0.0, 0.0), 1.0)
    worst = 0.0
    with torch.inference_mode():
        for pads in probe_pads(gaits, ticks, n):
            for k in STATE_KEYS:
                got_state[k].copy_(want_state[k])
            want = core(pads.clone(), heights, terrain, *(want_state[k] for k in STATE_KEYS))
            got = probe(pads.numpy().copy(), *views)
            pairs = list(zip(got, (w.numpy() for w in want))) + [(got_state[k].numpy(), want_state[k].numpy())
                                                                  for k in STATE_KEYS]
            for a, b in pairs:
                d = np.abs(a.astype(np.float64) - b)
                worst = max(worst, float(np.nan_to_num(d, nan=np.inf).max()))
    return worst
