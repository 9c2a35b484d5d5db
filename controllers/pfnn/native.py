"""The CPU tick for small batches: one numba-compiled call per tick for N characters.

The same arithmetic as `tick.PFNNTick.forward` (the TorchScript tick, the reference; the tests check
they agree tick by tick), written as scalar loops over characters the way an engine's C++ would be:

  stick -> desired trajectory -> blend with the predicted one -> terrain probes -> network input
  -> network (weight tables, matrix-vector products) -> root, phase, state -> pose

A one-character tick is a few thousand scalar operations plus the network's matrix-vector products,
with no Python between them, against ~250 tensor ops (TorchScript) or ~100 numpy calls for the same
work. The pieces are the shared numba helpers of `neuropuppet.kernels` (stick and gait table,
trajectory blend, terrain probes, expert layers, phase coefficients); the layout comes from
`features` (sizes as compile-time constants, block starts as the layouts' offset records, so any
joint count runs the same machine code). Compiled on first use and cached on disk by the kernels'
cache policy, keyed on this file, features.py, neuropuppet/features.py and the shared helpers.

Network tables (float32, C-contiguous), per layer l of the 3-layer ELU MLP, T tables each:
  weights[l] [T, in, out]  biases[l] [T, out]
"bucket50": T = 50 weight tables precomputed at phases i/50 (`PhaseBucketedPFNN`), one per character.
"exact" / "nearest50" / "linear10": T = 4 control sets; each layer's output is the coefficient-weighted
sum of the 4 sets' outputs (equal to the blended weights' output, see `neuropuppet.nn.experts`).
"""
from __future__ import annotations

import logging
import math
import time
from typing import NamedTuple

import numba
import numpy as np
import torch

import neuropuppet.features
import neuropuppet.locomotion.gaits
import neuropuppet.locomotion.stick
from neuropuppet.kernels import KernelCompiler
from neuropuppet.kernels import locomotion, network as kernel_network, scalar, terrain
from neuropuppet.locomotion.gaits import GaitArrays
from neuropuppet.locomotion.stick import StickResponse
from neuropuppet.nn import coefficient_table

from . import features, network, tick
from .tick import PFNNTick

log = logging.getLogger(__name__)

_compiler = KernelCompiler(__file__, depends=[features, neuropuppet.features, neuropuppet.locomotion.gaits,
                                              neuropuppet.locomotion.stick])

KERNEL_MODES = {"exact": kernel_network.PHASE_EXACT, "nearest50": kernel_network.PHASE_NEAREST,
                "linear10": kernel_network.PHASE_LINEAR, "bucket50": kernel_network.PHASE_BUCKET}


