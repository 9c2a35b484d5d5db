"""MANN training data: quadruped BVH clips (+ labels where present) -> (X, Y) rows.

Per clip `<name>.bvh` the builder reads `<name>.labels.npz` when present (the quadruped generator's:
gait [T, G] with `gait_names`, contacts [T, F] in the config's feet order, speed [T]); gait columns
are matched by name to the config's `gaits`. Without labels: contacts from foot height and speed, gait
`idle_gait` below 0.2 m/s and `unlabelled_gait` above, speed = root speed.

Row i (for frames 61 <= i < T - 60 at 60 fps) maps the state at frame i-1 to frame i, laid out as in
`neuropuppet.controllers.mann.features`. The root is the hips joint projected to the ground, its facing
perpendicular to the config's hip and shoulder pairs (`neuropuppet.motion.dataset.root_trajectory`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from neuropuppet.controllers.mann.features import FPS, FUTURE_SAMPLES, TRAJ_PAST, TRAJ_SAMPLES, TRAJ_STEP, MANNFeatures
from neuropuppet.errors import MotionDataError
from neuropuppet.motion.bvh import read_bvh, resample
from neuropuppet.training import find_clips  # noqa: F401  (re-exported: the trainer and tests read it here)
from neuropuppet.motion.dataset import foot_contacts, gaussian_smooth, root_trajectory, to_root_frame, to_root_frame_xz
from neuropuppet.motion.rotations import quat_rotate
from neuropuppet.motion.skeleton import Skeleton

MARGIN = TRAJ_PAST * TRAJ_STEP + 1      # 61 frames of history before the first row
TAIL = FUTURE_SAMPLES * TRAJ_STEP       # 60 frames of future after the last row
IDLE_SPEED = 0.2


@dataclass
class ClipData:
    """One clip at 60 fps in world space with its per-frame labels (gait columns in config order)."""

    name: str
    skeleton: Skeleton
    world_pos: np.ndarray      # [T, J, 3]
    world_rot: np.ndarray      # [T, J, 4]
    root: np.ndarray           # [T, 2] hips on the ground (x, z)
    facing: np.ndarray         # [T, 2] unit (x, z)
    gait: np.ndarray           # [T, G]
    contacts: np.ndarray       # [T, F]
    speed: np.ndarray          # [T] desired speed, m/s

    @property
    def frames(self) -> int:
        return len(self.root)


@dataclass
class MANNDataset:
    """Rows of a built dataset (see module docstring); `clip` indexes `clips`."""

    X: np.ndarray
    Y: np.ndarray
    clip: np.ndarray
    clips: list[str]
    skeleton: Skeleton
    gaits: tuple[str, ...]
    feet: tuple[str, ...]
    gait_speeds: dict[str, float] = field(default_factory=dict)
    rest_joints: np.ndarray | None = None       # [J, 12] a standing frame's joint features
    truth: dict[str, np.ndarray] = field(default_factory=dict)    # per-row labels for the report

    def __len__(self) -> int:
        return int(self.X.shape[0])

    @property
    def features(self) -> MANNFeatures:
        return MANNFeatures.build(self.skeleton.num_joints, self.gaits,
                                  tuple(self.skeleton.index(f) for f in self.feet))


def joint_indices(skeleton: Skeleton, names: Sequence[str], what: str, source: Path) -> list[int]:
    missing = [n for n in names if n not in skeleton.names]
    if missing:
        raise MotionDataError(f"{source}: the configured {what} {', '.join(missing)} are not joints of this BVH "
                              f"(joints: {', '.join(skeleton.names)}); set `{what}` in the mann config")
    return [skeleton.names.index(n) for n in names]


def _labels(path: Path, frames: int, src_frames: int, gaits: Sequence[str], feet: int) -> dict[str, np.ndarray]:
    """The clip's labels resampled to `frames`, gait columns reordered to `gaits` (MotionDataError when they
    do not fit the clip)."""
    with np.load(path) as f:
        got = {k: f[k] for k in f.files}
    n = len(got.get("gait", got.get("contacts", [])))
    if n != src_frames:
        raise MotionDataError(f"{path}: labels have {n} frames but the clip has {src_frames}; they do not belong "
                              "to the same motion")
    near = np.clip(np.round(np.linspace(0, n - 1, frames)).astype(int), 0, n - 1)
    out: dict[str, np.ndarray] = {}
    if "gait" in got:
        names = [str(s) for s in got["gait_names"]] if "gait_names" in got else list(gaits)
        unknown = [g for g in gaits if g not in names]
        if unknown or got["gait"].shape[1] != len(names):
            raise MotionDataError(f"{path}: labels name gaits {names}; the config's gaits {list(gaits)} need "
                                  f"{', '.join(unknown) or 'one column per name'}")
        out["gait"] = got["gait"][near][:, [names.index(g) for g in gaits]].astype(np.float32)
    if "contacts" in got:
        if got["contacts"].shape[1] != feet:
            raise MotionDataError(f"{path}: labels have {got['contacts'].shape[1]} contact columns; the config "
                                  f"names {feet} feet")
        out["contacts"] = got["contacts"][near].astype(np.float32)
    if "speed" in got:
        out["speed"] = got["speed"][near].astype(np.float32)
    return out


def load_clip(path: Path, cfg) -> ClipData:
    """Read one BVH clip (+ labels) at 60 fps in metres; `cfg` is a MANNTrainConfig."""
    motion = read_bvh(path, cfg.bvh_scale or 1.0)
    src_frames = motion.num_frames
    if abs(motion.fps - FPS) > 0.5:
        motion = resample(motion, FPS)
    t = motion.num_frames
    if t < MARGIN + TAIL + 1:
        raise MotionDataError(f"{path}: {t} frames at 60 fps; MANN needs at least {MARGIN + TAIL + 1}")
    sk = motion.skeleton
    feet = joint_indices(sk, cfg.feet, "feet", path)
    hips, shoulders = cfg.hips, cfg.shoulders
    joint_indices(sk, list(hips) + list(shoulders), "hips/shoulders", path)
    wp, wr = motion.world()
    root3, fwd = root_trajectory(motion, hips=tuple(hips), shoulders=tuple(shoulders))
    facing = fwd[:, [0, 2]] / np.maximum(np.linalg.norm(fwd[:, [0, 2]], axis=-1, keepdims=True), 1e-8)
    root = root3[:, [0, 2]]
    lpath = path.with_name(path.name[:-4] + ".labels.npz")
    labels = _labels(lpath, t, src_frames, cfg.gaits, len(feet)) if lpath.is_file() else {}
    root_speed = np.linalg.norm(np.gradient(gaussian_smooth(root, 3.0), axis=0), axis=-1) * FPS
    if "contacts" not in labels:
        labels["contacts"] = foot_contacts(wp, feet, FPS, height_threshold=0.05, velocity_threshold=0.3).astype(np.float32)
    if "gait" not in labels:
        g = np.zeros((t, len(cfg.gaits)), np.float32)
        g[:, list(cfg.gaits).index(cfg.idle_gait)] = root_speed < IDLE_SPEED
        g[:, list(cfg.gaits).index(cfg.unlabelled_gait)] = root_speed >= IDLE_SPEED
        labels["gait"] = g
    if "speed" not in labels:
        labels["speed"] = root_speed.astype(np.float32)
    return ClipData(path.name[:-4], sk, wp, wr, root, facing, labels["gait"], labels["contacts"], labels["speed"])




def joint_features(c: ClipData, frames: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """[n, 4, J, 3]: positions, forward axes, up axes, velocities of `frames` relative to the root there."""
    origin = np.stack([c.root[frames, 0], np.zeros(len(frames)), c.root[frames, 1]], -1)[:, None]
    rot = c.world_rot[frames]
    fwd = quat_rotate(rot, np.broadcast_to(np.array([0.0, 0.0, 1.0]), rot.shape[:-1] + (3,)))
    up = quat_rotate(rot, np.broadcast_to(np.array([0.0, 1.0, 0.0]), rot.shape[:-1] + (3,)))
    vel = (c.world_pos[frames] - c.world_pos[frames - 1]) * FPS
    return np.stack([to_root_frame(c.world_pos[frames] - origin, yaw), to_root_frame(fwd, yaw), to_root_frame(up, yaw),
                     to_root_frame(vel, yaw)], 1)


def clip_rows(c: ClipData, feats: MANNFeatures) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, Y, frames i) of one clip (see module docstring)."""
    yaw = np.arctan2(c.facing[:, 0], c.facing[:, 1])
    vel = np.gradient(c.root, axis=0) * FPS
    i = np.arange(MARGIN, c.frames - TAIL)
    prev = i - 1
    n = len(i)
    fr = prev[:, None] + (np.arange(TRAJ_SAMPLES) - TRAJ_PAST)[None] * TRAJ_STEP      # [n, 12]
    X = np.concatenate([
        to_root_frame_xz(c.root[fr] - c.root[prev][:, None], yaw[prev]).reshape(n, -1),
        to_root_frame_xz(c.facing[fr], yaw[prev]).reshape(n, -1),
        to_root_frame_xz(vel[fr], yaw[prev]).reshape(n, -1),
        c.speed[fr].reshape(n, -1), c.gait[fr].reshape(n, -1),
        joint_features(c, prev, yaw[prev]).reshape(n, -1)], axis=1)
    d = to_root_frame_xz(c.root[i] - c.root[prev], yaw[prev])
    dyaw = np.angle(np.exp(1j * (yaw[i] - yaw[prev])))
    ff = i[:, None] + np.arange(1, FUTURE_SAMPLES + 1)[None] * TRAJ_STEP
    Y = np.concatenate([
        d[:, :1], dyaw[:, None], d[:, 1:], c.contacts[i],
        to_root_frame_xz(c.root[ff] - c.root[i][:, None], yaw[i]).reshape(n, -1),
        to_root_frame_xz(c.facing[ff], yaw[i]).reshape(n, -1),
        to_root_frame_xz(vel[ff], yaw[i]).reshape(n, -1),
        joint_features(c, i, yaw[i]).reshape(n, -1)], axis=1)
    if X.shape[1] != feats.x_size or Y.shape[1] != feats.y_size:
        raise MotionDataError(f"{c.name}: rows of {X.shape[1]} -> {Y.shape[1]} values, the layout needs "
                              f"{feats.x_size} -> {feats.y_size}")
    return X.astype(np.float32), Y.astype(np.float32), i




