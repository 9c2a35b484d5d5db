"""The motion of the piano generator: a seated performer playing a `Score` at a `Keyboard`.

See `piano.py` for what is modelled and its limits. Everything is in the performer's root frame
(`neuropuppet.keyboard`): hips fixed above the bench, facing +z, low keys at +x.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...keyboard import Keyboard
from ..dataset import gaussian_smooth
from ..skeleton import Skeleton
from . import _quat as Q
from .biped import ANKLE_HEIGHT, HIP_OFFSET, SHIN, THIGH, biped_skeleton
from .piano_music import LEFT, RIGHT, Score

HIPS_ABOVE_BENCH = 0.10
UPPER_ARM, FOREARM = 0.28, 0.25          # the biped skeleton's LeftArm -> LeftForeArm -> LeftHand offsets
WRIST_HOVER = 0.045                      # wrist above the key surface while a key is held
HAND_MARGIN = 0.06                       # wrist kept this far inside the keyboard's x extent
HAND_GAP = 0.13                          # least distance along x between the two wrists
SHIN_FORWARD = 0.2                       # shins lean forward this much (rad) from vertical


@dataclass(frozen=True)
class Style:
    """Per-clip performer style: how much each gesture moves (1 = typical)."""

    nod: float
    sway: float
    lean: float
    lift: float
    press: float


def random_style(rng: np.random.Generator) -> Style:
    return Style(*(float(v) for v in rng.uniform([0.5, 0.4, 0.6, 0.6, 0.7], [1.5, 1.5, 1.4, 1.4, 1.3])))


def hips_position(keyboard: Keyboard) -> np.ndarray:
    """Where the fixed Hips joint sits: above the bench's centre line, HIPS_ABOVE_BENCH over its top."""
    return np.array([keyboard.bench_x, keyboard.bench_height + HIPS_ABOVE_BENCH, 0.0])