class NetworkTables(NamedTuple):
    """The network as arrays the kernel reads (see the module docstring)."""
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]
    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: np.ndarray
    y_std: np.ndarray
    table_nearest: np.ndarray   # [50, 4] control-set coefficients at phases i / 50 (bucket50: the buckets')
    table_linear: np.ndarray    # [10, 4] at phases i / 10
    num_sets: int               # control sets of the phase function (4)

    @classmethod
    def from_network(cls, net: torch.nn.Module) -> "NetworkTables":
        """From the controller's network: a `PhaseBucketedPFNN` (bucket50; its tables are shared, not
        copied) or a `PFNN` (its 4 control sets, laid out [4, in, out])."""
        def arr(t: torch.Tensor) -> np.ndarray:
            return np.ascontiguousarray(t.detach().cpu().float().numpy())
        if isinstance(net, network.PhaseBucketedPFNN):
            layers, rows = net.layer_tables(), net.buckets
        else:
            layers, rows = net.mlp.expert_tables(), network.NEAREST_ROWS
        norm = [arr(getattr(net, k)) for k in ("x_mean", "x_std", "y_mean", "y_std")]
        return cls(tuple(arr(w) for w, _ in layers), tuple(arr(b) for _, b in layers), *norm,
                   arr(coefficient_table(rows, network.NUM_CONTROL_SETS)),
                   arr(coefficient_table(network.LINEAR_ROWS, network.NUM_CONTROL_SETS)), network.NUM_CONTROL_SETS)

    @property
    def widest(self) -> int:
        """The widest layer output (the kernel's scratch size)."""
        return max(w.shape[2] for w in self.weights)

    def check(self, x_size: int, y_size: int) -> None:
        """Raise ValueError unless the tables form an x_size -> ... -> y_size network (the kernel
        indexes them without bounds checks)."""
        t = self.weights[0].shape[0]
        if len(self.weights) != 3 or len(self.biases) != 3:
            raise ValueError(f"the compiled tick runs 3-layer networks, got {len(self.weights)} layers")
        bad, n_in = [], x_size
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            n_out = y_size if i == len(self.weights) - 1 else w.shape[2]
            if w.shape != (t, n_in, n_out) or b.shape != (t, n_out):
                bad.append(f"layer {i} weights {w.shape} biases {b.shape} (expected {(t, n_in, n_out)}, {(t, n_out)})")
            n_in = n_out
        want = {"x_mean": (x_size,), "x_std": (x_size,), "y_mean": (y_size,), "y_std": (y_size,),
                "table_nearest": (self.table_nearest.shape[0], self.num_sets), "table_linear": (10, self.num_sets)}
        bad += [f"{k} {getattr(self, k).shape} (expected {v})" for k, v in want.items() if getattr(self, k).shape != v]
        if self.weights[0].shape[0] not in (self.num_sets, self.table_nearest.shape[0]):
            bad.append(f"{t} weight tables (expected {self.num_sets} control sets or {self.table_nearest.shape[0]} buckets)")
        if bad:
            raise ValueError("network tables do not fit the feature layout: " + ", ".join(bad))


class TickSettings(NamedTuple):
    """Per-controller constants of the tick (from the eager `PFNNTick`)."""
    pad_low: np.ndarray      # [21]
    pad_high: np.ndarray     # [21]
    offsets: np.ndarray      # [J, 3] skeleton offsets (local positions of joints 1..J-1)
    w_pos: np.ndarray        # [5] future blend weights toward the desired trajectory
    w_dir: np.ndarray        # [5]
    past_frames: np.ndarray  # [6] frames of the 6 past trajectory samples in the 61-frame history
    side: float              # height probes' sideways offset, m
    step_seconds: float      # seconds between trajectory samples
    stick: StickResponse     # the stick's response curve (features.STICK)
    gaits: GaitArrays        # the gait table with the artifact's speeds (features.GAITS); its idle column
                             # also drives the rest behaviour (no root drift, slow phase)
    x_at: np.ndarray         # input layout's block starts (`Layout.offsets`)
    y_at: np.ndarray         # output layout's

    @classmethod
    def from_core(cls, core: PFNNTick) -> "TickSettings":
        def arr(t: torch.Tensor) -> np.ndarray:
            return np.ascontiguousarray(t.detach().cpu().float().numpy())
        layouts = features.PFNNFeatures.for_joints(core.num_joints)
        stick = StickResponse(*(float(v) for v in core.stick))
        return cls(arr(core.pad_low), arr(core.pad_high), arr(core.offsets), arr(core.w_pos), arr(core.w_dir),
                   core.sample_frames.cpu().numpy()[:-1].astype(np.int64), float(core.side),
                   core.traj_step / core.fps, stick, core.gaits.arrays(), layouts.x.offsets(), layouts.y.offsets())


