"""Procedural dog-like quadruped locomotion on flat ground, with the footfall pattern of each gait.

What it models
  * A 31-joint skeleton: pelvis, three spine joints, two neck joints, head and jaw, three tail
    joints, four legs of four segments (scapula/hip, upper, lower, metacarpal/metatarsal) and a paw
    joint at the ground end of each (the contact joints: PAW_JOINTS).
  * Gaits and actions (label order): idle, walk, pace, trot, canter, sit, stand (rear up on the hind
    legs), jump, lie (down on the belly, front paws stretched forward, and up again), switching
    every 2-5 s (still ones 1.5-3.5 s, jump 1 s; often a still one then a moving one: starts from rest)
    and cross-faded over ~0.4 s; clips start and end idle. One gait cycle
    phase drives all legs; each leg lands when the phase reaches its offset (fraction of the cycle):
        walk   4-beat lateral sequence  LH 0, LF .25, RH .5, RF .75   (duty ~.65)
        pace   lateral pairs            LH=LF 0,  RH=RF .5           (duty ~.5)
        trot   diagonal pairs           LH=RF 0,  RH=LF .5           (duty ~.45)
        canter 3-beat, right lead       LH 0, RH=LF .3, RF .6         (duty ~.35)
    idle, sit and lie keep all four paws down, stand the hind paws (the front paws are held up in
    front of the raised chest); jump is a ballistic hop with all paws up. While the dog stands
    still the phase does not advance but settles on START_PHASE, so every start from standstill lifts
    the paws in the same order (a network can learn to start walking from rest).
  * Lying down and getting up move the paws between their standing and lying places (they are
    lifted for those ~0.4 s: not in contact).
  * Paws are planted at fixed ground points during stance and swung in arcs between plants;
    the upper two segments of each leg are solved by two-bone IK (front elbows bend back, hind
    stifles forward) with the metacarpal kept vertical.

Labels (`<name>.labels.npz`): gait [T,8] (weights, names in `gait_names`), contacts [T,4]
(LF, RF, LH, RH paws), phase [T] in [0, 2pi), root_velocity [T,2], facing [T,2], speed [T].

Limits: flat ground only (no terrain file), no gallop, no spine-driven propulsion or balance,
transitions blend footfall offsets linearly (mixed patterns for ~0.4 s), legs may stretch to full
length (slipping) in the rare frames where the body outruns a planted paw.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..skeleton import Skeleton
from . import _quat as Q
from .biped import _clean_contacts, _intervals, _limit_stance, _smoothstep, _step_at
from .common import FPS, crossfade, shuffled_bag, local_positions, save_npz, write_motion_bvh

GAIT_NAMES = ("idle", "walk", "pace", "trot", "canter", "sit", "stand", "jump", "lie")
STATIONARY = ("idle", "sit", "stand", "lie")
LEGS = ("LF", "RF", "LH", "RH")  # contact column order
UPPER, LOWER, META, PAW = 0.17, 0.17, 0.09, 0.02
BODY_HEIGHT = 0.47
MAX_STANCE_TRAVEL = 0.3

_J: list[tuple[str, str | None, tuple[float, float, float]]] = [
    ("Hips", None, (0, 0, 0)),
    ("Spine", "Hips", (0, 0.02, 0.12)), ("Spine1", "Spine", (0, 0.0, 0.14)), ("Spine2", "Spine1", (0, 0.0, 0.14)),
    ("Neck", "Spine2", (0, 0.05, 0.08)), ("Neck1", "Neck", (0, 0.08, 0.06)), ("Head", "Neck1", (0, 0.06, 0.06)),
    ("Jaw", "Head", (0, -0.04, 0.06)),
    ("LeftScapula", "Spine2", (0.08, -0.03, 0.02)), ("LeftArm", "LeftScapula", (0, -0.07, 0)),
    ("LeftForeArm", "LeftArm", (0, -UPPER, 0)), ("LeftHand", "LeftForeArm", (0, -LOWER, 0)),
    ("LeftHandPaw", "LeftHand", (0, -META, 0)),
    ("RightScapula", "Spine2", (-0.08, -0.03, 0.02)), ("RightArm", "RightScapula", (0, -0.07, 0)),
    ("RightForeArm", "RightArm", (0, -UPPER, 0)), ("RightHand", "RightForeArm", (0, -LOWER, 0)),
    ("RightHandPaw", "RightHand", (0, -META, 0)),
    ("Tail", "Hips", (0, 0.02, -0.08)), ("Tail1", "Tail", (0, 0, -0.1)), ("Tail2", "Tail1", (0, 0, -0.1)),
    ("LeftHip", "Hips", (0.08, -0.03, -0.02)), ("LeftUpLeg", "LeftHip", (0, -0.07, 0)),
    ("LeftLeg", "LeftUpLeg", (0, -UPPER, 0)), ("LeftFoot", "LeftLeg", (0, -LOWER, 0)),
    ("LeftFootPaw", "LeftFoot", (0, -META, 0)),
    ("RightHip", "Hips", (-0.08, -0.03, -0.02)), ("RightUpLeg", "RightHip", (0, -0.07, 0)),
    ("RightLeg", "RightUpLeg", (0, -UPPER, 0)), ("RightFoot", "RightLeg", (0, -LOWER, 0)),
    ("RightFootPaw", "RightFoot", (0, -META, 0)),
]
_LEG_JOINTS = {"LF": ("LeftArm", "LeftForeArm", "LeftHand"), "RF": ("RightArm", "RightForeArm", "RightHand"),
               "LH": ("LeftUpLeg", "LeftLeg", "LeftFoot"), "RH": ("RightUpLeg", "RightLeg", "RightFoot")}
PAW_JOINTS = {"LF": "LeftHandPaw", "RF": "RightHandPaw", "LH": "LeftFootPaw", "RH": "RightFootPaw"}
"""The joint at the ground point of each paw (the contact joints, in LEGS order)."""


def quadruped_skeleton() -> Skeleton:
    """The 31-joint dog skeleton (metres, ~0.55 m at the withers, facing +Z, legs straight down).

    Joints are in depth-first order, the order a BVH file lists them.
    """
    names = [n for n, _, _ in _J]
    parents = [-1 if p is None else names.index(p) for _, p, _ in _J]
    ends = {names.index(n): np.array(o, np.float32) for n, o in [
        ("Jaw", (0, 0, 0.1)), ("Tail2", (0, 0, -0.1))] + [(paw, (0, -PAW, 0.04)) for paw in PAW_JOINTS.values()]}
    return Skeleton(tuple(names), np.array(parents), np.array([o for _, _, o in _J], np.float32), ends)


@dataclass(frozen=True)
class QuadGait:
    """speed range (m/s), stride frequency base + slope*speed (Hz), duty, landing offsets (LF, RF, LH, RH)."""

    speed: tuple[float, float]
    freq_base: float
    freq_slope: float
    duty: float
    offsets: tuple[float, float, float, float]
    clearance: float = 0.06


GAITS: dict[str, QuadGait] = {
    "idle": QuadGait((0, 0), 1.0, 0.0, 1.0, (0.25, 0.75, 0.0, 0.5)),
    "walk": QuadGait((0.4, 1.0), 1.0, 0.8, 0.65, (0.25, 0.75, 0.0, 0.5)),
    "pace": QuadGait((1.0, 1.8), 1.6, 0.4, 0.5, (0.0, 0.5, 0.0, 0.5)),
    "trot": QuadGait((1.4, 2.4), 1.8, 0.3, 0.45, (0.5, 0.0, 0.0, 0.5), 0.08),
    "canter": QuadGait((2.6, 3.6), 2.2, 0.2, 0.35, (0.3, 0.6, 0.0, 0.3), 0.1),
    "sit": QuadGait((0, 0), 1.0, 0.0, 1.0, (0.25, 0.75, 0.0, 0.5)),
    "stand": QuadGait((0, 0), 1.0, 0.0, 1.0, (0.25, 0.75, 0.0, 0.5)),
    "jump": QuadGait((2.0, 2.5), 1.2, 0.0, 1.0, (0.25, 0.75, 0.0, 0.5), 0.15),
    "lie": QuadGait((0, 0), 1.0, 0.0, 1.0, (0.25, 0.75, 0.0, 0.5)),
}
_I = {n: i for i, n in enumerate(GAIT_NAMES)}
# one round of segments, shuffled as runs: starts from standstill (a still gait, then a moving one) are
# common, walk is in half of the runs (the 4-beat walk and starting to walk need the most data)
_GAIT_RUNS = [tuple(_I[n] for n in run) for run in (
    ("idle", "walk"), ("idle", "walk"), ("idle", "trot"), ("idle", "pace"), ("sit", "walk"), ("stand", "walk"),
    ("lie", "walk"), ("walk",), ("walk", "trot"), ("trot", "canter"), ("pace",), ("canter",), ("walk", "canter"),
    ("jump",), ("trot",))]
STILL_SECONDS, MOVE_SECONDS = (1.5, 3.5), (2.0, 5.0)
START_PHASE = 0.0           # where the phase settles (radians) while the dog stands still
PHASE_SETTLE = 4.0          # 1/s: how fast it settles there
# body-frame ground points under each paw at rest (x lateral, z forward, relative to the root), standing and lying
_PAW_REST = {"LF": (0.08, 0.42), "RF": (-0.08, 0.42), "LH": (0.08, -0.02), "RH": (-0.08, -0.02)}
_PAW_LIE = {"LF": (0.09, 0.66), "RF": (-0.09, 0.66), "LH": (0.16, 0.08), "RH": (-0.16, 0.08)}
LIE_HEIGHT, REAR_PITCH = 0.2, -0.95     # root height lying (m); body pitch reared up (rad, nose up)


def _ik(hip, target, pole, l1, l2):
    delta = target - hip
    d = np.clip(np.linalg.norm(delta, axis=-1, keepdims=True), abs(l1 - l2) + 1e-4, (l1 + l2) * 0.9999)
    u = delta / np.maximum(np.linalg.norm(delta, axis=-1, keepdims=True), 1e-9)
    w = pole - np.sum(pole * u, -1, keepdims=True) * u
    w = w / np.maximum(np.linalg.norm(w, axis=-1, keepdims=True), 1e-9)
    cos_a = np.clip((l1 ** 2 + d ** 2 - l2 ** 2) / (2 * l1 * d), -1, 1)
    knee = hip + l1 * (cos_a * u + np.sqrt(1 - cos_a ** 2) * w)
    return Q.frame(pole, hip - knee), Q.frame(pole, knee - (hip + d * u))


def generate_clip(rng: np.random.Generator, frames: int, fps: int = FPS):
    """One clip: local positions [T,27,3], rotations [T,27,4] (wxyz) and labels."""
    dt = 1.0 / fps
    switches, rows, t = [0], [], 0
    runs = (_GAIT_RUNS[i] for i in shuffled_bag(rng, list(range(len(_GAIT_RUNS)))))
    queue: list[int] = []
    while t < frames:
        if not queue:
            queue = list(next(runs))
        g = _I["idle"] if not rows else queue.pop(0)
        if g == _I["jump"] and rows and rows[-1][0] == _I["jump"]:
            g = _I["walk"]
        style = GAITS[GAIT_NAMES[g]]
        speed = rng.uniform(*style.speed)
        turn = float(np.clip(rng.normal(0, 0.5), -1, 1)) if speed > 0 and g != _I["jump"] and rng.random() < 0.5 else 0.0
        rows.append((g, speed, turn))
        span = (1.0, 1.0) if g == _I["jump"] else STILL_SECONDS if GAIT_NAMES[g] in STATIONARY else MOVE_SECONDS
        t += int(rng.uniform(*span) * fps)
        switches.append(t)
    end = max(frames - int(1.5 * fps), 1)
    switches = [s for s in switches[:-1] if s < end] + [end]
    rows = rows[:len(switches) - 1] + [(_I["idle"], 0.0, 0.0)]
    onehot = np.eye(len(GAIT_NAMES))[[r[0] for r in rows]]
    offs = np.array([GAITS[GAIT_NAMES[r[0]]].offsets for r in rows])
    values = np.concatenate([onehot, np.array([r[1:] for r in rows]), np.cos(2 * np.pi * offs), np.sin(2 * np.pi * offs)], 1)
    mixed = crossfade(values, np.array(switches), frames, int(0.4 * fps))
    G = len(GAIT_NAMES)
    weights, speed, turn = mixed[:, :G], np.maximum(mixed[:, G], 0), mixed[:, G + 1]
    offsets = np.mod(np.arctan2(mixed[:, G + 6:G + 10], mixed[:, G + 2:G + 6]) / (2 * np.pi), 1.0)

    def mix(attr):
        return weights @ np.array([getattr(GAITS[n], attr) for n in GAIT_NAMES], float)

    facing = rng.uniform(-np.pi, np.pi) + np.concatenate([[0.0], np.cumsum(turn[:-1] * dt)])
    velocity = speed[:, None] * np.stack([np.sin(facing), np.cos(facing)], -1)
    root_xz = np.concatenate([[[0.0, 0.0]], np.cumsum(velocity[:-1] * dt, axis=0)])
    freq = sum(weights[:, g] * (GAITS[n].freq_base + GAITS[n].freq_slope * speed) for g, n in enumerate(GAIT_NAMES))
    still = np.clip(1.0 - speed / 0.2, 0.0, 1.0)
    phase = _phase(rng.uniform(0, 2 * np.pi), freq, still, dt)
    duty = np.minimum(mix("duty"), MAX_STANCE_TRAVEL * freq / np.maximum(speed, 1e-3)) * (1 - still) + still
    jump = weights[:, _I["jump"]]
    rear, lie = weights[:, _I["stand"]], weights[:, _I["lie"]]
    flight = jump > 0.5
    shifting = (lie > 0.03) & (lie < 0.97)         # paws moving between their standing and lying places
    cycle = phase / (2 * np.pi)
    contacts = {}
    for k, leg in enumerate(LEGS):
        c = (np.mod(cycle - offsets[:, k], 1.0) < duty) & ~flight & ~shifting
        if leg[1] == "F":
            c &= rear <= 0.03                       # front paws up while reared
        c = _clean_contacts(c, int(0.08 * fps), int(0.04 * fps))
        contacts[leg] = _limit_stance(c, root_xz, np.full(frames, MAX_STANCE_TRAVEL + 0.03))

    # root height: lower when sitting, reared or lying, ballistic arc during a jump
    sit = weights[:, _I["sit"]]
    root_y = (BODY_HEIGHT - 0.16 * sit - 0.06 * rear - (BODY_HEIGHT - LIE_HEIGHT) * lie
              + 0.01 * np.sin(2 * phase) * (1 - still))
    hop = np.zeros(frames)
    for s, e in _intervals(flight):
        x = np.linspace(0, 1, e - s + 1)
        hop[s:e + 1] = 0.35 * 4 * x * (1 - x)
    root_y = root_y + hop
    pitch = -0.45 * sit + REAR_PITCH * rear + 0.05 * np.sin(phase) * weights[:, _I["canter"]]
    root_q = Q.mul(Q.about("y", facing), Q.about("x", pitch))
    root_pos = np.stack([root_xz[:, 0], root_y, root_xz[:, 1]], -1)

    skel = quadruped_skeleton()
    idx = skel.index
    rot = Q.identity(frames, skel.num_joints)
    rot[:, 0] = root_q
    rot[:, idx("Spine")] = Q.about("x", 0.04 * np.sin(phase) * weights[:, _I["canter"]])
    rot[:, idx("Neck")] = Q.about("x", -0.5 + 0.4 * sit + 0.6 * rear + 0.15 * lie - 0.25 * weights[:, 0]
                                  + 0.05 * np.sin(2 * phase) * (1 - still))
    rot[:, idx("Head")] = Q.about("x", 0.45 - 0.3 * sit)
    wag = 0.5 * np.sin(2 * np.pi * 2.5 * np.arange(frames) * dt) * (weights[:, 0] + rear + lie)
    for n in ("Tail", "Tail1", "Tail2"):
        rot[:, idx(n)] = Q.mul(Q.about("y", wag / 3), Q.about("x", -0.25))
    _, world = Q.forward_kinematics(skel.parents, local_positions(skel, root_pos), rot)
    clearance = mix("clearance") + 0.2 * jump
    fwd = np.stack([np.sin(facing), np.zeros(frames), np.cos(facing)], -1)
    raise_front = _smoothstep(np.clip((rear - 0.03) / 0.97, 0.0, 1.0))[:, None]
    for k, leg in enumerate(LEGS):
        upper, lower, meta = _LEG_JOINTS[leg]
        hip = world[:, idx(upper)]
        rest = np.array(_PAW_REST[leg]) + lie[:, None] * (np.array(_PAW_LIE[leg]) - np.array(_PAW_REST[leg]))
        for _ in range(4):  # where a planted paw is out of reach, take a step instead of slipping
            target = _paw_track(contacts[leg], root_xz, facing, rest, clearance)
            wrist = target + np.array([0.0, META + PAW, 0.0])
            if leg[1] == "F":               # reared: the wrist held in front of and below the shoulder
                wrist = wrist + raise_front * (hip + 0.12 * fwd + np.array([0.0, -0.2, 0.0]) - wrist)
            over = (np.linalg.norm(wrist - hip, axis=-1) > (UPPER + LOWER) * 0.999) & contacts[leg]
            if not over.any():
                break
            contacts[leg] = _step_at(contacts[leg], over, int(0.1 * fps))
        down = np.array([0.0, -1.0, 0.0])
        if leg[1] == "F":                   # elbows bend back; lying, down (the forearms flat on the ground)
            pole = -fwd * (1 - lie[:, None]) + down * lie[:, None]
        else:                               # stifles forward; lying, also up (the hind legs folded)
            pole = fwd - 0.5 * down * lie[:, None]
        pole = pole / np.linalg.norm(pole, axis=-1, keepdims=True)
        up_w, low_w = _ik(hip, wrist, pole, UPPER, LOWER)
        parent_w = Q.mul(root_q, rot[:, idx("Spine")]) if leg[1] == "F" else root_q
        rot[:, idx(upper)] = Q.mul(Q.inv(parent_w), up_w)
        rot[:, idx(meta)] = Q.mul(Q.inv(low_w), Q.about("y", facing))  # metacarpal vertical
        rot[:, idx(lower)] = Q.mul(Q.inv(up_w), low_w)
    rot = Q.unroll(rot / np.linalg.norm(rot, axis=-1, keepdims=True))
    labels = {
        "gait": weights.astype(np.float32), "gait_names": np.array(GAIT_NAMES),
        "contacts": np.stack([contacts[leg] for leg in LEGS], -1),
        "phase": np.mod(phase, 2 * np.pi).astype(np.float32),
        "root_velocity": velocity.astype(np.float32),
        "facing": np.stack([np.sin(facing), np.cos(facing)], -1).astype(np.float32),
        "speed": speed.astype(np.float32), "fps": np.asarray(fps),
    }
    return local_positions(skel, root_pos), rot, labels


def _phase(start: float, freq: np.ndarray, still: np.ndarray, dt: float) -> np.ndarray:
    """Gait phase [T] (radians, unwrapped): advances at `freq` Hz while moving; while standing still
    (`still` -> 1) it stops and settles on START_PHASE at PHASE_SETTLE per second."""
    out = np.empty(len(freq))
    p = float(start)
    for t in range(len(freq)):
        out[t] = p
        pull = (START_PHASE - p + np.pi) % (2 * np.pi) - np.pi
        p += (2 * np.pi * freq[t] * (1.0 - still[t]) + still[t] * PHASE_SETTLE * pull) * dt
    return out


def _paw_track(contact, root_xz, facing, rest, clearance) -> np.ndarray:
    """Paw ground point [T,3]: fixed per stance interval (at `rest` [T, 2] in the body frame at mid-stance),
    smooth arcs between stances."""
    T = len(contact)
    out = np.zeros((T, 3))
    plants = []
    for s, e in _intervals(contact):
        m = (s + e) // 2
        yaw = facing[m]
        right = np.array([np.cos(yaw), -np.sin(yaw)])
        fwd = np.array([np.sin(yaw), np.cos(yaw)])
        p = root_xz[m] + rest[m, 0] * right + rest[m, 1] * fwd
        out[s:e + 1] = [p[0], 0.0, p[1]]
        plants.append((s, e, out[s].copy()))
    for (s0, e0, a), (s1, e1, b) in zip(plants[:-1], plants[1:]):
        f = np.arange(e0 + 1, s1)
        if len(f):
            x = (f - e0) / (s1 - e0)
            out[f] = a + (b - a) * _smoothstep(x)[:, None]
            out[f, 1] = clearance[f] * np.sin(np.pi * x)
    return out


def write_clip(out: Path, name: str, rng: np.random.Generator, frames: int, fps: int = FPS) -> list[Path]:
    """Generate one clip and write `<name>.bvh` and `<name>.labels.npz`."""
    pos, rot, labels = generate_clip(rng, frames, fps)
    out = Path(out)
    return [write_motion_bvh(out / f"{name}.bvh", quadruped_skeleton(), pos, rot, fps),
            save_npz(out / f"{name}.labels.npz", **labels)]