def perform(score: Score, loudness: np.ndarray, frames: int, fps: int, keyboard: Keyboard,
            rng: np.random.Generator) -> tuple[Skeleton, np.ndarray, np.ndarray]:
    """Skeleton, local positions [T,J,3] and local rotations [T,J,4] (wxyz) of the performance."""
    style = random_style(rng)
    skel = biped_skeleton()
    idx = skel.index
    t = np.arange(frames) / fps
    loud = gaussian_smooth(loudness.astype(np.float64), 0.25 * fps)     # slow dynamics, for posture
    wrists = {hand: _wrist_track(score, hand, t, fps, loud, keyboard, style) for hand in (LEFT, RIGHT)}
    _keep_apart(wrists[LEFT], wrists[RIGHT])
    mean_x = gaussian_smooth(0.5 * (wrists[LEFT][:, 0] + wrists[RIGHT][:, 0]), 0.3 * fps)
    beat_wave = _beat_wave(score, t)
    breath = _breath(score, t)
    nod = _nods(score, t) * style.nod * (0.35 + 0.65 * loud)

    rot = Q.identity(frames, skel.num_joints)
    # legs: fixed, thighs forward on the bench, shins leaning forward, feet flat on the floor
    hip_y = hips_position(keyboard)[1] + HIP_OFFSET[1]
    knee_y = ANKLE_HEIGHT + SHIN * np.cos(SHIN_FORWARD)
    thigh_down = float(np.arcsin(np.clip((hip_y - knee_y) / THIGH, -1, 1)))
    for side in ("Left", "Right"):
        rot[:, idx(side + "UpLeg")] = Q.about("x", -(np.pi / 2 - thigh_down))
        rot[:, idx(side + "Leg")] = Q.about("x", np.pi / 2 - thigh_down - SHIN_FORWARD)
        rot[:, idx(side + "Foot")] = Q.about("x", SHIN_FORWARD)
    # torso: lean in with loudness, sway with the beat, breathe over phrases, turn towards the hands
    lean = style.lean * (0.10 + 0.14 * loud) - 0.05 * breath + 0.02 * style.sway * beat_wave[1]
    roll = -0.35 * mean_x + 0.06 * style.sway * (0.4 + 0.6 * loud) * beat_wave[0]
    twist = 0.45 * mean_x
    spine = Q.mul(Q.about("y", twist / 3), Q.mul(Q.about("x", lean / 3), Q.about("z", roll / 3)))
    for name in ("LowerBack", "Spine", "Spine1"):
        rot[:, idx(name)] = spine
    look = -0.35 * gaussian_smooth(wrists[RIGHT][:, 0] - mean_x, 0.4 * fps) - 0.6 * twist
    rot[:, idx("Neck")] = Q.mul(Q.about("y", 0.5 * look), Q.about("x", 0.12 + 0.06 * nod - 0.3 * roll))
    rot[:, idx("Head")] = Q.mul(Q.about("y", 0.5 * look), Q.about("x", 0.18 + 0.08 * nod))
    shrug = 0.05 * loud + 0.07 * breath
    rot[:, idx("LeftShoulder")] = Q.about("z", shrug)
    rot[:, idx("RightShoulder")] = Q.about("z", -shrug)

    root = np.tile(hips_position(keyboard), (frames, 1))
    pos = np.repeat(skel.offsets[None].astype(np.float64), frames, axis=0)
    pos[:, 0] = root
    world_rot, world_pos = Q.forward_kinematics(skel.parents, pos, rot)
    for hand, side, pre in ((LEFT, 1.0, "Left"), (RIGHT, -1.0, "Right")):
        shoulder = world_pos[:, idx(pre + "Arm")]
        parent = world_rot[:, idx(pre + "Shoulder")]
        wrist = wrists[hand]
        elbow = _elbow(shoulder, wrist, np.array([0.9 * side, -1.0, -0.35]))
        upper_dir, fore_dir = _unit(elbow - shoulder), _unit(wrist - elbow)
        upper = _bone_frame(side * upper_dir, fore_dir, "z")
        fore = _bone_frame(side * fore_dir, np.array([0.0, 1.0, 0.0]), "y")
        pitch = 0.10 + 0.08 * _press(score, hand, t, style)
        heading = _unit(np.stack([0.5 * fore_dir[:, 0], np.zeros(frames), 0.5 * fore_dir[:, 2] + 0.5], -1))
        fingers = heading * np.cos(pitch)[:, None] + np.array([0.0, -1.0, 0.0]) * np.sin(pitch)[:, None]
        palm = _bone_frame(side * fingers, np.array([0.0, 1.0, 0.0]), "y")
        rot[:, idx(pre + "Arm")] = Q.mul(Q.inv(parent), upper)
        rot[:, idx(pre + "ForeArm")] = Q.mul(Q.inv(upper), fore)
        rot[:, idx(pre + "Hand")] = Q.mul(Q.inv(fore), palm)
    return skel, pos, Q.unroll(rot / np.linalg.norm(rot, axis=-1, keepdims=True))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _bone_frame(x_axis: np.ndarray, hint: np.ndarray, hint_axis: str) -> np.ndarray:
    """World rotations [T,4] taking local +x to `x_axis` [T,3] and local `hint_axis` ("y" or "z") as close
    to `hint` as the x axis allows."""
    x = _unit(x_axis)
    h = np.broadcast_to(hint, x.shape)
    h = _unit(h - np.sum(h * x, -1, keepdims=True) * x)
    if hint_axis == "y":
        y, z = h, np.cross(x, h)
    else:
        z, y = h, np.cross(h, x)
    return Q.from_matrix(np.stack([x, y, z], axis=-1))


