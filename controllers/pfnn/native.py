"""The CPU tick for small batches: one numba-compiled call per tick for N characters.

The same arithmetic as `tick.PFNNTick.forward` (the TorchScript tick, the reference; the tests check
they agree tick by tick), written as scalar loops over characters the way an engine's C++ would be:

  stick -> desired trajectory -> blend with the predicted one -> terrain probes -> network input
  -> network (weight tables, matrix-vector products) -> root, phase, state -> pose

A one-character tick is a few thousand scalar operations plus the network's matrix-vector products,
with no Python between them, against ~250 tensor ops (TorchScript) or ~100 numpy calls for the same
work. Compiled on first use and cached on disk beside this file (numba `cache=True`).

Network tables (float32, C-contiguous), T tables of a 3-layer ELU MLP:
  w0 [T, in, H]  b0 [T, H]  w1 [T, H, H]  b1 [T, H]  w2 [T, H, out]  b2 [T, out]
"bucket50": T = 50 weight tables precomputed at phases i/50 (`PhaseBucketedPFNN`), one per character.
"exact" / "nearest50" / "linear10": T = 4 control sets; each layer's output is the coefficient-weighted
sum of the 4 sets' outputs (equal to the blended weights' output, see `network.BlendedLinear`).
"""
from __future__ import annotations

import logging
import math
import time
from typing import NamedTuple

import numpy as np
import torch
from numba import njit

from . import features, network, tick
from .tick import PFNNTick

log = logging.getLogger(__name__)

KERNEL_MODES = {"exact": 0, "nearest50": 1, "linear10": 2, "bucket50": 3}
# The layout the kernels are compiled with. Written out here rather than imported: numba freezes
# globals into its disk cache, which it only invalidates when THIS file changes, so an edit to
# features.py must fail loudly below and be mirrored here.
TRAJ_SAMPLES, TRAJ_PAST, FUTURE_SAMPLES, FUTURE_KEPT, HISTORY = 12, 6, 6, 5, 61
NUM_GAITS, NUM_CONTACTS, NUM_CONTROL_SETS = 6, 4, 4
COLUMNS = 4 + NUM_GAITS            # trajectory sample: x, z, facing x, facing z, 6 gait weights
_REFERENCE = (features.TRAJ_SAMPLES, features.TRAJ_PAST, features.FUTURE_SAMPLES, tick.FUTURE_KEPT, tick.HISTORY,
              features.NUM_GAITS, features.NUM_CONTACTS, network.NUM_CONTROL_SETS)
if (TRAJ_SAMPLES, TRAJ_PAST, FUTURE_SAMPLES, FUTURE_KEPT, HISTORY, NUM_GAITS, NUM_CONTACTS, NUM_CONTROL_SETS) != _REFERENCE:
    raise ImportError(f"controllers/pfnn/native.py: layout constants differ from features.py / tick.py {_REFERENCE}; "
                      "update them here (this also refreshes numba's cache)")


class NetworkTables(NamedTuple):
    """The network as arrays the kernel reads (see the module docstring)."""
    w0: np.ndarray
    b0: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: np.ndarray
    y_std: np.ndarray
    table50: np.ndarray   # [50, 4] control-set coefficients at phases i / 50
    table10: np.ndarray   # [10, 4] at phases i / 10

    @classmethod
    def from_network(cls, net: torch.nn.Module) -> "NetworkTables":
        """From the controller's network: a `PhaseBucketedPFNN` (bucket50; its tables are shared, not
        copied) or a `PFNN` (its 4 control sets, laid out [4, in, out])."""
        def arr(t: torch.Tensor) -> np.ndarray:
            return np.ascontiguousarray(t.detach().cpu().float().numpy())
        layers = []
        for i in range(3):
            if isinstance(net, network.PhaseBucketedPFNN):
                w, b = getattr(net, f"w{i}"), getattr(net, f"b{i}")
            else:
                layer = getattr(net.mlp, f"layer{i}")
                k, n_out = layer.bias.shape
                w, b = layer.weight.view(layer.weight.shape[0], k, n_out).permute(1, 0, 2), layer.bias
            layers += [arr(w), arr(b)]
        norm = [arr(getattr(net, k)) for k in ("x_mean", "x_std", "y_mean", "y_std")]
        return cls(*layers, *norm, arr(network.coefficient_table(50)), arr(network.coefficient_table(10)))

    def check(self, x_size: int, y_size: int) -> None:
        """Raise ValueError unless the tables form an x_size -> H -> H -> y_size network (the kernel
        indexes them without bounds checks)."""
        t, n_in, hidden = self.w0.shape
        want = {"w0": (t, x_size, hidden), "b0": (t, hidden), "w1": (t, hidden, hidden), "b1": (t, hidden),
                "w2": (t, hidden, y_size), "b2": (t, y_size), "x_mean": (x_size,), "x_std": (x_size,),
                "y_mean": (y_size,), "y_std": (y_size,), "table50": (50, NUM_CONTROL_SETS),
                "table10": (10, NUM_CONTROL_SETS)}
        bad = [f"{k} {getattr(self, k).shape} (expected {v})" for k, v in want.items() if getattr(self, k).shape != v]
        if bad:
            raise ValueError("network tables do not fit the feature layout: " + ", ".join(bad))


