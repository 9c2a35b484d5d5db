"""Gaze sessions: a standing character's body, head, eyes and eyelids following targets around it.

What it models
  * Targets 0.25-6 m away that appear (ahead, beside or behind: up to +-170 deg from the body),
    jump a little, or move slowly (5-30 deg/s) or fast (40-120 deg/s, with catch-up saccades),
    approaching or receding; near ones (0.25-0.6 m) make the eyes verge.
  * Saccades after a reaction time (SACCADE_LATENCY_S, 200 ms, after the target jumps; catch-up
    saccades CATCH_UP_LATENCY_S after pursuit lags > 3 deg), following the main sequence: duration
    D = 21 ms + 2.2 ms/deg * A, minimum-jerk profile, so peak velocity 1.875 A / D grows with
    amplitude and saturates. The reaction time is the same for every clip and saccade: a network
    trained by regression on random reaction times learns their average, a saccade smeared over the
    spread of latencies (half the speed of a 5-10 deg saccade, which lasts 2-3 frames at 60 fps).
  * Fixations and smooth pursuit of moving targets (gain ~0.9, PURSUIT_LATENCY_S after the motion:
    the eyes follow the target's motion of 100 ms ago). A step of the target between two still frames
    is a jump (a saccade after the reaction time), never pursuit, however small.
  * Nothing reacts before its latency: the body's turn toward a target far off it starts after the
    saccade's reaction time too.
  * A clip starts at rest (body, head and eyes ahead): its first target, wherever it is, is a jump
    (a cold start: what a fresh character does when it is handed a target off its nose).
  * Eye-head coordination: shifts beyond the clip's `head_free` (10-20 deg) move the head too, by
    the clip's `head_share` (0.7-0.95) of the part beyond, on a critically damped spring
    (time constant 90-160 ms per clip); the eyes counter-rotate as the head arrives (eye-in-head
    within +-40/30 deg, head over the body within +-75/40 deg). A target more than 80 deg off the
    body turns the whole body (the root's yaw) toward it.
  * Blinks: spontaneous at the clip's rate (8-20 per minute, gamma intervals of shape 4) plus
    gaze-evoked ones (90 % of shifts over 33 deg, 15 % of those over 15 deg), closing in 100 ms and
    reopening in 200 ms (`blink_profile`). The lids are joints (LeftEyelid, RightEyelid under the
    Head): their rotation about +X is closure * EYELID_CLOSED_DEG, so blinks live in the BVH.

Labels (`<name>.labels.npz`): target [T,3] world target position, gaze_direction [T,3],
blink [T] lid closure 0..1, blink_onset (frames), saccade [T] flags, body_yaw [T] (deg), one row
per saccade: saccade_onset (frame), saccade_amplitude (deg), saccade_duration (s),
saccade_peak_velocity (deg/s); the clip's person: blinks_per_minute, head_free_deg, head_share;
head_angles [T,2] (yaw, pitch over the body, deg) and eye_angles [T,2] (gaze in the head, deg).
`simulate(rng, target, person)` runs the same model on any target script (the quality measurements'
ground truth).

Limits: only the root's yaw moves the body (no steps), no torsion (Listing's law) or head roll,
no microsaccades, 60 fps under-resolves the shortest saccades (5 deg lasts 32 ms, two frames).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..skeleton import Skeleton
from . import _quat as Q
from .common import FPS, local_positions, save_npz, write_motion_bvh

_J = [("Hips", None, (0, 0, 0)), ("Spine", "Hips", (0, 0.25, 0)), ("Spine1", "Spine", (0, 0.25, 0)),
      ("Neck", "Spine1", (0, 0.2, 0)), ("Head", "Neck", (0, 0.1, 0.01)),
      ("LeftEye", "Head", (0.032, 0.07, 0.08)), ("RightEye", "Head", (-0.032, 0.07, 0.08)),
      ("LeftEyelid", "Head", (0.032, 0.07, 0.08)), ("RightEyelid", "Head", (-0.032, 0.07, 0.08))]
EYES = (5, 6)
EYELIDS = (7, 8)
SACCADE_THRESHOLD_DEG = 3.0
SACCADE_LATENCY_S = 0.2          # reaction time from a target's jump to the saccade's first frame
CATCH_UP_LATENCY_S = 0.1         # from pursuit lagging > SACCADE_THRESHOLD_DEG to the catch-up saccade
PURSUIT_LATENCY_S = 0.1          # smooth pursuit follows the target's motion this long ago
PURSUIT_MAX_STEP_DEG = 2.5       # a per-frame step up to this between moving frames is motion, not a jump
HEAD_FREE_DEG = 15.0             # the mean over clips of the eyes-only range (each clip draws 10-20)
BLINKS_PER_MINUTE = 14.0         # the mean spontaneous rate over clips (each clip draws 8-20)
EYELID_CLOSED_DEG = 60.0         # a lid joint's rotation about +X when fully closed
BLINK_CLOSE_S, BLINK_OPEN_S = 0.1, 0.2
EYE_LIMITS_DEG = (40.0, 30.0)
HEAD_LIMITS_DEG = (75.0, 40.0)
BODY_TURN_DEG = 80.0


def gaze_skeleton() -> Skeleton:
    """Standing upper body: Hips, Spine, Spine1, Neck, Head, eyes (look along +Z) and eyelids."""
    names = [n for n, _, _ in _J]
    tip = np.array([0, 0, 0.012], np.float32)
    return Skeleton(tuple(names), np.array([-1 if p is None else names.index(p) for _, p, _ in _J]),
                    np.array([o for _, _, o in _J], np.float32), {j: tip for j in EYES + EYELIDS})


def saccade_duration(amplitude_deg: np.ndarray | float) -> np.ndarray:
    """Main-sequence duration in seconds: 21 ms + 2.2 ms per degree."""
    return 0.021 + 0.0022 * np.asarray(amplitude_deg, float)


def blink_profile(seconds_since_onset: np.ndarray) -> np.ndarray:
    """Lid closure 0..1 of a blink, `seconds_since_onset` after it began: closes in BLINK_CLOSE_S
    (half sine), reopens in BLINK_OPEN_S; 0 before and after. Works on numpy arrays or torch tensors."""
    s = seconds_since_onset
    close = (s / BLINK_CLOSE_S).clip(0, 1)
    reopen = ((s - BLINK_CLOSE_S) / BLINK_OPEN_S).clip(0, 1)
    shut = 1.0 - (close - 1.0) ** 2                      # eases into the closed lid
    return shut * (1.0 - reopen * reopen * (3 - 2 * reopen)) * (s >= 0)


def _min_jerk(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0, 1)
    return s ** 3 * (10 - 15 * s + 6 * s * s)


def _person(rng: np.random.Generator) -> dict[str, float]:
    """One clip's individual: blink rate, head propensity, head speed (and the common saccade latency)."""
    return {"blinks_per_minute": float(rng.uniform(8, 20)), "head_free_deg": float(rng.uniform(10, 20)),
            "head_share": float(rng.uniform(0.7, 0.95)), "head_time": float(rng.uniform(0.09, 0.16)),
            "latency": SACCADE_LATENCY_S}


