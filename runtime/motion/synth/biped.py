"""Procedural biped locomotion on a CMU-like 31-joint skeleton, over uneven terrain.

What it models
  * A root trajectory driven by commands that change every 2-5 s: gait (stand, walk, jog, run,
    crouch), speed, turn rate and strafe angle, cross-faded over ~0.4 s.
  * A phase-driven gait cycle: phase advances at a stride frequency that grows with speed; the
    left foot lands at phase 0 and the right at pi. The duty factor (share of the cycle a foot is
    down) falls from walk to run and reaches 1 when standing still.
  * Footsteps: each stance interval plants the foot at a fixed point on the terrain (no horizontal
    motion while in contact, heel lifting about the toe at the end of stance); swings follow a
    smooth arc between plants, raised over steps.
  * Two-bone analytic leg IK (hip-knee-ankle, knee towards the foot's forward direction); the
    pelvis follows the feet's height, bobs with the cycle and is lowered when a leg cannot reach.
  * Upper body: spine lean with speed and for crouching, shoulder counter-twist, arms swinging
    against the legs with elbow bend growing with speed, head kept level.

Labels (`<name>.labels.npz`, per frame at 60 fps)
  gait [T,6] (stand, walk, jog, crouch, jump, unused; running counts as jog), phase [T] in
  [0, 2pi), contacts [T,4] (left heel, left toe, right heel, right toe), root_velocity [T,2]
  commanded world XZ velocity, facing [T,2] commanded world XZ facing, speed [T].

Limits: no jumps (the jump column stays 0), no flight dynamics (running is a fast, short-stance
gait, not ballistic), no collision between legs, no balance or momentum model, fingers static,
the terrain is a single height field without overhangs; a leg that cannot reach its plant is
stretched to full length and the foot can slip there (rare: the pelvis is lowered first).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ...terrain import HeightField
from ..skeleton import Skeleton
from . import _quat as Q
from .common import FPS, local_positions, shuffled_bag, save_height_field, save_npz, smooth_exponential, write_motion_bvh
from .ground import random_terrain

LABEL_GAITS = ("stand", "walk", "jog", "crouch", "jump", "unused")
ANKLE_HEIGHT = 0.08   # ankle joint above the ground when the foot is flat
TOE_HEIGHT = 0.02     # toe (ball) joint above the ground when flat
TOE_OFFSET = np.array([0.0, -0.06, 0.13])
THIGH, SHIN = 0.43, 0.42
HIP_OFFSET = np.array([0.09, -0.05, 0.0])

_BIPED_JOINTS: list[tuple[str, str | None, tuple[float, float, float]]] = [
    ("Hips", None, (0, 0, 0)),
    ("LHipJoint", "Hips", (0, 0, 0)),
    ("LeftUpLeg", "LHipJoint", tuple(HIP_OFFSET)),
    ("LeftLeg", "LeftUpLeg", (0, -THIGH, 0)),
    ("LeftFoot", "LeftLeg", (0, -SHIN, 0)),
    ("LeftToeBase", "LeftFoot", tuple(TOE_OFFSET)),
    ("RHipJoint", "Hips", (0, 0, 0)),
    ("RightUpLeg", "RHipJoint", (-HIP_OFFSET[0], HIP_OFFSET[1], 0)),
    ("RightLeg", "RightUpLeg", (0, -THIGH, 0)),
    ("RightFoot", "RightLeg", (0, -SHIN, 0)),
    ("RightToeBase", "RightFoot", tuple(TOE_OFFSET)),
    ("LowerBack", "Hips", (0, 0, 0)),
    ("Spine", "LowerBack", (0, 0.12, 0)),
    ("Spine1", "Spine", (0, 0.14, 0)),
    ("Neck", "Spine1", (0, 0.18, 0)),
    ("Neck1", "Neck", (0, 0.08, 0)),
    ("Head", "Neck1", (0, 0.08, 0)),
    ("LeftShoulder", "Spine1", (0.02, 0.14, 0)),
    ("LeftArm", "LeftShoulder", (0.16, 0.02, 0)),
    ("LeftForeArm", "LeftArm", (0.28, 0, 0)),
    ("LeftHand", "LeftForeArm", (0.25, 0, 0)),
    ("LeftFingerBase", "LeftHand", (0.02, 0, 0)),
    ("LeftHandIndex1", "LeftFingerBase", (0.05, 0, 0)),
    ("LThumb", "LeftHand", (0.01, 0, 0.03)),
    ("RightShoulder", "Spine1", (-0.02, 0.14, 0)),
    ("RightArm", "RightShoulder", (-0.16, 0.02, 0)),
    ("RightForeArm", "RightArm", (-0.28, 0, 0)),
    ("RightHand", "RightForeArm", (-0.25, 0, 0)),
    ("RightFingerBase", "RightHand", (-0.02, 0, 0)),
    ("RightHandIndex1", "RightFingerBase", (-0.05, 0, 0)),
    ("RThumb", "RightHand", (-0.01, 0, 0.03)),
]


def biped_skeleton() -> Skeleton:
    """The CMU-like 31-joint skeleton (CMU joint names and order), T-pose, metres, ~1.72 m tall."""
    names = [n for n, _, _ in _BIPED_JOINTS]
    parents = [-1 if p is None else names.index(p) for _, p, _ in _BIPED_JOINTS]
    offsets = np.array([o for _, _, o in _BIPED_JOINTS], np.float32)
    end_sites = {names.index(n): np.array(o, np.float32) for n, o in [
        ("LeftToeBase", (0, 0, 0.05)), ("RightToeBase", (0, 0, 0.05)), ("Head", (0, 0.14, 0)),
        ("LeftHandIndex1", (0.04, 0, 0)), ("LThumb", (0.02, 0, 0.02)),
        ("RightHandIndex1", (-0.04, 0, 0)), ("RThumb", (-0.02, 0, 0.02))]}
    return Skeleton(tuple(names), np.array(parents), offsets, end_sites)


@dataclass(frozen=True)
class GaitStyle:
    """Parameters of one gait: speed range (m/s), stride frequency f = base + slope * speed (Hz),
    duty factor, swing clearance (m), pelvis height (m), bob (m, + = high at mid-stance),
    spine lean (rad), arm swing (rad), elbow bend (rad), label column."""

    speed: tuple[float, float]
    freq_base: float
    freq_slope: float
    duty: float
    clearance: float
    pelvis: float
    bob: float
    lean: float
    arm_swing: float
    elbow: float
    label: int


GAITS: dict[str, GaitStyle] = {
    "stand": GaitStyle((0.0, 0.0), 0.7, 0.3, 0.62, 0.06, 0.95, 0.0, 0.02, 0.04, 0.15, 0),
    "walk": GaitStyle((0.6, 1.7), 0.55, 0.30, 0.62, 0.08, 0.94, 0.015, 0.05, 0.35, 0.3, 1),
    "jog": GaitStyle((1.8, 3.0), 0.85, 0.18, 0.42, 0.12, 0.92, -0.03, 0.12, 0.55, 1.2, 2),
    "run": GaitStyle((3.0, 4.2), 0.95, 0.15, 0.34, 0.16, 0.91, -0.04, 0.2, 0.75, 1.45, 2),
    "crouch": GaitStyle((0.3, 1.0), 0.5, 0.40, 0.66, 0.07, 0.68, 0.01, 0.45, 0.2, 0.6, 3),
}
_GAIT_NAMES = tuple(GAITS)
_GAIT_BAG = [0, 1, 1, 2, 3, 4]  # stand, walk (twice as often), jog, run, crouch
BLEND_SECONDS = 0.4
MAX_STANCE_TRAVEL = 0.8


@dataclass
class Commands:
    """Per-frame commanded locomotion: gait weights [T,G] over `GAITS`, speed [T], turn rate [T]
    (rad/s), strafe angle [T] (velocity direction relative to facing, rad)."""

    weights: np.ndarray
    speed: np.ndarray
    turn_rate: np.ndarray
    strafe: np.ndarray


def random_commands(rng: np.random.Generator, frames: int, fps: int = FPS) -> Commands:
    """Commands changing every 2-5 s (first and last segment standing), cross-faded over ~0.4 s."""
    switches, rows = [0], []
    t = 0
    gaits = shuffled_bag(rng, _GAIT_BAG)
    while t < frames:
        first = not rows
        g = 0 if first else next(gaits)
        style = GAITS[_GAIT_NAMES[g]]
        speed = rng.uniform(*style.speed)
        turn = rng.normal(0, 0.8) if rng.random() < 0.55 and g != 0 else 0.0
        turn = float(np.clip(turn, -1.6, 1.6)) * (1.0 if speed < 3.0 else 0.5)
        strafe = 0.0
        if _GAIT_NAMES[g] in ("walk", "crouch", "jog") and rng.random() < 0.3:
            strafe = float(rng.choice([-1, 1]) * rng.uniform(0.5, 1.6)) * (0.5 if g == 2 else 1.0)
            speed *= 1.0 - 0.45 * abs(math.sin(strafe))  # side-stepping is slower
        rows.append((g, speed, turn, strafe))
        t += int(rng.uniform(1.5 if first else 2.0, 2.5 if first else 5.0) * fps)
        switches.append(t)
    end_stand = max(frames - int(2.0 * fps), 1)
    switches = [s for s in switches[:-1] if s < end_stand] + [end_stand]
    rows = rows[:len(switches) - 1] + [(0, 0.0, 0.0, 0.0)]
    onehot = np.eye(len(_GAIT_NAMES))[[r[0] for r in rows]]
    values = np.concatenate([onehot, np.array([r[1:] for r in rows])], axis=1)
    blend = int(BLEND_SECONDS * fps)
    from .common import crossfade
    mixed = crossfade(values, np.array(switches), frames, blend)
    return Commands(mixed[:, :len(_GAIT_NAMES)], mixed[:, -3], mixed[:, -2], mixed[:, -1])


def _style_mix(weights: np.ndarray, attr: str) -> np.ndarray:
    return weights @ np.array([getattr(GAITS[n], attr) for n in _GAIT_NAMES], float)


def _intervals(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (start, end) frame ranges where mask is True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0] - 1))


def _clean_contacts(contact: np.ndarray, min_swing: int, min_stance: int) -> np.ndarray:
    """Fill swings shorter than `min_swing` frames, then drop stances shorter than `min_stance`."""
    c = contact.copy()
    for s, e in _intervals(~c):
        if e - s + 1 < min_swing and s > 0 and e < len(c) - 1:
            c[s:e + 1] = True
    for s, e in _intervals(c):
        if e - s + 1 < min_stance and s > 0 and e < len(c) - 1:
            c[s:e + 1] = False
    c[0] = c[-1] = True
    return c


def _limit_stance(contact: np.ndarray, root_xz: np.ndarray, max_travel: np.ndarray, step_frames: int = 9
                  ) -> np.ndarray:
    """Take a step where the root travels more than `max_travel` metres during one stance.

    The foot lifts for `step_frames` frames and lands again to start a fresh stance.
    """
    c = contact.copy()
    step = np.concatenate([[0.0], np.linalg.norm(np.diff(root_xz, axis=0), axis=-1)])
    for s, e in _intervals(c):
        start = s
        while start <= e:
            travel = np.cumsum(step[start:e + 1]) - step[start]
            over = np.nonzero(travel > max_travel[start])[0]
            if len(over) == 0:
                break
            lift = start + int(over[0])
            c[lift:min(lift + step_frames, e + 1)] = False
            start = lift + step_frames
    c[-1] = contact[-1]
    return c


def _foot_pose(terrain: HeightField, ground_xz: np.ndarray, yaw: np.ndarray, roll: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ankle position, foot pitch and toe position of feet resting on the terrain.

    The foot pitches to the ground slope (clamped to +-0.35 rad), sits on whichever of heel or
    ball is higher, and then rolls by `roll` radians (heel off) about the fixed toe joint.
    """
    fwd = np.stack([np.sin(yaw), np.zeros_like(yaw), np.cos(yaw)], -1)
    h_heel = terrain.sample(ground_xz[:, 0], ground_xz[:, 1])
    toe_xz = ground_xz + TOE_OFFSET[2] * fwd[:, [0, 2]]
    h_toe = terrain.sample(toe_xz[:, 0], toe_xz[:, 1])
    pitch = -np.clip(np.arctan2(h_toe - h_heel, TOE_OFFSET[2]), -0.35, 0.35)
    rot = Q.mul(Q.about("y", yaw), Q.about("x", pitch))
    toe_rel = Q.rotate(rot, TOE_OFFSET)
    ankle_y = np.maximum(h_heel + ANKLE_HEIGHT, h_toe + TOE_HEIGHT - toe_rel[:, 1])
    ankle = np.stack([ground_xz[:, 0], ankle_y, ground_xz[:, 1]], -1)
    toe = ankle + toe_rel
    rolled = Q.mul(Q.about("y", yaw), Q.about("x", pitch + roll))
    ankle = toe - Q.rotate(rolled, TOE_OFFSET)
    return ankle, pitch + roll, toe