class TickSettings(NamedTuple):
    """Per-controller constants of the tick (from the eager `PFNNTick`)."""
    pad_low: np.ndarray      # [21]
    pad_high: np.ndarray     # [21]
    offsets: np.ndarray      # [J, 3] skeleton offsets (local positions of joints 1..J-1)
    gait_speeds: np.ndarray  # [4] stand, walk, jog, crouch top speeds, m/s
    w_pos: np.ndarray        # [5] future blend weights toward the desired trajectory
    w_dir: np.ndarray        # [5]
    past_frames: np.ndarray  # [6] frames of the 6 past trajectory samples in the 61-frame history
    side: float              # height probes' sideways offset, m
    step_seconds: float      # seconds between trajectory samples
    dead_zone: float         # stick response (trajectory.DEAD_ZONE, MOVE_RAMP, MIN_DRIVE)
    move_ramp: float
    min_drive: float

    @classmethod
    def from_core(cls, core: PFNNTick) -> "TickSettings":
        def arr(t: torch.Tensor) -> np.ndarray:
            return np.ascontiguousarray(t.detach().cpu().float().numpy())
        return cls(arr(core.pad_low), arr(core.pad_high), arr(core.offsets), arr(core.gait_speeds),
                   arr(core.w_pos), arr(core.w_dir), core.sample_frames.cpu().numpy()[:-1].astype(np.int64),
                   float(core.side), core.traj_step / core.fps, core.dead_zone, core.move_ramp, core.min_drive)


# -- scalar helpers (LLVM inlines them into the kernel) -------------------------------------------------

@njit(cache=True)
def _clamp(v, low, high):
    """min(max(v, low), high); NaN -> low (NaN never reaches an index)."""
    if not v >= low:
        return low
    return high if v > high else v


@njit(cache=True)
def _height(heights, origin_x, origin_z, inv_cell, x, z):
    """Bilinear terrain height at (x, z); outside the grid clamps to its border (`sample_heights`).

    motion/foot_ik.py keeps its own copy on purpose: numba's disk cache is keyed on the calling file
    only, so a kernel calling a jitted function from another file would not notice edits to it.
    """
    rows, cols = heights.shape
    u = _clamp((x - origin_x) * inv_cell, 0.0, cols - 1.0)
    v = _clamp((z - origin_z) * inv_cell, 0.0, rows - 1.0)
    c0 = min(math.floor(u), cols - 2.0)
    r0 = min(math.floor(v), rows - 2.0)
    fu, fv = u - c0, v - r0
    c, r = int(c0), int(r0)
    top = heights[r, c] + (heights[r, c + 1] - heights[r, c]) * fu
    bottom = heights[r + 1, c] + (heights[r + 1, c + 1] - heights[r + 1, c]) * fu
    return top + (bottom - top) * fv


@njit(cache=True)
def _elu(v):
    return v if v > 0.0 else math.expm1(v)