@_compiler.jit
def tick_kernel(pads, heights, origin_x, origin_z, inv_cell,
                root_xz, yaw, phase, past, future, joints,
                mode, w0, b0, w1, b1, w2, b2, x_mean, x_std, y_mean, y_std, table_nearest, table_linear, num_sets,
                pad_low, pad_high, offsets, w_pos, w_dir, past_frames, side, step_seconds,
                dead_zone, move_ramp, min_drive, look_threshold,
                gait_idle, gait_moving, gait_speeds, gait_targets, gait_sources, gait_selectors, x_at, y_at,
                root_position, root_rotation, local_positions, local_rotations, contacts, trajectory):
    """Advance N characters one frame; state arrays are updated in place, pose arrays written.

    The layers' tables, the stick response and the gait table arrive as their fields (`NativeTick.constants`
    spreads them) and are regrouped here: tuple arguments cost numba's dispatch more per call than arrays.
    """
    n, j_count = pads.shape[0], joints.shape[1]
    weights, biases = (w0, w1, w2), (b0, b1, b2)
    stick = StickResponse(dead_zone, move_ramp, min_drive, look_threshold)
    gaits = GaitArrays(gait_idle, gait_moving, gait_speeds, gait_targets, gait_sources, gait_selectors)
    xo, yo = x_at[0], y_at[0]
    # block starts as locals: loaded once, not re-read from the record after every store
    x_traj_pos, x_traj_dir, x_traj_gait, x_traj_height = xo.traj_pos, xo.traj_dir, xo.traj_gait, xo.traj_height
    x_joint_pos, x_joint_vel, x_size = xo.joint_pos, xo.joint_vel, xo.size
    y_root_vel, y_root_rot, y_dphase, y_contacts = yo.root_vel, yo.root_rot, yo.dphase, yo.contacts
    y_future_pos, y_future_dir, y_joint_pos = yo.future_pos, yo.future_dir, yo.joint_pos
    y_joint_vel, y_joint_rot, y_size = yo.joint_vel, yo.joint_rot, yo.size
    pad = np.empty(pad_low.shape[0], np.float32)
    samples = np.empty((features.TRAJ_SAMPLES, features.COLUMNS), np.float32)
    probe = np.empty((features.TRAJ_SAMPLES, features.PROBES), np.float32)
    want_gait = np.empty(features.NUM_GAITS, np.float32)
    speed_w = np.empty(features.NUM_GAITS, np.float32)
    cur_gait = np.empty(features.NUM_GAITS, np.float32)
    widest = 0
    for w in weights:
        widest = max(widest, w.shape[2])
    x = np.empty(x_size, np.float32)
    y = np.empty(y_size, np.float32)
    h0 = np.empty(widest, np.float32)
    h1 = np.empty(widest, np.float32)
    acc = np.empty(widest, np.float32)
    index = np.empty(num_sets, np.int64)
    coeff = np.empty(num_sets, np.float32)
    last = past.shape[1] - 1
    now = features.TRAJ_PAST

    for c in range(n):
        # -- the pad: finite, in range --------------------------------------------------------------
        for k in range(pad.shape[0]):
            v = pads[c, k]
            pad[k] = scalar.clamp(v if math.isfinite(v) else 0.0, pad_low[k], pad_high[k])
        cy, sy = math.cos(yaw[c]), math.sin(yaw[c])
        rx, rz = root_xz[c, 0], root_xz[c, 1]

        # -- 1. desired trajectory (locomotion.stick.DesiredMotion) ---------------------------------
        vel_x, vel_z, face_x, face_z = locomotion.desired_motion(pad, sy, cy, stick, gaits, want_gait, speed_w)

        # -- trajectory samples: past ones, now, future ones blended toward the desired ones ----------
        for s in range(now):
            for k in range(features.COLUMNS):
                samples[s, k] = past[c, past_frames[s], k]
        for g in range(features.NUM_GAITS):
            cur_gait[g] = past[c, last, 4 + g] + (want_gait[g] - past[c, last, 4 + g]) * features.CURRENT_GAIT_RATE
        samples[now, 0], samples[now, 1] = rx, rz
        samples[now, 2], samples[now, 3] = sy, cy
        for g in range(features.NUM_GAITS):
            samples[now, 4 + g] = cur_gait[g]
        locomotion.blend_future(future[c], rx, rz, vel_x, vel_z, face_x, face_z, w_pos, w_dir, step_seconds,
                                samples[now + 1:])
        for s in range(features.FUTURE_KEPT):
            for g in range(features.NUM_GAITS):
                samples[now + 1 + s, 4 + g] = future[c, s, 4 + g] + (want_gait[g] - future[c, s, 4 + g]) * w_pos[s]

        # -- 2. network input in the root frame --------------------------------------------------------
        root_h = terrain.height(heights, origin_x, origin_z, inv_cell, rx, rz)
        for s in range(features.TRAJ_SAMPLES):
            px, pz = samples[s, 0] - rx, samples[s, 1] - rz
            x[x_traj_pos + 2 * s], x[x_traj_pos + 2 * s + 1] = px * cy - pz * sy, px * sy + pz * cy
            dx, dz = samples[s, 2], samples[s, 3]
            x[x_traj_dir + 2 * s], x[x_traj_dir + 2 * s + 1] = dx * cy - dz * sy, dx * sy + dz * cy
            for g in range(features.NUM_GAITS):
                x[x_traj_gait + features.NUM_GAITS * s + g] = samples[s, 4 + g]
            terrain.probe_heights(heights, origin_x, origin_z, inv_cell, samples[s, 0], samples[s, 1], dx, dz, side,
                                  probe[s])
            for p in range(features.PROBES):
                x[x_traj_height + features.PROBES * s + p] = probe[s, p] - root_h
        for jt in range(j_count):
            for k in range(3):
                x[x_joint_pos + 3 * jt + k] = joints[c, jt, k]
                x[x_joint_vel + 3 * jt + k] = joints[c, jt, 3 + k]

        # -- 3. predict ---------------------------------------------------------------------------------
        count = kernel_network.phase_coefficients(mode, phase[c], num_sets, table_nearest, table_linear, index, coeff)
        kernel_network.normalise(x, x_mean, x_std)
        kernel_network.expert_mlp(x, weights, biases, index, coeff, count, h0, h1, acc, y)
        kernel_network.denormalise_finite(y, y_mean, y_std)

        # -- 4. move the root, advance the phase (standing still: no drift, slow phase) ---------------
        stand = cur_gait[gait_idle]
        walking = scalar.clamp((1.0 - stand) * 10.0, 0.0, 1.0)   # `moving` in tick.py step 4 (no root drift at rest)
        vx, vz = scalar.clamp(y[y_root_vel], -0.5, 0.5), scalar.clamp(y[y_root_vel + 1], -0.5, 0.5)
        new_x = rx + (vx * cy + vz * sy) * walking
        new_z = rz + (-vx * sy + vz * cy) * walking
        new_yaw = yaw[c] + scalar.clamp(y[y_root_rot], -0.5, 0.5)
        amount = scalar.clamp(1.0 - stand, 0.0, 1.0) ** 0.25 * 0.9 + 0.1
        phase[c] = (phase[c] + scalar.clamp(y[y_dphase], 0.0, 0.1) * amount) % 1.0
        ncy, nsy = math.cos(new_yaw), math.sin(new_yaw)

        # -- 5. write the state back ----------------------------------------------------------------------
        for f in range(last):
            for k in range(features.COLUMNS):
                past[c, f, k] = past[c, f + 1, k]
        past[c, last, 0], past[c, last, 1], past[c, last, 2], past[c, last, 3] = new_x, new_z, nsy, ncy
        for g in range(features.NUM_GAITS):
            past[c, last, 4 + g] = cur_gait[g]
        for s in range(features.FUTURE_KEPT):
            lx, lz = y[y_future_pos + 2 * s], y[y_future_pos + 2 * s + 1]
            future[c, s, 0], future[c, s, 1] = lx * ncy + lz * nsy + new_x, -lx * nsy + lz * ncy + new_z
            lx, lz = y[y_future_dir + 2 * s], y[y_future_dir + 2 * s + 1]
            future[c, s, 2], future[c, s, 3] = scalar.normalised_or(lx * ncy + lz * nsy, -lx * nsy + lz * ncy,
                                                                    nsy, ncy, 1e-4)
            for g in range(features.NUM_GAITS):
                future[c, s, 4 + g] = samples[now + 1 + s, 4 + g]
        root_xz[c, 0], root_xz[c, 1] = new_x, new_z
        yaw[c] = math.atan2(nsy, ncy)
        for jt in range(j_count):
            for k in range(3):
                joints[c, jt, k] = y[y_joint_pos + 3 * jt + k]
                joints[c, jt, 3 + k] = y[y_joint_vel + 3 * jt + k]

        # -- 6. the pose ------------------------------------------------------------------------------------
        root_position[c, 0] = new_x
        root_position[c, 1] = terrain.height(heights, origin_x, origin_z, inv_cell, root_xz[c, 0], root_xz[c, 1])
        root_position[c, 2] = new_z
        half = yaw[c] * 0.5
        root_rotation[c, 0], root_rotation[c, 1] = math.cos(half), 0.0
        root_rotation[c, 2], root_rotation[c, 3] = math.sin(half), 0.0
        for jt in range(j_count):
            for k in range(3):
                local_positions[c, jt, k] = y[y_joint_pos + k] if jt == 0 else offsets[jt, k]
            o = y_joint_rot + 3 * jt
            ax, ay, az = y[o], y[o + 1], y[o + 2]
            angle = math.sqrt(ax * ax + ay * ay + az * az)            # log-quaternion -> unit quaternion
            sinc = math.sin(angle) / angle if angle > 1e-6 else 1.0 - angle * angle / 6.0
            local_rotations[c, jt, 0] = math.cos(angle)
            local_rotations[c, jt, 1], local_rotations[c, jt, 2], local_rotations[c, jt, 3] = ax * sinc, ay * sinc, az * sinc
        for k in range(features.NUM_CONTACTS):
            contacts[c, k] = scalar.clamp(y[y_contacts + k], 0.0, 1.0)
        for s in range(features.TRAJ_SAMPLES):
            trajectory[c, s, 0], trajectory[c, s, 1], trajectory[c, s, 2] = samples[s, 0], probe[s, 1], samples[s, 1]