def _elbow(shoulder: np.ndarray, wrist: np.ndarray, pole: np.ndarray) -> np.ndarray:
    """Elbow positions [T,3] of an UPPER_ARM + FOREARM chain from `shoulder` reaching `wrist`, bent towards
    `pole` (law of cosines; the targets are placed within reach, see `_wrist_track`)."""
    delta = wrist - shoulder
    d = np.clip(np.linalg.norm(delta, axis=-1, keepdims=True), abs(UPPER_ARM - FOREARM) + 1e-4,
                (UPPER_ARM + FOREARM) * 0.9999)
    u = _unit(delta)
    w = _unit(pole - np.sum(pole * u, -1, keepdims=True) * u)
    cos_a = np.clip((UPPER_ARM ** 2 + d ** 2 - FOREARM ** 2) / (2 * UPPER_ARM * d), -1, 1)
    return shoulder + UPPER_ARM * (cos_a * u + np.sqrt(1 - cos_a ** 2) * w)


def _hand_events(score: Score, hand: int) -> np.ndarray:
    """Rows (onset, offset, mean pitch, max velocity, black-key share) of the hand's notes grouped by onset."""
    notes = score.notes[score.notes[:, 4] == hand]
    if len(notes) == 0:
        return np.zeros((0, 5))
    groups = np.concatenate([[0], np.cumsum(np.diff(notes[:, 0]) > 0.01)])
    rows = []
    for g in range(groups[-1] + 1):
        n = notes[groups == g]
        black = np.isin(np.mod(n[:, 2], 12), (1, 3, 6, 8, 10)).mean()
        rows.append((n[0, 0], n[:, 1].max(), n[:, 2].mean(), n[:, 3].max(), black))
    return np.array(rows)


def _wrist_track(score: Score, hand: int, t: np.ndarray, fps: int, loud: np.ndarray, keyboard: Keyboard,
                 style: Style) -> np.ndarray:
    """Wrist positions [T,3]: over the key being played (still around each onset), moving to the next
    chord/note in the middle of the gap between onsets with a lift that grows with the jump and the loudness, pressing on
    onsets, hovering higher in loud passages, and raised a little when the hand rests."""
    ev = _hand_events(score, hand)
    T = len(t)
    if len(ev) == 0:
        x = np.full(T, keyboard.key_x(48 if hand == LEFT else 72))
        return np.stack([x, np.full(T, keyboard.surface_y + WRIST_HOVER + 0.03), np.full(T, keyboard.front_z + 0.04)], -1)
    xs = keyboard.key_x(ev[:, 2])
    lo, hi = keyboard.right_x + HAND_MARGIN, keyboard.left_x - HAND_MARGIN
    xs = np.clip(xs, lo, hi)
    zs = keyboard.front_z + 0.035 + 0.04 * ev[:, 4]
    x = np.full(T, xs[0])
    z = np.full(T, zs[0])
    arc = np.zeros(T)
    for i in range(1, len(ev)):
        gap = ev[i, 0] - ev[i - 1, 0]
        move = min(0.7 * gap, 0.6)                   # centred in the gap: still around both onsets
        s = (t - (ev[i - 1, 0] + 0.5 * (gap - move))) / move
        inside = (s > 0) & (s < 1)
        after = s >= 1
        w = np.clip(s, 0, 1)
        w = w * w * (3 - 2 * w)
        x = np.where(inside | after, xs[i - 1] + (xs[i] - xs[i - 1]) * w, x)
        z = np.where(inside | after, zs[i - 1] + (zs[i] - zs[i - 1]) * w, z)
        height = style.lift * (0.006 + 0.02 * ev[i, 3]) + min(0.25 * abs(xs[i] - xs[i - 1]), 0.05)
        arc = np.where(inside, np.maximum(arc, height * np.sin(np.pi * s) ** 2), arc)
    # resting: raised while nothing of this hand sounds (before, after, in rests)
    sounding = np.zeros(T)
    for on, off in ev[:, :2]:
        sounding = np.maximum(sounding, ((t >= on - 0.25) & (t <= off + 0.2)).astype(float))
    rest = gaussian_smooth(1.0 - sounding, 0.12 * fps)
    dip = _press(score, hand, t, style)
    y = (keyboard.surface_y + WRIST_HOVER + style.lift * 0.03 * loud + arc - 0.016 * dip + 0.03 * rest)
    return np.stack([x, y, z], -1)