@njit(cache=True)
def _coefficients(mode, phase, table50, table10, index, coeff):
    """Which tables (index) with which weights (coeff) this character's network uses; returns how many."""
    p = phase % 1.0
    if mode == 3:                               # bucket50: the nearest precomputed table
        index[0] = int(round(p * 50.0)) % 50
        coeff[0] = 1.0
        return 1
    for k in range(NUM_CONTROL_SETS):
        index[k] = k
    if mode == 1:                               # nearest of 50 coefficient rows
        row = int(round(p * 50.0)) % 50
        for k in range(NUM_CONTROL_SETS):
            coeff[k] = table50[row, k]
    elif mode == 2:                             # linear between 10 rows
        q = p * 10.0
        i0 = math.floor(q)
        a = q - i0
        r0 = int(i0) % 10
        r1 = (r0 + 1) % 10
        for k in range(NUM_CONTROL_SETS):
            coeff[k] = table10[r0, k] * (1.0 - a) + table10[r1, k] * a
    else:                                       # exact cyclic Catmull-Rom (network.catmull_rom_coefficients)
        q = p * NUM_CONTROL_SETS
        k1 = math.floor(q)
        t = q - k1
        t2, t3 = t * t, t * t * t
        basis = (-0.5 * t3 + t2 - 0.5 * t, 1.5 * t3 - 2.5 * t2 + 1.0, -1.5 * t3 + 2.0 * t2 + 0.5 * t, 0.5 * t3 - 0.5 * t2)
        for k in range(NUM_CONTROL_SETS):
            coeff[k] = 0.0
        base = int(k1)
        for m in range(4):
            coeff[(base - 1 + m) % NUM_CONTROL_SETS] += basis[m]
    return NUM_CONTROL_SETS


@njit(cache=True)
def _blended_layer(x, w, b, index, coeff, count, acc, out):
    """out = sum_m coeff[m] * (x @ w[index[m]] + b[index[m]])."""
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


@njit(cache=True)
def _network(x, phase, mode, w0, b0, w1, b1, w2, b2, x_mean, x_std, y_mean, y_std, table50, table10,
             h0, h1, acc, y, index, coeff):
    """y = PFNN(x, phase) with normalisation; x is normalised in place."""
    count = _coefficients(mode, phase, table50, table10, index, coeff)
    for i in range(x.shape[0]):
        x[i] = (x[i] - x_mean[i]) / x_std[i]
    _blended_layer(x, w0, b0, index, coeff, count, acc, h0)
    for j in range(h0.shape[0]):
        h0[j] = _elu(h0[j])
    _blended_layer(h0, w1, b1, index, coeff, count, acc, h1)
    for j in range(h1.shape[0]):
        h1[j] = _elu(h1[j])
    _blended_layer(h1, w2, b2, index, coeff, count, acc, y)
    for j in range(y.shape[0]):
        v = y[j] * y_std[j] + y_mean[j]
        y[j] = v if math.isfinite(v) else 0.0


@njit(cache=True)
def _normalised_or(x, z, fallback_x, fallback_z, eps):
    """(x, z) / |(x, z)|, or the fallback where the length is below eps (`safe_normalise`)."""
    length = math.sqrt(x * x + z * z)
    if length > eps:
        return x / length, z / length
    return fallback_x, fallback_z