class NativeTick:
    """`PFNNTick.forward` for N characters on the CPU as one compiled call (`tick_kernel`).

    State arrays are numpy views of the controller's state tensors, updated in place; the pose
    arrays are allocated once and overwritten each tick (the controller protocol allows reuse).

    Calls skip numba's dispatcher once it has seen the state arrays: the dispatcher types all 51 of the
    kernel's arguments on every call (~25 ns each, ~1.3 us per call, measured) although only the pads
    and the state arrays come from the caller. The first call with new state array objects (or a new
    terrain) takes the checked path (`_dispatch`: shapes, then the dispatcher, which compiles a new
    specialisation if the types are new) and binds the overload numba chose (`_bind`); later calls with
    the same state objects, terrain and constants and pads of the bound type (float32, C-contiguous,
    aligned, writeable, expected shape) call that overload directly.
    """

    def __init__(self, core: PFNNTick, mode: str, batch_size: int) -> None:
        """core: the eager tick module, whose `net` (PhaseBucketedPFNN for bucket50, else PFNN) is read."""
        self.mode = KERNEL_MODES[mode]
        self.net = NetworkTables.from_network(core.net)
        n, j = batch_size, core.num_joints
        layout = features.PFNNFeatures.for_joints(j)
        self.net.check(layout.x_size, layout.y_size)
        self.settings = TickSettings.from_core(core)
        self.expected_shapes = ((n, self.settings.pad_low.shape[0]), (n, 2), (n,), (n,),
                                (n, features.HISTORY, features.COLUMNS), (n, features.FUTURE_KEPT, features.COLUMNS),
                                (n, j, 6))
        self.outputs = (np.zeros((n, 3), np.float32), np.zeros((n, 4), np.float32), np.zeros((n, j, 3), np.float32),
                        np.zeros((n, j, 4), np.float32), np.zeros((n, features.NUM_CONTACTS), np.float32),
                        np.zeros((n, features.TRAJ_SAMPLES, 3), np.float32))
        st, net = self.settings, self.net
        layers = [a for pair in zip(net.weights, net.biases) for a in pair]
        self.constants = (self.mode, *layers, *net[2:], *st[:st._fields.index("stick")], *st.stick, *st.gaits,
                          *st[st._fields.index("gaits") + 1:], *self.outputs)   # the kernel's other arguments
        self.terrain = (np.zeros((2, 2), np.float32), 0.0, 0.0, 1.0)
        self._binding: tuple = ()   # (compiled overload, state arrays, terrain, constants) it was bound for
        self._warm_up(core, batch_size)

    def _warm_up(self, core: PFNNTick, batch_size: int) -> None:
        """Compile (first run, then numba's disk cache) now rather than in the first tick of a game."""
        if tick_kernel.signatures:
            return
        log.info("pfnn: preparing the compiled CPU tick (from the disk cache; the first run compiles it, ~10 s)")
        start = time.perf_counter()
        state = {k: v.numpy() for k, v in tick.initial_state(batch_size, core.num_joints, torch.zeros(core.num_joints, 6),
                                                        torch.device("cpu")).items()}
        self(np.zeros((batch_size, core.pad_low.shape[0]), np.float32), state["root_xz"], state["yaw"],
             state["phase"], state["past"], state["future"], state["joints"])
        log.debug("pfnn: CPU tick ready in %.1f s", time.perf_counter() - start)

    def set_terrain(self, heights: np.ndarray, origin: tuple[float, float], cell_size: float) -> None:
        self.terrain = (np.ascontiguousarray(heights, np.float32), float(origin[0]), float(origin[1]),
                        1.0 / float(cell_size))   # a new tuple: the next call types it through the dispatcher

    def __call__(self, pads: np.ndarray, root_xz: np.ndarray, yaw: np.ndarray, phase: np.ndarray,
                 past: np.ndarray, future: np.ndarray, joints: np.ndarray) -> tuple[np.ndarray, ...]:
        """Advance the characters. The kernel indexes the arrays without bounds checks: shapes are checked
        whenever the state array objects are new, the pads' on every call."""
        if self._binding:
            entry, b, terrain, constants = self._binding
            if (root_xz is b[0] and yaw is b[1] and phase is b[2] and past is b[3] and future is b[4]
                    and joints is b[5] and self.terrain is terrain and self.constants is constants
                    and pads.shape == self.expected_shapes[0] and pads.dtype is _FLOAT32
                    and pads.flags.num & _BOUND_PADS_FLAGS == _BOUND_PADS_FLAGS):
                entry(pads, *terrain, root_xz, yaw, phase, past, future, joints, *constants)
                return self.outputs
        return self._dispatch(pads, (root_xz, yaw, phase, past, future, joints))

    def _dispatch(self, pads: np.ndarray, state: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        """The checked path: shapes, numba's dispatcher (types the arguments, compiles a new specialisation
        if needed), then `_bind` for the next calls."""
        shapes = (pads.shape, *(a.shape for a in state))
        if shapes != self.expected_shapes:
            raise ValueError(f"native tick: expected pads and state (root_xz, yaw, phase, past, future, joints) of "
                             f"shapes {self.expected_shapes}, got {shapes}")
        args = (pads, *self.terrain, *state, *self.constants)
        tick_kernel(*args)
        self._bind(args, state)
        return self.outputs

    def _bind(self, args: tuple, state: tuple[np.ndarray, ...]) -> None:
        """Bind the overload numba chose for these arguments, typed by numba itself; only when the pads are
        the kind the fast path's check recognises (float32, C-contiguous, aligned, writeable)."""
        signature = tuple(tick_kernel.typeof_pyval(a) for a in args)
        overload = tick_kernel.overloads.get(signature)
        bindable = overload is not None and signature[0] == _BOUND_PADS_TYPE
        self._binding = (overload.entry_point, state, self.terrain, self.constants) if bindable else ()


_FLOAT32 = np.dtype(np.float32)
_BOUND_PADS_TYPE = numba.types.Array(numba.float32, 2, "C")      # mutable and aligned, as numba types such pads
_BOUND_PADS_FLAGS = 0x1 | 0x100 | 0x400                             # NPY_ARRAY_C_CONTIGUOUS | ALIGNED | WRITEABLE