def _press(score: Score, hand: int, t: np.ndarray, style: Style) -> np.ndarray:
    """Key-press depth in [0, 1] over time: down on each onset (deeper when louder), back up half-way to the
    neighbouring onsets (at most 0.3 s away) along raised cosines, so the hand is still at the onset itself."""
    ev = _hand_events(score, hand)
    out = np.zeros(len(t))
    onsets = ev[:, 0]
    for i, (on, vel) in enumerate(zip(onsets, ev[:, 3])):
        before = 0.5 * (on - onsets[i - 1]) if i > 0 else 0.3
        after = 0.5 * (onsets[i + 1] - on) if i + 1 < len(onsets) else 0.3
        for a, b, width in ((on - min(before, 0.3), on, min(before, 0.3)), (on, on + min(after, 0.3), min(after, 0.3))):
            near = (t >= a) & (t <= b)
            shape = 0.5 * (1 + np.cos(np.pi * (t[near] - on) / max(width, 1e-6)))
            out[near] = np.maximum(out[near], (0.45 + 0.55 * vel) * shape)
    return np.clip(out * style.press, 0.0, 1.0)


def _keep_apart(left: np.ndarray, right: np.ndarray) -> None:
    """Push the wrists apart along x (in place) where they come closer than HAND_GAP (left hand at larger x)."""
    short = np.maximum(HAND_GAP - (left[:, 0] - right[:, 0]), 0.0)
    left[:, 0] += 0.5 * short
    right[:, 0] -= 0.5 * short


def _beat_wave(score: Score, t: np.ndarray) -> np.ndarray:
    """[2, T]: a side-to-side wave with a period of two beats (extremes on beats) and a rocking wave of one bar
    (leaning in on downbeats), both 0 before the first beat."""
    beats = score.beats
    if len(beats) < 2:
        return np.zeros((2, len(t)))
    period = beats[1] - beats[0]
    phase = (t - beats[0]) / period
    on = np.clip((t - beats[0] + period) / period, 0, 1) * np.clip((beats[-1] + period - t) / period, 0, 1)
    return np.stack([np.cos(np.pi * phase) * on, np.cos(2 * np.pi * phase / score.meter) * on])


def _nods(score: Score, t: np.ndarray) -> np.ndarray:
    """Head nods: down on every beat (deeper on downbeats), up half-way between, [T] in [0, 1]."""
    out = np.zeros(len(t))
    period = score.beats[1] - score.beats[0] if len(score.beats) > 1 else 0.5
    for i, b in enumerate(score.beats):
        near = np.abs(t - b) < 0.5 * period
        depth = 1.0 if i % score.meter == 0 else 0.6
        out[near] = np.maximum(out[near], depth * 0.5 * (1 + np.cos(2 * np.pi * (t[near] - b) / period)))
    return out


def _breath(score: Score, t: np.ndarray) -> np.ndarray:
    """Breathing over phrases, [T] in [0, 1]: an inhale peaking at each phrase start, exhaling through the phrase."""
    starts = np.concatenate([score.phrase_starts, [score.beats[-1]]])
    out = np.zeros(len(t))
    for a, b in zip(starts[:-1], starts[1:]):
        u = (t - a) / (b - a)
        inside = (u >= -0.15) & (u < 0.85)
        shape = np.where(u < 0, 0.5 * (1 - np.cos(np.pi * (u + 0.15) / 0.15)), 0.5 * (1 + np.cos(np.pi * u / 0.85)))
        out = np.where(inside, np.maximum(out, shape), out)
    return gaussian_smooth(out, 6.0)