def build_dataset(paths: list[Path], cfg, *, progress: bool = False) -> MANNDataset:
    """Rows of every clip in `paths` (one skeleton topology for all); `cfg` is a MANNTrainConfig."""
    from neuropuppet.training import progress as bar
    xs, ys, cs, names = [], [], [], []
    truth: dict[str, list[np.ndarray]] = {"gait": [], "contacts": [], "speed": []}
    skeleton: Skeleton | None = None
    feats: MANNFeatures | None = None
    for path in bar(paths, desc="mann dataset", enabled=progress):
        clip = load_clip(Path(path), cfg)
        if skeleton is None:
            skeleton = clip.skeleton
            feats = MANNFeatures.build(skeleton.num_joints, tuple(cfg.gaits), tuple(skeleton.index(f) for f in cfg.feet))
        elif not skeleton.same_topology(clip.skeleton):
            raise MotionDataError(f"{path}: skeleton differs from {paths[0]} (joint names or parents)")
        assert feats is not None
        X, Y, frames = clip_rows(clip, feats)
        xs.append(X); ys.append(Y)
        cs.append(np.full(len(X), len(names), np.int32))
        names.append(clip.name)
        truth["gait"].append(clip.gait[frames]); truth["contacts"].append(clip.contacts[frames])
        truth["speed"].append(clip.speed[frames])
    assert skeleton is not None and feats is not None
    X, Y = np.concatenate(xs), np.concatenate(ys)
    t = {k: np.concatenate(v) for k, v in truth.items()}
    idle = list(cfg.gaits).index(cfg.idle_gait)
    standing = t["gait"][:, idle] > 0.99
    rows = Y[standing] if standing.any() else Y
    j = skeleton.num_joints
    rest = np.concatenate([rows[:, feats.y[b]].mean(0).reshape(j, 3) for b in ("joint_pos", "joint_fwd", "joint_up")]
                          + [np.zeros((j, 3), np.float32)], 1)
    speeds = {}     # top speed per gait (the stick's full push): the median speed of its pure frames
    for k, g in enumerate(cfg.gaits):
        pure = t["gait"][:, k] > 0.99
        speeds[g] = float(np.median(t["speed"][pure])) if pure.sum() > 10 else 0.0
    return MANNDataset(X, Y, np.concatenate(cs), names, skeleton, tuple(cfg.gaits), tuple(cfg.feet), speeds,
                       rest.astype(np.float32), t)
