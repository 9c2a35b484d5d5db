"""The gaze layer's CPU tick for small batches: one numba-compiled call per tick for N characters.

The same arithmetic as `GazeController._step_torch` (the reference; tests/gaze/test_gaze_native.py
checks they agree tick by tick), as scalar loops over characters:

  turn rate of the neutral head -> the target (held when unusable) in the head's frame -> features
  -> the recurrent cell (LSTM or GRU, any layer count) and read-out -> clamped angles, blink hazard
  -> deterministic blink draw and lid profile -> the neck chain's, eyes' and lids' local rotations
  -> gaze origin, direction and error

A one-character tick is the cell's matrix-vector products (LSTM-128: ~66k multiply-adds, GRU-16:
~1k) plus a few hundred scalar operations, against ~120 eager torch calls. The blink draw
(`blinks.uniform_hash`, `motion.synth.gaze.blink_profile`) and the features (`features.target_features`)
are mirrored here; their constants come from those modules at construction.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch

from neuropuppet.kernels import KernelCompiler
from neuropuppet.kernels import quaternion as q
from neuropuppet.kernels import recurrent

from . import blinks, features

_compiler = KernelCompiler(__file__)

LSTM, GRU = 0, 1
_MASK = 0x7FFFFFFF


class GazeTables(NamedTuple):
    """A GazeNet's weights as the kernel reads them (float32, C-contiguous)."""
    kind: int                 # LSTM or GRU
    x_mean: np.ndarray        # [X]
    x_std: np.ndarray
    y_mean: np.ndarray        # [ANGLES]
    y_std: np.ndarray
    wt_ih: np.ndarray         # [L, max(X, H), G]
    wt_hh: np.ndarray         # [L, H, G]
    b_ih: np.ndarray          # [L, G]
    b_hh: np.ndarray          # [L, G]
    out_wt: np.ndarray        # [H, Y]
    out_b: np.ndarray         # [Y]

    @classmethod
    def from_network(cls, net: torch.nn.Module, layers: int) -> "GazeTables":
        """From a GazeNet or its TorchScript artifact (read through its state dict); ValueError when it is
        not the layout this kernel runs (features.X_SIZE inputs, ANGLES + 1 outputs, an LSTM or GRU cell)."""
        sd = net.state_dict()
        arr = lambda k: np.ascontiguousarray(sd[k].detach().cpu().float().numpy())   # noqa: E731
        need = ("x_norm.mean", "x_norm.std", "y_norm.mean", "y_norm.std", "out.weight", "out.bias",
                "cell.rnn.weight_ih_l0", "cell.rnn.weight_hh_l0")
        missing = [k for k in need if k not in sd]
        if missing:
            raise ValueError(f"not a gaze network: its state lacks {', '.join(missing)}")
        gates, hidden = sd["cell.rnn.weight_hh_l0"].shape
        kinds = {4 * hidden: LSTM, 3 * hidden: GRU}
        if gates not in kinds:
            raise ValueError(f"recurrent cell with {gates} gate rows for {hidden} units is neither an LSTM nor a GRU")
        wt_ih, wt_hh, b_ih, b_hh = recurrent.transposed_tables(sd, layers, prefix="cell.rnn.")
        out_w = arr("out.weight")
        tables = cls(kinds[gates], arr("x_norm.mean"), arr("x_norm.std"), arr("y_norm.mean"), arr("y_norm.std"),
                     wt_ih, wt_hh, b_ih, b_hh, np.ascontiguousarray(out_w.T), arr("out.bias"))
        if tables.x_mean.shape != (features.X_SIZE,) or out_w.shape != (features.Y_SIZE, hidden) \
                or tables.y_mean.shape != (features.ANGLES,) or wt_ih.shape[1] < features.X_SIZE:
            raise ValueError(f"network of {tables.x_mean.shape[0]} inputs and {out_w.shape[0]} outputs; the compiled "
                             f"tick runs {features.X_SIZE} -> {features.Y_SIZE}")
        return tables


class GazeConstants(NamedTuple):
    """Per-controller constants of the tick."""
    reach: np.ndarray         # [3] cumulative share of the head's turn at Neck, Neck1, Head
    eye_offsets: np.ndarray   # [2, 3] eyes (and lids) in the head
    eye_mid: np.ndarray       # [3]
    head_limits: np.ndarray   # [2] radians
    eye_limits: np.ndarray    # [2] radians
    joints: np.ndarray        # [8] chest, Neck, Neck1, Head, left eye, right eye, left lid, right lid
    lid_closed: float         # radians of a closed lid about +X
    blink_close: float        # seconds
    blink_open: float
    min_distance: float       # metres