@njit(cache=True)
def tick_kernel(pads, heights, origin_x, origin_z, inv_cell,
                root_xz, yaw, phase, past, future, joints,
                mode, w0, b0, w1, b1, w2, b2, x_mean, x_std, y_mean, y_std, table50, table10,
                pad_low, pad_high, offsets, gait_speeds, w_pos, w_dir, past_frames, side, step_seconds,
                dead_zone, move_ramp, min_drive,
                root_position, root_rotation, local_positions, local_rotations, contacts, trajectory):
    """Advance N characters one frame; state arrays are updated in place, pose arrays written."""
    n, j_count = pads.shape[0], joints.shape[1]
    hidden, n_in, n_out = w0.shape[2], w0.shape[1], w2.shape[2]
    pad = np.empty(pad_low.shape[0], np.float32)
    samples = np.empty((TRAJ_SAMPLES, COLUMNS), np.float32)
    probe = np.empty((TRAJ_SAMPLES, 3), np.float32)
    want_gait = np.empty(NUM_GAITS, np.float32)
    cur_gait = np.empty(NUM_GAITS, np.float32)
    x = np.empty(n_in, np.float32)
    y = np.empty(n_out, np.float32)
    h0 = np.empty(hidden, np.float32)
    h1 = np.empty(hidden, np.float32)
    acc = np.empty(max(hidden, n_out), np.float32)
    index = np.empty(NUM_CONTROL_SETS, np.int64)
    coeff = np.empty(NUM_CONTROL_SETS, np.float32)
    last = past.shape[1] - 1

    for c in range(n):
        # -- the pad: finite, in range --------------------------------------------------------------
        for k in range(pad.shape[0]):
            v = pads[c, k]
            pad[k] = _clamp(v if math.isfinite(v) else 0.0, pad_low[k], pad_high[k])
        cy, sy = math.cos(yaw[c]), math.sin(yaw[c])
        rx, rz = root_xz[c, 0], root_xz[c, 1]

        # -- 1. desired trajectory (trajectory.desired_from_gamepad) -------------------------------
        stick_x, stick_z = -pad[0], pad[1]
        length = math.sqrt(stick_x * stick_x + stick_z * stick_z)
        live = _clamp((min(length, 1.0) - dead_zone) / (1.0 - dead_zone), 0.0, 1.0)
        moving = min(live * move_ramp, 1.0)
        drive = moving * (min_drive + (1.0 - min_drive) * live)
        dir_x, dir_z = _normalised_or(stick_x, stick_z, sy, cy, 1e-4)
        run = _clamp(max(pad[5], pad[16]), 0.0, 1.0)
        crouch = _clamp(max(pad[4], pad[15]), 0.0, 1.0)
        want_gait[0] = (1.0 - moving) * (1.0 - crouch)
        want_gait[1] = moving * (1.0 - run) * (1.0 - crouch)
        want_gait[2] = moving * run * (1.0 - crouch)
        want_gait[3] = crouch
        want_gait[4] = 0.0
        want_gait[5] = 0.0
        top = (1.0 - crouch) * ((1.0 - run) * gait_speeds[1] + run * gait_speeds[2]) + crouch * gait_speeds[3]
        vel_x, vel_z = dir_x * drive * top, dir_z * drive * top
        look_x, look_z = -pad[2], pad[3]
        if math.sqrt(look_x * look_x + look_z * look_z) > 0.25:
            face_x, face_z = _normalised_or(look_x, look_z, sy, cy, 1e-4)
        else:
            face_x, face_z = _normalised_or(vel_x, vel_z, sy, cy, 1e-3)

        # -- trajectory samples: 6 past, now, 5 future blended toward the desired ones ---------------
        for s in range(TRAJ_PAST):
            for k in range(COLUMNS):
                samples[s, k] = past[c, past_frames[s], k]
        for g in range(NUM_GAITS):
            cur_gait[g] = past[c, last, 4 + g] + (want_gait[g] - past[c, last, 4 + g]) * 0.1
        samples[TRAJ_PAST, 0], samples[TRAJ_PAST, 1] = rx, rz
        samples[TRAJ_PAST, 2], samples[TRAJ_PAST, 3] = sy, cy
        for g in range(NUM_GAITS):
            samples[TRAJ_PAST, 4 + g] = cur_gait[g]
        prev_x, prev_z, acc_x, acc_z = rx, rz, rx, rz
        for s in range(FUTURE_KEPT):
            row = TRAJ_PAST + 1 + s
            step_x, step_z = future[c, s, 0] - prev_x, future[c, s, 1] - prev_z
            prev_x, prev_z = future[c, s, 0], future[c, s, 1]
            acc_x += step_x + (vel_x * step_seconds - step_x) * w_pos[s]
            acc_z += step_z + (vel_z * step_seconds - step_z) * w_pos[s]
            samples[row, 0], samples[row, 1] = acc_x, acc_z
            mixed_x = future[c, s, 2] + (face_x - future[c, s, 2]) * w_dir[s]
            mixed_z = future[c, s, 3] + (face_z - future[c, s, 3]) * w_dir[s]
            samples[row, 2], samples[row, 3] = _normalised_or(mixed_x, mixed_z, face_x, face_z, 1e-4)
            for g in range(NUM_GAITS):
                samples[row, 4 + g] = future[c, s, 4 + g] + (want_gait[g] - future[c, s, 4 + g]) * w_pos[s]

        # -- 2. network input in the root frame --------------------------------------------------------
        root_h = _height(heights, origin_x, origin_z, inv_cell, rx, rz)
        o_dir, o_gait, o_height = 2 * TRAJ_SAMPLES, 4 * TRAJ_SAMPLES, (4 + NUM_GAITS) * TRAJ_SAMPLES
        for s in range(TRAJ_SAMPLES):
            px, pz = samples[s, 0] - rx, samples[s, 1] - rz
            x[2 * s], x[2 * s + 1] = px * cy - pz * sy, px * sy + pz * cy
            dx, dz = samples[s, 2], samples[s, 3]
            x[o_dir + 2 * s], x[o_dir + 2 * s + 1] = dx * cy - dz * sy, dx * sy + dz * cy
            for g in range(NUM_GAITS):
                x[o_gait + NUM_GAITS * s + g] = samples[s, 4 + g]
            right_x, right_z = -dz * side, dx * side
            for p in range(3):                                   # left, centre, right probes
                sign = 1.0 - p
                probe[s, p] = _height(heights, origin_x, origin_z, inv_cell,
                                      samples[s, 0] + right_x * sign, samples[s, 1] + right_z * sign)
                x[o_height + 3 * s + p] = probe[s, p] - root_h
        o_joints = o_height + 3 * TRAJ_SAMPLES
        for jt in range(j_count):
            for k in range(3):
                x[o_joints + 3 * jt + k] = joints[c, jt, k]
                x[o_joints + 3 * j_count + 3 * jt + k] = joints[c, jt, 3 + k]

        # -- 3. predict ---------------------------------------------------------------------------------
        _network(x, phase[c], mode, w0, b0, w1, b1, w2, b2, x_mean, x_std, y_mean, y_std, table50, table10,
                 h0, h1, acc, y, index, coeff)

        # -- 4. move the root, advance the phase (standing still: no drift, slow phase) ---------------
        stand = cur_gait[0]
        walking = _clamp((1.0 - stand) * 10.0, 0.0, 1.0)   # `moving` in tick.py step 4 (no root drift at rest)
        vx, vz = _clamp(y[0], -0.5, 0.5), _clamp(y[1], -0.5, 0.5)
        new_x = rx + (vx * cy + vz * sy) * walking
        new_z = rz + (-vx * sy + vz * cy) * walking
        new_yaw = yaw[c] + _clamp(y[2], -0.5, 0.5)
        amount = _clamp(1.0 - stand, 0.0, 1.0) ** 0.25 * 0.9 + 0.1
        phase[c] = (phase[c] + _clamp(y[3], 0.0, 0.1) * amount) % 1.0
        ncy, nsy = math.cos(new_yaw), math.sin(new_yaw)

        # -- 5. write the state back ----------------------------------------------------------------------
        for f in range(last):
            for k in range(COLUMNS):
                past[c, f, k] = past[c, f + 1, k]
        past[c, last, 0], past[c, last, 1], past[c, last, 2], past[c, last, 3] = new_x, new_z, nsy, ncy
        for g in range(NUM_GAITS):
            past[c, last, 4 + g] = cur_gait[g]
        o_pos = 4 + NUM_CONTACTS                 # y: root velocity (2), yaw change, phase change, contacts, ...
        o_fdir = o_pos + 2 * FUTURE_SAMPLES
        for s in range(FUTURE_KEPT):
            lx, lz = y[o_pos + 2 * s], y[o_pos + 2 * s + 1]
            future[c, s, 0], future[c, s, 1] = lx * ncy + lz * nsy + new_x, -lx * nsy + lz * ncy + new_z
            lx, lz = y[o_fdir + 2 * s], y[o_fdir + 2 * s + 1]
            future[c, s, 2], future[c, s, 3] = _normalised_or(lx * ncy + lz * nsy, -lx * nsy + lz * ncy, nsy, ncy, 1e-4)
            for g in range(NUM_GAITS):
                future[c, s, 4 + g] = samples[TRAJ_PAST + 1 + s, 4 + g]
        root_xz[c, 0], root_xz[c, 1] = new_x, new_z
        yaw[c] = math.atan2(nsy, ncy)
        o_jpos = o_fdir + 2 * FUTURE_SAMPLES
        o_jvel, o_jrot = o_jpos + 3 * j_count, o_jpos + 6 * j_count
        for jt in range(j_count):
            for k in range(3):
                joints[c, jt, k] = y[o_jpos + 3 * jt + k]
                joints[c, jt, 3 + k] = y[o_jvel + 3 * jt + k]

        # -- 6. the pose ------------------------------------------------------------------------------------
        root_position[c, 0] = new_x
        root_position[c, 1] = _height(heights, origin_x, origin_z, inv_cell, root_xz[c, 0], root_xz[c, 1])
        root_position[c, 2] = new_z
        half = yaw[c] * 0.5
        root_rotation[c, 0], root_rotation[c, 1] = math.cos(half), 0.0
        root_rotation[c, 2], root_rotation[c, 3] = math.sin(half), 0.0
        for jt in range(j_count):
            for k in range(3):
                local_positions[c, jt, k] = y[o_jpos + k] if jt == 0 else offsets[jt, k]
            ax, ay, az = y[o_jrot + 3 * jt], y[o_jrot + 3 * jt + 1], y[o_jrot + 3 * jt + 2]
            angle = math.sqrt(ax * ax + ay * ay + az * az)            # log-quaternion -> unit quaternion
            sinc = math.sin(angle) / angle if angle > 1e-6 else 1.0 - angle * angle / 6.0
            local_rotations[c, jt, 0] = math.cos(angle)
            local_rotations[c, jt, 1], local_rotations[c, jt, 2], local_rotations[c, jt, 3] = ax * sinc, ay * sinc, az * sinc
        for k in range(NUM_CONTACTS):
            contacts[c, k] = _clamp(y[4 + k], 0.0, 1.0)      # y[4:8], after root velocity and the two changes
        for s in range(TRAJ_SAMPLES):
            trajectory[c, s, 0], trajectory[c, s, 1], trajectory[c, s, 2] = samples[s, 0], probe[s, 1], samples[s, 1]


