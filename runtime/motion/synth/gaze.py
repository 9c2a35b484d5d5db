"""Gaze sessions: a seated character's head and eyes looking at targets appearing and moving around it.

What it models
  * Targets (1-4 m away, up to +-80 deg azimuth and +-35 deg elevation) that appear every 0.6-3 s
    or start moving (constant angular velocity of 5-30 deg/s for 1-3 s).
  * Saccades after a ~150-250 ms latency, following the main sequence: duration
    D = 21 ms + 2.2 ms/deg * A, minimum-jerk position profile, so peak velocity 1.875 A / D grows
    with amplitude A and saturates (towards ~850 deg/s). Catch-up saccades when pursuit lags > 3 deg.
  * Fixations (gaze held on a static target) and smooth pursuit of moving targets (gain ~0.9).
  * Eye-head coordination: gaze shifts beyond 15 deg move the head as well, the head taking a
    growing share (90% of the part beyond 15 deg) on a slower spring; the eyes counter-rotate as
    the head arrives (eye-in-head limited to +-40 deg). Both eyes verge on the target point.
  * Blinks ~17 per minute (gamma-distributed intervals, shape 4), 150 ms each, labelled.

Labels (`<name>.labels.npz`): target [T,3] world target position, gaze_direction [T,3],
blink [T] lid closure 0..1, saccade [T] flags, and one row per saccade: saccade_onset (frame),
saccade_amplitude (deg), saccade_duration (s), saccade_peak_velocity (deg/s).

Limits: the body is still (only neck, head and eyes move), no eyelid joints (blinks are labels
only), no torsion (Listing's law) or head roll, no microsaccades or drift, 60 fps sampling
under-resolves the shortest saccades (a 5 deg saccade lasts 32 ms, about two frames).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..skeleton import Skeleton
from . import _quat as Q
from .common import FPS, local_positions, save_npz, write_motion_bvh

_J = [("Hips", None, (0, 0, 0)), ("Spine", "Hips", (0, 0.25, 0)), ("Spine1", "Spine", (0, 0.25, 0)),
      ("Neck", "Spine1", (0, 0.2, 0)), ("Head", "Neck", (0, 0.1, 0.01)),
      ("LeftEye", "Head", (0.032, 0.07, 0.08)), ("RightEye", "Head", (-0.032, 0.07, 0.08))]
SACCADE_THRESHOLD_DEG = 3.0
HEAD_FREE_DEG = 15.0
BLINKS_PER_MINUTE = 17.0


def gaze_skeleton() -> Skeleton:
    """Seated upper body: Hips, Spine, Spine1, Neck, Head, LeftEye, RightEye (eyes look along +Z)."""
    names = [n for n, _, _ in _J]
    return Skeleton(tuple(names), np.array([-1 if p is None else names.index(p) for _, p, _ in _J]),
                    np.array([o for _, _, o in _J], np.float32),
                    {5: np.array([0, 0, 0.012], np.float32), 6: np.array([0, 0, 0.012], np.float32)})


def saccade_duration(amplitude_deg: np.ndarray | float) -> np.ndarray:
    """Main-sequence duration in seconds: 21 ms + 2.2 ms per degree."""
    return 0.021 + 0.0022 * np.asarray(amplitude_deg, float)


def _min_jerk(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0, 1)
    return s ** 3 * (10 - 15 * s + 6 * s * s)


def _targets(rng: np.random.Generator, frames: int, dt: float) -> np.ndarray:
    """Target angles (azimuth, elevation in degrees) and distance (m), [T,3]."""
    out = np.zeros((frames, 3))
    cur = np.array([0.0, 0.0, 2.0])
    vel = np.zeros(3)
    t = 0
    while t < frames:
        if rng.random() < 0.35:
            speed = rng.uniform(5, 30)
            ang = rng.uniform(0, 2 * np.pi)
            vel = np.array([speed * np.cos(ang), 0.5 * speed * np.sin(ang), 0.0])
            n = int(rng.uniform(1.0, 3.0) / dt)
        elif rng.random() < 0.45:  # a nearby target: small saccades
            cur = cur + np.array([rng.uniform(-15, 15), rng.uniform(-8, 8), 0.0])
            vel = np.zeros(3)
            n = int(rng.uniform(0.4, 1.5) / dt)
        else:
            cur = np.array([rng.uniform(-80, 80), rng.uniform(-35, 35), rng.uniform(1.0, 4.0)])
            vel = np.zeros(3)
            n = int(rng.uniform(0.6, 3.0) / dt)
        for k in range(min(n, frames - t)):
            cur = cur + vel * dt
            cur[0] = np.clip(cur[0], -85, 85)
            cur[1] = np.clip(cur[1], -40, 40)
            out[t + k] = cur
        t += n
    return out


def _direction(az_deg: np.ndarray, el_deg: np.ndarray) -> np.ndarray:
    az, el = np.radians(az_deg), np.radians(el_deg)
    return np.stack([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)], -1)


def generate_clip(rng: np.random.Generator, frames: int, fps: int = FPS):
    """One clip: local positions [T,7,3], rotations [T,7,4] (wxyz) and labels."""
    dt = 1.0 / fps
    target = _targets(rng, frames, dt)
    gaze = np.zeros((frames, 2))
    head = np.zeros((frames, 2))
    saccade = np.zeros(frames, bool)
    records = []
    g = target[0, :2].copy()
    h = np.zeros(2)
    h_vel = np.zeros(2)
    h_goal = np.zeros(2)
    wait = 0  # frames of latency left before the next saccade may start
    active = None  # (start frame, start gaze, end gaze, duration frames)
    error_since = None
    for t in range(frames):
        tgt = target[t, :2]
        moving = t > 0 and np.any(np.abs(target[t, :2] - target[t - 1, :2]) > 1e-9) and \
            np.linalg.norm(target[t, :2] - target[t - 1, :2]) < 5.0
        if active is not None:
            s0, a, b, n = active
            g = a + (b - a) * _min_jerk((t - s0) / n)
            saccade[t] = True
            if t - s0 >= n:
                active = None
        else:
            err = tgt - g
            amp = float(np.linalg.norm(err))
            if amp > SACCADE_THRESHOLD_DEG:
                error_since = t if error_since is None else error_since
                latency = int(rng.uniform(0.15, 0.25) * fps) if not moving else int(0.1 * fps)
                if t - error_since >= latency:
                    velocity = (target[t, :2] - target[t - 1, :2]) / dt if moving else np.zeros(2)
                    dur = float(saccade_duration(amp))
                    end = tgt + velocity * dur
                    amp = float(np.linalg.norm(end - g))
                    dur = float(saccade_duration(amp))
                    n = max(dur * fps, 1.0)
                    active = (t, g.copy(), end, n)
                    records.append((t, amp, dur, 1.875 * amp / dur))
                    if amp > HEAD_FREE_DEG:
                        h_goal = h + 0.9 * (amp - HEAD_FREE_DEG) / amp * (end - h)
                    error_since = None
                    g = g + (end - g) * _min_jerk(1.0 / n)
                    saccade[t] = True
            else:
                error_since = None
                if moving:  # smooth pursuit: follow the target's motion with gain 0.9 plus slow correction
                    g = g + 0.9 * (target[t, :2] - target[t - 1, :2]) + 0.05 * err
                    if np.linalg.norm(tgt - h_goal) > HEAD_FREE_DEG:
                        h_goal = h_goal + 0.5 * (target[t, :2] - target[t - 1, :2])
        # head: critically damped spring towards its goal (time constant ~120 ms)
        omega = 1.0 / 0.12
        h_acc = omega * omega * (h_goal - h) - 2 * omega * h_vel
        h_vel = h_vel + h_acc * dt
        h = h + h_vel * dt
        gaze[t], head[t] = g, h
    eye_in_head = np.clip(gaze - head, [-40, -30], [40, 30])
    gaze = head + eye_in_head

    skel = gaze_skeleton()
    T = frames
    rot = Q.identity(T, skel.num_joints)
    head_q = Q.mul(Q.about("y", np.radians(head[:, 0])), Q.about("x", -np.radians(head[:, 1])))
    neck_share = Q.mul(Q.about("y", 0.35 * np.radians(head[:, 0])), Q.about("x", -0.35 * np.radians(head[:, 1])))
    rot[:, 3] = neck_share
    rot[:, 4] = Q.mul(Q.inv(neck_share), head_q)
    root = np.tile([0.0, 0.85, 0.0], (T, 1))
    pos = local_positions(skel, root)
    g_rot, g_pos = Q.forward_kinematics(skel.parents, pos, rot)
    centre = 0.5 * (g_pos[:, 5] + g_pos[:, 6])
    gaze_dir = _direction(gaze[:, 0], gaze[:, 1])
    dist = target[:, 2:3]
    point = centre + dist * gaze_dir
    for j in (5, 6):
        want = point - g_pos[:, j]
        local = Q.rotate(Q.inv(g_rot[:, 4]), want)
        rot[:, j] = _aim_z(local)
    blink = np.zeros(T)
    mean_interval = 60.0 / BLINKS_PER_MINUTE
    t = rng.uniform(0, mean_interval)
    while t < T * dt:
        s = int(t * fps)
        n = int(0.15 * fps)
        blink[s:s + n] = np.sin(np.pi * (np.arange(min(n, T - s)) + 0.5) / n)
        t += rng.gamma(4.0, mean_interval / 4.0)  # irregular but not bursty intervals
    rec = np.array(records, float).reshape(-1, 4)
    labels = {
        "target": (centre + dist * _direction(target[:, 0], target[:, 1])).astype(np.float32),
        "gaze_direction": gaze_dir.astype(np.float32),
        "blink": blink.astype(np.float32), "saccade": saccade,
        "saccade_onset": rec[:, 0].astype(np.int64), "saccade_amplitude": rec[:, 1].astype(np.float32),
        "saccade_duration": rec[:, 2].astype(np.float32), "saccade_peak_velocity": rec[:, 3].astype(np.float32),
        "fps": np.asarray(fps),
    }
    return pos, Q.unroll(rot), labels


def _aim_z(direction: np.ndarray) -> np.ndarray:
    """Rotations turning +Z towards `direction` [T,3] by yaw then pitch (no roll)."""
    d = direction / np.linalg.norm(direction, axis=-1, keepdims=True)
    yaw = np.arctan2(d[:, 0], d[:, 2])
    pitch = np.arcsin(np.clip(d[:, 1], -1, 1))
    return Q.mul(Q.about("y", yaw), Q.about("x", -pitch))


def write_clip(out: Path, name: str, rng: np.random.Generator, frames: int, fps: int = FPS) -> list[Path]:
    """Generate one clip and write `<name>.bvh` and `<name>.labels.npz`."""
    pos, rot, labels = generate_clip(rng, frames, fps)
    out = Path(out)
    return [write_motion_bvh(out / f"{name}.bvh", gaze_skeleton(), pos, rot, fps),
            save_npz(out / f"{name}.labels.npz", **labels)]