@dataclass
class FootTrack:
    """One foot over a clip: ankle position [T,3], yaw [T], pitch [T], toe bend [T], heel and toe contact [T]."""

    ankle: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    toe_bend: np.ndarray
    heel_contact: np.ndarray
    toe_contact: np.ndarray


def _smoothstep(s: np.ndarray) -> np.ndarray:
    return s * s * (3 - 2 * s)


def _foot_track(terrain: HeightField, contact: np.ndarray, root_xz: np.ndarray, facing: np.ndarray,
                side: float, clearance: np.ndarray, roll_max: np.ndarray, lateral: np.ndarray) -> FootTrack:
    """Plant the foot once per stance interval and swing it between plants."""
    T = len(contact)
    ankle = np.zeros((T, 3))
    yaw = np.zeros(T)
    pitch = np.zeros(T)
    bend = np.zeros(T)
    heel = np.zeros(T, bool)
    stances = _intervals(contact)
    lift = []  # (frame, ankle, yaw, pitch, bend) at the end of each stance
    land = []  # same at the start of each stance
    for k, (s, e) in enumerate(stances):
        frames = np.arange(s, e + 1)
        mid = 0.5 * (s + e)
        i0, a = int(np.floor(mid)), mid - np.floor(mid)
        i1 = min(i0 + 1, T - 1)
        c_xz = (1 - a) * root_xz[i0] + a * root_xz[i1]
        f_yaw = facing[i0] + a * (facing[i1] - facing[i0])
        right = np.array([-np.cos(f_yaw), np.sin(f_yaw)])
        g_xz = c_xz - side * lateral[i0] * right
        foot_yaw = f_yaw + side * 0.08
        n = len(frames)
        last = k == len(stances) - 1 or e == T - 1
        roll_s = np.zeros(n)
        if not last and n >= 4:
            start = int(round(0.7 * n))
            roll_s[start:] = roll_max[e] * _smoothstep(np.linspace(0, 1, n - start + 1)[1:])
        a_pos, f_pitch, _ = _foot_pose(terrain, np.repeat(g_xz[None], n, 0), np.full(n, foot_yaw), roll_s)
        ankle[frames], yaw[frames], pitch[frames], bend[frames] = a_pos, foot_yaw, f_pitch, roll_s
        heel[frames] = roll_s < 1e-3
        land.append((s, a_pos[0], foot_yaw, f_pitch[0], 0.0))
        lift.append((e, a_pos[-1], foot_yaw, f_pitch[-1], roll_s[-1]))
    for k in range(len(stances) - 1):
        f0, a0, y0, p0, b0 = lift[k]
        f1, a1, y1, p1, _ = land[k + 1]
        frames = np.arange(f0 + 1, f1)
        if len(frames) == 0:
            continue
        s = (frames - f0) / (f1 - f0)
        w = _smoothstep(s)[:, None]
        path = a0 + (a1 - a0) * w
        probe = np.linspace(0, 1, 9)
        px, pz = a0[0] + (a1[0] - a0[0]) * probe, a0[2] + (a1[2] - a0[2]) * probe
        obstacle = max(0.0, float(terrain.sample(px, pz).max()) + ANKLE_HEIGHT - max(a0[1], a1[1]))
        path[:, 1] += (clearance[frames] + obstacle) * np.sin(np.pi * s)
        dyaw = (y1 - y0 + np.pi) % (2 * np.pi) - np.pi
        ankle[frames] = path
        yaw[frames] = y0 + dyaw * w[:, 0]
        pitch[frames] = p0 + (p1 - p0) * w[:, 0]
        bend[frames] = b0 * (1 - _smoothstep(np.clip(s / 0.4, 0, 1)))
    return FootTrack(ankle, yaw, pitch, bend, heel & contact, contact.copy())