def _targets(rng: np.random.Generator, frames: int, dt: float) -> np.ndarray:
    """Target azimuth (deg, world, relative to the body's start), elevation (deg) and distance (m), [T,3]."""
    out = np.zeros((frames, 3))
    cur = np.array([0.0, 0.0, 2.0])
    facing = 0.0                                   # where the body will face: new targets come around it
    t = 0
    while t < frames:
        vel = np.zeros(3)
        r = rng.random()
        if r < 0.2:                                # slow motion, approaching or receding
            speed, ang = rng.uniform(5, 30), rng.uniform(0, 2 * np.pi)
            vel = np.array([speed * np.cos(ang), 0.5 * speed * np.sin(ang), rng.uniform(-0.4, 0.4)])
            n = int(rng.uniform(1.0, 3.0) / dt)
        elif r < 0.3:                              # fast motion
            speed, ang = rng.uniform(40, 120), rng.uniform(0, 2 * np.pi)
            vel = np.array([speed * np.cos(ang), 0.3 * speed * np.sin(ang), 0.0])
            n = int(rng.uniform(0.4, 1.2) / dt)
        elif r < 0.55:                             # a jump nearby: small saccades
            cur = cur + np.array([rng.uniform(-15, 15), rng.uniform(-8, 8), 0.0])
            n = int(rng.uniform(0.4, 1.5) / dt)
        else:                                      # a target appears: ahead, beside or behind, near or far
            behind = rng.random() < 0.15
            az = rng.uniform(90, 170) * rng.choice([-1, 1]) if behind else rng.uniform(-80, 80)
            dist = rng.uniform(0.25, 0.6) if rng.random() < 0.15 else float(np.exp(rng.uniform(0, np.log(6))))
            cur = np.array([facing + az, rng.uniform(-35, 35), dist])
            if behind:
                facing = cur[0]
            n = int(rng.uniform(0.6, 3.0) / dt)
        for k in range(min(n, frames - t)):
            cur = cur + vel * dt
            cur[0] = np.clip(cur[0], facing - 170, facing + 170)
            cur[1] = np.clip(cur[1], -40, 40)
            cur[2] = np.clip(cur[2], 0.25, 6.0)
            out[t + k] = cur
        t += n
    return out