@_compiler.jit
def _uniform(seed, tick):
    """`blinks.uniform_hash` for one character: uniform [0, 1) float32."""
    x = (tick * 0x9E3779B1 + seed * 0x85EBCA77 + 0x165667B1) & _MASK
    x = x ^ (x >> 15)
    x = (x * 0x2C1B3C6D) & _MASK
    x = x ^ (x >> 12)
    x = (x * 0x297A2D39) & _MASK
    x = x ^ (x >> 15)
    return np.float32(x) / np.float32(_MASK + 1)


@_compiler.jit
def _blink_profile(s, close_s, open_s):
    """`motion.synth.gaze.blink_profile` of one onset age s (seconds)."""
    close = min(max(s / close_s, 0.0), 1.0)
    reopen = min(max((s - close_s) / open_s, 0.0), 1.0)
    shut = 1.0 - (close - 1.0) ** 2
    return shut * (1.0 - reopen * reopen * (3.0 - 2.0 * reopen)) if s >= 0.0 else 0.0


@_compiler.jit
def _clamp_or_zero(v, limit):
    """v within +-limit; NaN -> 0 (as nan_to_num then clamp)."""
    if v != v:
        return 0.0
    return min(max(v, -limit), limit)


@_compiler.jit
def gaze_kernel(target, world_p, world_r, base_lp, base_lr, dt,
                tick, since, heading, last, h, c, seed,
                kind, x_mean, x_std, y_mean, y_std, wt_ih, wt_hh, b_ih, b_hh, out_wt, out_b,
                reach, eye_off, eye_mid, head_lim, eye_lim, joints, lid_closed, blink_close, blink_open, min_distance,
                out_lp, out_lr, origin, direction, closure, head_angles, eye_angles, error, hazard):
    """Advance N characters one tick: state (tick, since, heading, last, h, c) in place, outputs written.

    target [N, 3]; world_p / world_r [N, J, 3|4]: world transforms of the pose below (the chest and the
    neck chain are read); base_lp / base_lr [N, J, 3|4]: its local pose, copied to out_lp / out_lr with
    the layer's joints written over it.
    """
    n, j_count = target.shape[0], base_lp.shape[1]
    layers, hidden = h.shape[0], h.shape[2]
    gates = b_ih.shape[1]
    y_size = out_b.shape[0]
    dt32 = np.float32(dt)
    blink_seconds = np.float32(blink_close + blink_open)
    chest, ch0, ch2 = joints[0], joints[1], joints[3]
    x = np.empty(wt_ih.shape[1], np.float32)
    gi = np.empty(gates, np.float32)
    gh = np.empty(gates, np.float32)
    y = np.empty(y_size, np.float32)
    angle = np.empty(6, np.float32)
    for ci in range(n):
        hp = (world_p[ci, ch2, 0], world_p[ci, ch2, 1], world_p[ci, ch2, 2])
        hq = (world_r[ci, ch2, 0], world_r[ci, ch2, 1], world_r[ci, ch2, 2], world_r[ci, ch2, 3])
        inv_hq = q.qconj(hq)
        # 1. the body's turn rate (zero on a character's first tick)
        yaw = np.float32(q.heading(hq))
        turn = 0.0
        if tick[ci] != 0:
            turn = ((yaw - heading[ci] + math.pi) % (2.0 * math.pi) - math.pi) / dt32
        heading[ci] = yaw
        # 2. the target, held at the last usable one (or 2 m ahead) when not finite or at the eyes
        em = q.qrot(hq, (eye_mid[0], eye_mid[1], eye_mid[2]))
        centre = (hp[0] + em[0], hp[1] + em[1], hp[2] + em[2])
        tx, ty, tz = target[ci, 0], target[ci, 1], target[ci, 2]
        ok = math.isfinite(tx) and math.isfinite(ty) and math.isfinite(tz)
        if ok:
            rel = q.qrot(inv_hq, (tx - centre[0], ty - centre[1], tz - centre[2]))
            ok = math.sqrt(rel[0] * rel[0] + rel[1] * rel[1] + rel[2] * rel[2]) >= min_distance
        if not ok:
            if math.isfinite(last[ci, 0]) and math.isfinite(last[ci, 1]) and math.isfinite(last[ci, 2]):
                tx, ty, tz = last[ci, 0], last[ci, 1], last[ci, 2]
            else:
                a = q.qrot(hq, (eye_mid[0], eye_mid[1], eye_mid[2] + 2.0))
                tx, ty, tz = hp[0] + a[0], hp[1] + a[1], hp[2] + a[2]
        last[ci, 0], last[ci, 1], last[ci, 2] = tx, ty, tz
        tx, ty, tz = last[ci, 0], last[ci, 1], last[ci, 2]
        # 3. features -> the network
        rel = q.qrot(inv_hq, (tx - centre[0], ty - centre[1], tz - centre[2]))
        dist = max(math.sqrt(rel[0] * rel[0] + rel[1] * rel[1] + rel[2] * rel[2]), min_distance)
        x[0], x[1], x[2] = rel[0] / dist, rel[1] / dist, rel[2] / dist
        x[3], x[4] = math.log(dist), turn
        for k in range(x_mean.shape[0]):
            x[k] = (x[k] - x_mean[k]) / x_std[k]
        n_in = x_mean.shape[0]
        for layer in range(layers):
            src = x if layer == 0 else h[layer - 1, ci]
            if kind == 0:
                recurrent.lstm_step(src, n_in, h[layer, ci], c[layer, ci], wt_ih[layer], wt_hh[layer], b_ih[layer],
                                    b_hh[layer], gi, gh, h[layer, ci], c[layer, ci])
            else:
                recurrent.gru_step(src, n_in, h[layer, ci], wt_ih[layer], wt_hh[layer], b_ih[layer], b_hh[layer],
                                   gi, gh, h[layer, ci])
            n_in = hidden
        recurrent.gate_sums(h[layers - 1, ci], hidden, out_wt, out_b, y)      # the linear read-out
        for k in range(6):
            angle[k] = y[k] * y_std[k] + y_mean[k]
        head_yaw, head_pitch = _clamp_or_zero(angle[0], head_lim[0]), _clamp_or_zero(angle[1], head_lim[1])
        logit = 0.0 if y[6] != y[6] else y[6]     # NaN -> 0, as nan_to_num; +-inf saturate the sigmoid
        p = np.float32(recurrent.sigmoid(logit))
        # 4. blinks
        start = _uniform(seed[ci], tick[ci]) < p and since[ci] >= blink_seconds
        since[ci] = np.float32(0.0) if start else since[ci] + dt32
        shut = np.float32(_blink_profile(since[ci], blink_close, blink_open))
        tick[ci] += 1
        # 5. the pose: the head's turn spread over the chain
        turn_q = q.qmul(q.qmul(hq, q.from_yaw_pitch(head_yaw, head_pitch)), inv_hq)
        lg = q.qlog(turn_q)
        parent = (world_r[ci, chest, 0], world_r[ci, chest, 1], world_r[ci, chest, 2], world_r[ci, chest, 3])
        for jt in range(j_count):
            for k in range(3):
                out_lp[ci, jt, k] = base_lp[ci, jt, k]
            for k in range(4):
                out_lr[ci, jt, k] = base_lr[ci, jt, k]
        new_hp = (world_p[ci, ch0, 0], world_p[ci, ch0, 1], world_p[ci, ch0, 2])
        wq = parent
        for k in range(3):
            jt = joints[1 + k]
            r = reach[k]
            cq = (world_r[ci, jt, 0], world_r[ci, jt, 1], world_r[ci, jt, 2], world_r[ci, jt, 3])
            wq = q.qmul(q.qexp((lg[0] * r, lg[1] * r, lg[2] * r)), cq)
            local = q.qmul(q.qconj(parent), wq)
            for m in range(4):
                out_lr[ci, jt, m] = local[m]
            if k < 2:
                nxt = joints[2 + k]
                b = q.qrot(wq, (base_lp[ci, nxt, 0], base_lp[ci, nxt, 1], base_lp[ci, nxt, 2]))
                new_hp = (new_hp[0] + b[0], new_hp[1] + b[1], new_hp[2] + b[2])
            parent = wq
        new_hq = wq
        # eyes and lids
        lid_half = 0.5 * shut * lid_closed
        lid = (math.cos(lid_half), math.sin(lid_half), 0.0, 0.0)
        ox, oy, oz = 0.0, 0.0, 0.0
        lx, ly, lz = 0.0, 0.0, 0.0
        eyes_yaw, eyes_pitch = 0.0, 0.0
        for e in range(2):
            ey = _clamp_or_zero(angle[2 + 2 * e], eye_lim[0])
            ep = _clamp_or_zero(angle[3 + 2 * e], eye_lim[1])
            eyes_yaw += 0.5 * ey
            eyes_pitch += 0.5 * ep
            eq = q.from_yaw_pitch(ey, ep)
            je, jl = joints[4 + e], joints[6 + e]
            for m in range(3):
                out_lp[ci, je, m] = eye_off[e, m]
                out_lp[ci, jl, m] = eye_off[e, m]
            for m in range(4):
                out_lr[ci, je, m] = eq[m]
                out_lr[ci, jl, m] = lid[m]
            at = q.qrot(new_hq, (eye_off[e, 0], eye_off[e, 1], eye_off[e, 2]))
            ox += 0.5 * (new_hp[0] + at[0])
            oy += 0.5 * (new_hp[1] + at[1])
            oz += 0.5 * (new_hp[2] + at[2])
            la = q.looks_along(eq)
            lx += 0.5 * la[0]
            ly += 0.5 * la[1]
            lz += 0.5 * la[2]
        looks = q.qrot(new_hq, (lx, ly, lz))
        norm = max(math.sqrt(looks[0] * looks[0] + looks[1] * looks[1] + looks[2] * looks[2]), 1e-6)
        dx, dy, dz = looks[0] / norm, looks[1] / norm, looks[2] / norm
        vx, vy, vz = tx - ox, ty - oy, tz - oz
        cos = (dx * vx + dy * vy + dz * vz) / max(math.sqrt(vx * vx + vy * vy + vz * vz), 1e-6)
        origin[ci, 0], origin[ci, 1], origin[ci, 2] = ox, oy, oz
        direction[ci, 0], direction[ci, 1], direction[ci, 2] = dx, dy, dz
        closure[ci, 0], closure[ci, 1] = shut, shut
        head_angles[ci, 0], head_angles[ci, 1] = head_yaw, head_pitch
        eye_angles[ci, 0], eye_angles[ci, 1] = eyes_yaw, eyes_pitch
        error[ci, 0] = math.acos(min(max(cos, -1.0), 1.0))
        hazard[ci, 0] = p