class NativeTick:
    """`PFNNTick.forward` for N characters on the CPU as one compiled call (`tick_kernel`).

    State arrays are numpy views of the controller's state tensors, updated in place; the pose
    arrays are allocated once and overwritten each tick (the controller protocol allows reuse).
    """

    def __init__(self, core: PFNNTick, mode: str, batch_size: int) -> None:
        """core: the eager tick module, whose `net` (PhaseBucketedPFNN for bucket50, else PFNN) is read."""
        self.mode = KERNEL_MODES[mode]
        self.net = NetworkTables.from_network(core.net)
        n, j = batch_size, core.num_joints
        layout = features.PFNNFeatures.for_joints(j)
        self.net.check(layout.x_size, layout.y_size)
        self.settings = TickSettings.from_core(core)
        self.expected_shapes = ((n, self.settings.pad_low.shape[0]), (n, 2), (n,), (n,), (n, HISTORY, COLUMNS),
                                (n, FUTURE_KEPT, COLUMNS), (n, j, 6))
        self.outputs = (np.zeros((n, 3), np.float32), np.zeros((n, 4), np.float32), np.zeros((n, j, 3), np.float32),
                        np.zeros((n, j, 4), np.float32), np.zeros((n, NUM_CONTACTS), np.float32),
                        np.zeros((n, TRAJ_SAMPLES, 3), np.float32))
        self.constants = (self.mode, *self.net, *self.settings, *self.outputs)   # the kernel's other arguments
        self.terrain = (np.zeros((2, 2), np.float32), 0.0, 0.0, 1.0)
        self._warm_up(core, batch_size)

    def _warm_up(self, core: PFNNTick, batch_size: int) -> None:
        """Compile (first run, then numba's disk cache) now rather than in the first tick of a game."""
        if tick_kernel.signatures:
            return
        log.info("pfnn: preparing the compiled CPU tick (compiled on the first run, ~10 s; cached after)")
        start = time.perf_counter()
        state = {k: v.numpy() for k, v in tick.initial_state(batch_size, core.num_joints, torch.zeros(core.num_joints, 6),
                                                        torch.device("cpu")).items()}
        self(np.zeros((batch_size, core.pad_low.shape[0]), np.float32), state["root_xz"], state["yaw"],
             state["phase"], state["past"], state["future"], state["joints"])
        log.debug("pfnn: CPU tick ready in %.1f s", time.perf_counter() - start)

    def set_terrain(self, heights: np.ndarray, origin: tuple[float, float], cell_size: float) -> None:
        self.terrain = (np.ascontiguousarray(heights, np.float32), float(origin[0]), float(origin[1]),
                        1.0 / float(cell_size))

    def __call__(self, pads: np.ndarray, root_xz: np.ndarray, yaw: np.ndarray, phase: np.ndarray,
                 past: np.ndarray, future: np.ndarray, joints: np.ndarray) -> tuple[np.ndarray, ...]:
        """Advance the characters; the arrays' shapes are checked here because the kernel indexes them
        without bounds checks."""
        shapes = (pads.shape, root_xz.shape, yaw.shape, phase.shape, past.shape, future.shape, joints.shape)
        if shapes != self.expected_shapes:
            raise ValueError(f"native tick: expected pads and state (root_xz, yaw, phase, past, future, joints) of "
                             f"shapes {self.expected_shapes}, got {shapes}")
        tick_kernel(pads, *self.terrain, root_xz, yaw, phase, past, future, joints, *self.constants)
        return self.outputs