def _direction(az_deg: np.ndarray, el_deg: np.ndarray) -> np.ndarray:
    az, el = np.radians(az_deg), np.radians(el_deg)
    return np.stack([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)], -1)


def _spring(x: np.ndarray, v: np.ndarray, goal: np.ndarray, time_constant: float, dt: float):
    omega = 1.0 / time_constant
    v = v + (omega * omega * (goal - x) - 2 * omega * v) * dt
    return x + v * dt, v


def _blinks(rng: np.random.Generator, frames: int, fps: int, rate: float, evoked: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Lid closure [T] and blink onsets (frames): spontaneous at `rate` per minute plus `evoked` onsets."""
    mean_interval = 60.0 / rate
    onsets = list(evoked)
    t = rng.uniform(0, mean_interval)
    while t < frames / fps:
        onsets.append(int(t * fps))
        t += rng.gamma(4.0, mean_interval / 4.0)  # irregular but not bursty intervals
    kept: list[int] = []
    for o in sorted(onsets):                      # a blink needs the previous one finished
        if not kept or o - kept[-1] >= int((BLINK_CLOSE_S + BLINK_OPEN_S) * fps):
            kept.append(o)
    closure = np.zeros(frames)
    time = np.arange(frames) / fps
    for o in kept:
        closure = np.maximum(closure, blink_profile(time - o / fps))
    return closure, np.array(kept, np.int64)


def generate_clip(rng: np.random.Generator, frames: int, fps: int = FPS):
    """One clip: local positions [T,9,3], rotations [T,9,4] (wxyz) and labels."""
    person = _person(rng)
    return simulate(rng, _targets(rng, frames, 1.0 / fps), person, fps)


def simulate(rng: np.random.Generator, target: np.ndarray, person: dict[str, float] | None = None, fps: int = FPS):
    """The gaze of one person (`_person` keys; None: drawn from rng) following `target` [T, 3]: azimuth
    and elevation (deg, world, the body starting toward +Z) and distance (m) from the eye centre.
    Returns local positions [T,9,3], rotations [T,9,4] (wxyz) and labels (see the module docstring)."""
    person = _person(rng) if person is None else person
    target = np.asarray(target, np.float64)
    frames, dt = len(target), 1.0 / fps
    react = max(int(round(person["latency"] * fps)), 1)
    catch_up = max(int(round(CATCH_UP_LATENCY_S * fps)), 1)
    lag = max(int(round(PURSUIT_LATENCY_S * fps)), 1)
    steps = np.zeros((frames, 2))
    steps[1:] = np.diff(target[:, :2], axis=0)
    size = np.linalg.norm(steps, axis=-1)
    moving = (size > 1e-9) & (size <= PURSUIT_MAX_STEP_DEG)
    moving[1:] &= size[:-1] > 1e-9                      # continuous motion, not one step between still frames
    gaze, head, body = np.zeros((frames, 2)), np.zeros((frames, 2)), np.zeros(frames)
    saccade = np.zeros(frames, bool)
    records, evoked = [], []
    g = np.zeros(2)                 # at rest before the clip: eyes ahead (a first target off it is a jump)
    h, h_vel, h_goal = np.zeros(2), np.zeros(2), np.zeros(2)
    b, b_vel, b_goal = np.zeros(1), np.zeros(1), np.zeros(1)
    active = None  # (first frame, start gaze, end gaze, duration in frames)
    error_since = None
    latency = react
    free, share = person["head_free_deg"], person["head_share"]
    for t in range(frames):
        tgt = target[t, :2]
        seen = target[max(t - react, 0), :2]                 # the target as the reaction time lets it act
        if abs(seen[0] - b_goal[0]) > BODY_TURN_DEG:          # far off the body: turn toward it
            b_goal[0] = seen[0] - np.sign(seen[0] - b_goal[0]) * 20.0
        pursued = steps[t - lag] if t >= lag and moving[t - lag] else None
        if active is not None:
            s0, a, e, n = active
            k = t - s0 + 1                                   # the saccade's first frame is k = 1
            g = a + (e - a) * _min_jerk(k / n)
            saccade[t] = True
            if k >= n:
                active = None
        else:
            err = tgt - g
            amp = float(np.linalg.norm(err))
            if amp > SACCADE_THRESHOLD_DEG:
                if error_since is None:
                    error_since = t
                    latency = catch_up if moving[t] else react
                if t - error_since >= latency:
                    velocity = steps[t] / dt if moving[t] else np.zeros(2)
                    end = tgt + velocity * float(saccade_duration(amp))
                    amp = float(np.linalg.norm(end - g))
                    dur = float(saccade_duration(amp))
                    n = max(dur * fps, 1.0)
                    records.append((t, amp, dur, 1.875 * amp / dur))
                    if amp > free:
                        h_goal = h + share * (amp - free) / amp * (end - h)
                    if rng.random() < (0.9 if amp > 33 else 0.15 if amp > 15 else 0.0):
                        evoked.append(t)
                    error_since = None
                    active = (t, g.copy(), end, n) if n > 1.0 else None
                    g = g + (end - g) * _min_jerk(1.0 / n)
                    saccade[t] = True
            else:
                error_since = None
                if pursued is not None:  # smooth pursuit: the target's motion of `lag` frames ago, gain 0.9, + slow correction
                    g = g + 0.9 * pursued + 0.05 * err
                    if np.linalg.norm(tgt - h_goal) > free:
                        h_goal = h_goal + 0.5 * pursued
        b, b_vel = _spring(b, b_vel, b_goal, 0.35, dt)
        h_goal = np.clip(h_goal, [b[0] - HEAD_LIMITS_DEG[0], -HEAD_LIMITS_DEG[1]],
                         [b[0] + HEAD_LIMITS_DEG[0], HEAD_LIMITS_DEG[1]])
        h, h_vel = _spring(h, h_vel, h_goal, person["head_time"], dt)
        gaze[t], head[t], body[t] = g, h, b[0]
    head_rel = np.clip(head - np.stack([body, np.zeros(frames)], -1), [-HEAD_LIMITS_DEG[0], -HEAD_LIMITS_DEG[1]],
                       list(HEAD_LIMITS_DEG))
    head = head_rel + np.stack([body, np.zeros(frames)], -1)
    eye_in_head = np.clip(gaze - head, [-EYE_LIMITS_DEG[0], -EYE_LIMITS_DEG[1]], list(EYE_LIMITS_DEG))
    gaze = head + eye_in_head

    skel = gaze_skeleton()
    T = frames
    rot = Q.identity(T, skel.num_joints)
    rot[:, 0] = Q.about("y", np.radians(body))
    head_q = Q.mul(Q.about("y", np.radians(head_rel[:, 0])), Q.about("x", -np.radians(head_rel[:, 1])))
    neck_share = Q.mul(Q.about("y", 0.35 * np.radians(head_rel[:, 0])), Q.about("x", -0.35 * np.radians(head_rel[:, 1])))
    rot[:, 3] = neck_share
    rot[:, 4] = Q.mul(Q.inv(neck_share), head_q)
    root = np.tile([0.0, 0.85, 0.0], (T, 1))
    pos = local_positions(skel, root)
    g_rot, g_pos = Q.forward_kinematics(skel.parents, pos, rot)
    centre = 0.5 * (g_pos[:, EYES[0]] + g_pos[:, EYES[1]])
    gaze_dir = _direction(gaze[:, 0], gaze[:, 1])
    dist = target[:, 2:3]
    point = centre + dist * gaze_dir
    for j in EYES:
        local = Q.rotate(Q.inv(g_rot[:, 4]), point - g_pos[:, j])
        rot[:, j] = _aim_z(local)
    blink, onsets = _blinks(rng, T, fps, person["blinks_per_minute"], evoked)
    for j in EYELIDS:
        rot[:, j] = Q.about("x", np.radians(EYELID_CLOSED_DEG) * blink)
    rec = np.array(records, float).reshape(-1, 4)
    labels = {
        "target": (centre + dist * _direction(target[:, 0], target[:, 1])).astype(np.float32),
        "gaze_direction": gaze_dir.astype(np.float32),
        "blink": blink.astype(np.float32), "blink_onset": onsets, "saccade": saccade,
        "body_yaw": body.astype(np.float32),
        "saccade_onset": rec[:, 0].astype(np.int64), "saccade_amplitude": rec[:, 1].astype(np.float32),
        "saccade_duration": rec[:, 2].astype(np.float32), "saccade_peak_velocity": rec[:, 3].astype(np.float32),
        "fps": np.asarray(fps),
        **{k: np.asarray(person[k], np.float32) for k in ("blinks_per_minute", "head_free_deg", "head_share")},
        "head_angles": head_rel.astype(np.float32), "eye_angles": eye_in_head.astype(np.float32),
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