class NativeGaze:
    """The gaze tick for N characters on the CPU as one compiled call (`gaze_kernel`).

    State arrays are numpy views of the controller's state tensors, updated in place; the pose and
    extras arrays are allocated once and overwritten each tick (the controller protocol allows reuse).
    """

    EXTRAS = (("gaze_origin", 3), ("gaze_direction", 3), ("eyelid_closure", 2), ("head_angles", 2),
              ("eye_angles", 2), ("gaze_error", 1), ("blink_hazard", 1))

    def __init__(self, net: torch.nn.Module, layers: int, constants: GazeConstants, batch_size: int,
                 num_joints: int) -> None:
        self.tables = GazeTables.from_network(net, layers)
        self.constants = constants
        n = batch_size
        self.local_positions = np.zeros((n, num_joints, 3), np.float32)
        self.local_rotations = np.zeros((n, num_joints, 4), np.float32)
        self.extras = {name: np.zeros((n, width), np.float32) for name, width in self.EXTRAS}
        t, k = self.tables, self.constants
        self._args = (t.kind, t.x_mean, t.x_std, t.y_mean, t.y_std, t.wt_ih, t.wt_hh, t.b_ih, t.b_hh, t.out_wt,
                      t.out_b, *k, self.local_positions, self.local_rotations, *self.extras.values())

    def __call__(self, target: np.ndarray, world_p: np.ndarray, world_r: np.ndarray, base_lp: np.ndarray,
                 base_lr: np.ndarray, dt: float, state: tuple[np.ndarray, ...]) -> None:
        """Advance the characters; state = (tick, since, heading, last, h, c, seed) views, updated in place."""
        gaze_kernel(target, world_p, world_r, base_lp, base_lr, dt, *state, *self._args)


def constants_for(reach: np.ndarray, eye_offsets: np.ndarray, head_limits: np.ndarray, eye_limits: np.ndarray,
                  joints: list[int], lid_closed_rad: float, min_distance: float = features.MIN_DISTANCE
                  ) -> GazeConstants:
    """GazeConstants as float32 / int64 arrays (blink timing from `blinks`)."""
    f = lambda a: np.ascontiguousarray(np.asarray(a, np.float32))   # noqa: E731
    offsets = f(eye_offsets)
    return GazeConstants(f(reach), offsets, f(offsets.mean(0)), f(head_limits), f(eye_limits),
                         np.asarray(joints, np.int64), float(lid_closed_rad), float(blinks.BLINK_CLOSE_S),
                         float(blinks.BLINK_OPEN_S), float(min_distance))