def _two_bone_ik(hip: np.ndarray, target: np.ndarray, pole: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World rotations of thigh and shin placing the ankle at `target` (knee towards `pole`)."""
    delta = target - hip
    d = np.linalg.norm(delta, axis=-1, keepdims=True)
    d = np.clip(d, abs(THIGH - SHIN) + 1e-4, (THIGH + SHIN) * 0.9999)
    u = delta / np.maximum(np.linalg.norm(delta, axis=-1, keepdims=True), 1e-9)
    w = pole - np.sum(pole * u, -1, keepdims=True) * u
    w = w / np.maximum(np.linalg.norm(w, axis=-1, keepdims=True), 1e-9)
    cos_a = np.clip((THIGH ** 2 + d ** 2 - SHIN ** 2) / (2 * THIGH * d), -1, 1)
    knee = hip + THIGH * (cos_a * u + np.sqrt(1 - cos_a ** 2) * w)
    ankle = hip + d * u
    return Q.frame(pole, hip - knee), Q.frame(pole, knee - ankle)


def _pelvis_height(left: "FootTrack", right: "FootTrack", root_xz: np.ndarray, root_q: np.ndarray,
                   pelvis: np.ndarray, dt: float) -> np.ndarray:
    """Hips height: `pelvis` metres above the feet's mean ground, lowered (smoothly) where a leg
    could not reach its ankle target, never more than 0.25 m."""
    feet_y = 0.5 * (left.ankle[:, 1] + right.ankle[:, 1]) - ANKLE_HEIGHT
    hips_y = smooth_exponential(feet_y, 0.08, dt) + pelvis
    lowest = hips_y - 0.25

    def reach_limit(margin: float) -> np.ndarray:
        limit = np.full(len(hips_y), np.inf)
        for foot, side in ((left, 1.0), (right, -1.0)):
            hip_rel = Q.rotate(root_q, HIP_OFFSET * np.array([side, 1, 1]))
            dh = np.linalg.norm(foot.ankle[:, [0, 2]] - (root_xz + hip_rel[:, [0, 2]]), axis=-1)
            reach = (THIGH + SHIN) * margin
            limit = np.minimum(limit, foot.ankle[:, 1] + np.sqrt(np.maximum(reach ** 2 - dh ** 2, 0.0)) - hip_rel[:, 1])
        return limit

    hips_y = np.minimum(hips_y, reach_limit(0.98))
    hips_y = np.convolve(np.pad(hips_y, 3, mode="edge"), np.ones(7) / 7, mode="valid")
    return np.maximum(np.minimum(hips_y, reach_limit(0.99)), lowest)


def _overstretched(foot: "FootTrack", root_pos: np.ndarray, root_q: np.ndarray, side: float) -> np.ndarray:
    """Frames where the ankle target lies beyond the leg's length from the hip joint."""
    hip = root_pos + Q.rotate(root_q, HIP_OFFSET * np.array([side, 1, 1]))
    return np.linalg.norm(foot.ankle - hip, axis=-1) > (THIGH + SHIN) * 0.999


def _step_at(contact: np.ndarray, trouble: np.ndarray, step_frames: int) -> np.ndarray:
    """End each stance at its first `trouble` frame and lift the foot for `step_frames` frames."""
    c = contact.copy()
    for s, e in _intervals(contact):
        bad = np.nonzero(trouble[s:e + 1])[0]
        if len(bad):
            first = s + int(bad[0])
            c[first:min(first + step_frames, e + 1)] = False
    c[0] = c[-1] = True
    return c


def generate_clip(rng: np.random.Generator, frames: int, fps: int = FPS, rough: float = 1.0
                  ) -> tuple[np.ndarray, np.ndarray, HeightField, dict[str, np.ndarray]]:
    """One clip: local positions [T,31,3], local rotations [T,31,4] (wxyz), terrain, labels."""
    dt = 1.0 / fps
    cmd = random_commands(rng, frames, fps)
    speed = np.maximum(cmd.speed, 0.0)
    facing = rng.uniform(-np.pi, np.pi) + np.concatenate([[0.0], np.cumsum(cmd.turn_rate[:-1] * dt)])
    heading = facing + cmd.strafe
    velocity = speed[:, None] * np.stack([np.sin(heading), np.cos(heading)], -1)
    root_xz = np.concatenate([[[0.0, 0.0]], np.cumsum(velocity[:-1] * dt, axis=0)])

    freq = sum(
        cmd.weights[:, g] * (GAITS[n].freq_base + GAITS[n].freq_slope * speed) for g, n in enumerate(_GAIT_NAMES))
    phase_unwrapped = rng.uniform(0, 2 * np.pi) + np.concatenate([[0.0], np.cumsum(2 * np.pi * freq[:-1] * dt)])
    still = np.clip(1.0 - speed / 0.3, 0.0, 1.0)
    # a foot cannot stay down for more than MAX_STANCE_TRAVEL metres of root travel
    max_travel = MAX_STANCE_TRAVEL * (1.0 - 0.35 * np.abs(np.sin(cmd.strafe)))
    duty = np.minimum(_style_mix(cmd.weights, "duty"), max_travel * freq / np.maximum(speed, 1e-3))
    duty = duty * (1 - still) + still
    cycle = phase_unwrapped / (2 * np.pi)
    contact_l = np.mod(cycle, 1.0) < duty
    contact_r = np.mod(cycle + 0.5, 1.0) < duty
    min_swing, min_stance = int(0.12 * fps), int(0.06 * fps)
    contact_l = _clean_contacts(contact_l, min_swing, min_stance)
    contact_r = _clean_contacts(contact_r, min_swing, min_stance)
    contact_l = _limit_stance(contact_l, root_xz, max_travel + 0.05)
    contact_r = _limit_stance(contact_r, root_xz, max_travel + 0.05)

    terrain = random_terrain(rng, root_xz.min(0), root_xz.max(0), roughness=rough)
    clearance = _style_mix(cmd.weights, "clearance")
    roll_max = 0.25 + 0.35 * np.clip(speed / 3.0, 0, 1)
    lateral = 0.09 + 0.03 * cmd.weights[:, _GAIT_NAMES.index("crouch")]

    moving = 1 - still
    twist = 0.12 * np.clip(speed / 2.0, 0, 1) * np.sin(phase_unwrapped) * moving
    lean = _style_mix(cmd.weights, "lean")
    turn_roll = -np.clip(0.08 * cmd.turn_rate * speed, -0.2, 0.2)
    root_q = Q.mul(Q.about("y", facing + twist), Q.mul(Q.about("x", 0.3 * lean), Q.about("z", turn_roll)))
    mid_stance = phase_unwrapped - np.pi * duty
    bob = _style_mix(cmd.weights, "bob") * np.cos(2 * mid_stance) * (1 - still)
    pelvis = _style_mix(cmd.weights, "pelvis") + bob

    # plant the feet, place the pelvis; where a planted leg still cannot reach, step earlier
    for _ in range(4):
        left = _foot_track(terrain, contact_l, root_xz, facing, +1.0, clearance, roll_max, lateral)
        right = _foot_track(terrain, contact_r, root_xz, facing, -1.0, clearance, roll_max, lateral)
        hips_y = _pelvis_height(left, right, root_xz, root_q, pelvis, dt)
        root_pos = np.stack([root_xz[:, 0], hips_y, root_xz[:, 1]], -1)
        over_l = _overstretched(left, root_pos, root_q, +1.0) & contact_l
        over_r = _overstretched(right, root_pos, root_q, -1.0) & contact_r
        if not (over_l.any() or over_r.any()):
            break
        contact_l = _step_at(contact_l, over_l, int(0.15 * fps))
        contact_r = _step_at(contact_r, over_r, int(0.15 * fps))

    skel = biped_skeleton()
    J = skel.num_joints
    idx = skel.index
    rot = Q.identity(frames, J)
    rot[:, 0] = root_q
    spine_q = Q.mul(Q.about("x", 0.7 * lean / 3), Q.about("y", -1.6 * twist / 3))
    for name in ("LowerBack", "Spine", "Spine1"):
        rot[:, idx(name)] = spine_q
    rot[:, idx("Neck")] = Q.about("x", -0.5 * lean)
    rot[:, idx("Neck1")] = Q.about("x", -0.4 * lean)
    rot[:, idx("Head")] = Q.mul(Q.about("x", -0.1 * lean), Q.about("z", -0.5 * turn_roll))
    swing = _style_mix(cmd.weights, "arm_swing") * np.cos(phase_unwrapped) * (0.3 + 0.7 * moving)
    elbow = _style_mix(cmd.weights, "elbow")
    rot[:, idx("LeftArm")] = Q.mul(Q.about("x", swing), Q.about("z", -1.3 * np.ones(frames)))
    rot[:, idx("RightArm")] = Q.mul(Q.about("x", -swing), Q.about("z", 1.3 * np.ones(frames)))
    rot[:, idx("LeftForeArm")] = Q.about("y", -elbow - 0.3 * np.maximum(-swing, 0))
    rot[:, idx("RightForeArm")] = Q.about("y", elbow + 0.3 * np.maximum(swing, 0))

    for foot, side, names in ((left, 1.0, ("LeftUpLeg", "LeftLeg", "LeftFoot", "LeftToeBase")),
                              (right, -1.0, ("RightUpLeg", "RightLeg", "RightFoot", "RightToeBase"))):
        hip = root_pos + Q.rotate(root_q, HIP_OFFSET * np.array([side, 1, 1]))
        foot_fwd = np.stack([np.sin(foot.yaw), np.zeros(frames), np.cos(foot.yaw)], -1)
        root_fwd = np.stack([np.sin(facing), np.zeros(frames), np.cos(facing)], -1)
        thigh_w, shin_w = _two_bone_ik(hip, foot.ankle, foot_fwd + root_fwd)
        foot_w = Q.mul(Q.about("y", foot.yaw), Q.about("x", foot.pitch))
        rot[:, idx(names[0])] = Q.mul(Q.inv(root_q), thigh_w)
        rot[:, idx(names[1])] = Q.mul(Q.inv(thigh_w), shin_w)
        rot[:, idx(names[2])] = Q.mul(Q.inv(shin_w), foot_w)
        rot[:, idx(names[3])] = Q.about("x", -foot.toe_bend)

    rot = Q.unroll(rot / np.linalg.norm(rot, axis=-1, keepdims=True))
    pos = local_positions(skel, root_pos)
    gait = np.zeros((frames, len(LABEL_GAITS)))
    for g, n in enumerate(_GAIT_NAMES):
        gait[:, GAITS[n].label] += cmd.weights[:, g]
    labels = {
        "gait": gait.astype(np.float32),
        "gait_names": np.array(LABEL_GAITS),
        "phase": np.mod(phase_unwrapped, 2 * np.pi).astype(np.float32),
        "contacts": np.stack([left.heel_contact, left.toe_contact, right.heel_contact, right.toe_contact], -1),
        "root_velocity": velocity.astype(np.float32),
        "facing": np.stack([np.sin(facing), np.cos(facing)], -1).astype(np.float32),
        "speed": speed.astype(np.float32),
        "fps": np.asarray(fps),
    }
    return pos, rot, terrain, labels


def write_clip(out: Path, name: str, rng: np.random.Generator, frames: int, fps: int = FPS) -> list[Path]:
    """Generate one clip and write `<name>.bvh`, `<name>.terrain.npz` and `<name>.labels.npz`."""
    pos, rot, terrain, labels = generate_clip(rng, frames, fps)
    out = Path(out)
    return [
        write_motion_bvh(out / f"{name}.bvh", biped_skeleton(), pos, rot, fps),
        save_height_field(out / f"{name}.terrain.npz", terrain),
        save_npz(out / f"{name}.labels.npz", **labels),
    ]
