"""PFNN training data: BVH clips (+ terrain and labels where present) -> (X, Y, phase) rows.

Per clip `<name>.bvh` the builder also reads, when present:
  <name>.terrain.npz  a HeightField (else flat ground at height 0)
  <name>.labels.npz   gait [T, 6], phase [T], contacts [T, 4] at the BVH frame rate
Missing labels are derived: contacts from foot speed and height, phase from contacts (left heel
strike = 0, right heel strike = 0.5, linear between), gait from root speed (stand / walk / jog).

Row i (for frames 61 <= i < T - 60 at 60 fps) maps the state at frame i-1 to frame i, laid out as
in `neuropuppet.controllers.pfnn.features` (see there). Every clip is also mirrored (left/right
swapped, X negated) when `mirror` is on. Data layout on disk: one `.npz` per build with
X [M, 342], Y [M, 311], phase [M], clip [M] (index into `clips`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from neuropuppet.controllers.pfnn.features import (
    FUTURE_SAMPLES, HEIGHT_SIDE_OFFSET, NUM_GAITS, TRAJ_PAST, TRAJ_SAMPLES, TRAJ_STEP, PFNNFeatures)
from neuropuppet.errors import MotionDataError
from neuropuppet.motion.bvh import CMU_SCALE, read_bvh, resample
from neuropuppet.training import find_clips  # noqa: F401  (re-exported: the trainer and tests read it here)
from neuropuppet.motion.dataset import (foot_contacts, gaussian_smooth, mirror, phase_from_contacts, root_trajectory,
                                        to_root_frame, to_root_frame_xz)
from neuropuppet.motion.motion import Motion
from neuropuppet.motion.rotations import quat_abs, quat_from_yaw, quat_inv, quat_log, quat_mul
from neuropuppet.motion.skeleton import Skeleton
from neuropuppet.terrain import HeightField

FPS = 60.0
MARGIN = TRAJ_PAST * TRAJ_STEP + 1  # 61 frames of history before the first row
FOOT_JOINTS = ((("LeftFoot", "LeftAnkle"), ("LeftToeBase", "LeftToe")),
               (("RightFoot", "RightAnkle"), ("RightToeBase", "RightToe")))  # (heel, toe) name candidates


def pick_joint(skeleton: Skeleton, *candidates: str) -> int:
    """Index of the first of `candidates` the skeleton has (MotionDataError naming them if none)."""
    for c in candidates:
        if c in skeleton.names:
            return skeleton.names.index(c)
    raise MotionDataError(f"skeleton lacks any of the joints {', '.join(candidates)} (joints: "
                          f"{', '.join(skeleton.names)})")


@dataclass
class ClipData:
    """One clip at 60 fps, in world space, with its per-frame labels."""

    name: str
    motion: Motion
    skeleton: Skeleton
    world_pos: np.ndarray      # [T, J, 3]
    world_rot: np.ndarray      # [T, J, 4]
    local_rot: np.ndarray      # [T, J, 4]
    terrain: HeightField
    gait: np.ndarray           # [T, 6]
    phase: np.ndarray          # [T]
    contacts: np.ndarray       # [T, 4]


@dataclass
class PFNNDataset:
    """Rows of a built dataset (see module docstring)."""

    X: np.ndarray
    Y: np.ndarray
    phase: np.ndarray
    clip: np.ndarray
    clips: list[str]
    skeleton: Skeleton
    gait_speeds: list[float] = field(default_factory=list)
    rest_joints: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def save(self, path: str | Path) -> None:
        np.savez(path, X=self.X, Y=self.Y, phase=self.phase, clip=self.clip, clips=np.asarray(self.clips),
                 gait_speeds=np.asarray(self.gait_speeds), rest_joints=self.rest_joints,
                 skeleton_names=np.asarray(self.skeleton.names), skeleton_parents=self.skeleton.parents,
                 skeleton_offsets=self.skeleton.offsets)

    @classmethod
    def load(cls, path: str | Path) -> "PFNNDataset":
        with np.load(path) as f:
            sk = Skeleton(tuple(str(n) for n in f["skeleton_names"]), f["skeleton_parents"], f["skeleton_offsets"])
            return cls(f["X"], f["Y"], f["phase"], f["clip"], [str(c) for c in f["clips"]], sk,
                       f["gait_speeds"].tolist(), f["rest_joints"])


# -- labels derived from motion when a clip has none ---------------------------------------
def derive_contacts(world_pos: np.ndarray, skeleton: Skeleton, ground: HeightField) -> np.ndarray:
    """[T, 4] (L heel, L toe, R heel, R toe) 0/1 from foot height and speed."""
    idx = [pick_joint(skeleton, *names) for pair in FOOT_JOINTS for names in pair]
    return foot_contacts(world_pos, idx, FPS, height_threshold=0.12, velocity_threshold=0.6,
                         ground=ground).astype(np.float32)


def derive_phase(contacts: np.ndarray) -> np.ndarray:
    """[T] phase in cycles [0, 1): 0 at left heel strikes, 0.5 at right heel strikes."""
    return (phase_from_contacts(contacts[:, 0] > 0.5, contacts[:, 2] > 0.5, FPS) / (2 * np.pi)).astype(np.float32)


def gait_from_speed(speed: np.ndarray) -> np.ndarray:
    """[T, 6] one-hot-ish gait weights from root speed (m/s): stand < 0.3 <= walk < 2.2 <= jog."""
    g = np.zeros((len(speed), NUM_GAITS), np.float32)
    g[speed < 0.3, 0] = 1.0
    g[(speed >= 0.3) & (speed < 2.2), 1] = 1.0
    g[speed >= 2.2, 2] = 1.0
    return g


# -- mirroring ---------------------------------------------------------------------------------
def mirror_clip(c: ClipData) -> ClipData:
    """The clip reflected in the YZ plane with left and right swapped (terrain and labels too)."""
    x0, x1, z0, _ = c.terrain.extent
    terrain = HeightField(c.terrain.heights[:, ::-1].copy(), (-x1, z0), c.terrain.cell_size)
    return clip_from_motion(c.name + "_mirror", mirror(c.motion), terrain, c.gait.copy(),
                            np.mod(c.phase + 0.5, 1.0).astype(np.float32), c.contacts[:, [2, 3, 0, 1]].copy())


def clip_from_motion(name: str, motion: Motion, terrain: HeightField, gait: np.ndarray, phase: np.ndarray,
                     contacts: np.ndarray) -> ClipData:
    wp, wr = motion.world()
    return ClipData(name, motion, motion.skeleton, wp, wr, motion.rotations, terrain, gait, phase, contacts)


# -- loading --------------------------------------------------------------------------------------
def load_clip(path: Path, scale: float | None = None) -> ClipData:
    """Read one BVH clip (+ terrain, labels) and bring it to 60 fps metres."""
    motion = read_bvh(path, 1.0 if scale is None else scale)
    if scale is None and float(np.median(motion.positions[:, 0, 1])) > 5.0:
        motion = read_bvh(path, CMU_SCALE)  # CMU units, not metres
    src_fps = motion.fps
    if abs(src_fps - FPS) > 0.5:
        motion = resample(motion, FPS)
    if motion.num_frames < 2 * MARGIN + 1:
        raise MotionDataError(f"{path}: {motion.num_frames} frames at 60 fps; PFNN needs at least {2 * MARGIN + 1}")
    wp = motion.world_positions()
    t = motion.num_frames
    stem = path.name[:-4]
    tpath = path.with_name(stem + ".terrain.npz")
    terrain = HeightField.load(tpath) if tpath.is_file() else HeightField.flat(1000.0)
    lpath = path.with_name(stem + ".labels.npz")
    gait = phase = contacts = None
    if lpath.is_file():
        with np.load(lpath) as f:
            src = np.linspace(0, len(f["phase"]) - 1, t) if len(f["phase"]) != t else np.arange(t)
            near = np.clip(np.round(src).astype(int), 0, len(f["phase"]) - 1)
            gait = f["gait"][near].astype(np.float32) if "gait" in f else None
            contacts = f["contacts"][near].astype(np.float32) if "contacts" in f else None
            phase = f["phase"][near].astype(np.float64) if "phase" in f else None
            if phase is not None and phase.max() > 1.0 + 1e-6:  # radians, not cycles
                phase = np.mod(phase / (2 * np.pi), 1.0)
            phase = None if phase is None else phase.astype(np.float32)
    if contacts is None:
        contacts = derive_contacts(wp, motion.skeleton, terrain)
    if phase is None:
        phase = derive_phase(contacts)
    if gait is None:
        xz = gaussian_smooth(wp[:, 0, [0, 2]], 5.0)
        speed = np.linalg.norm(np.gradient(xz, axis=0), axis=-1) * FPS
        gait = gait_from_speed(speed)
    if gait.shape != (t, NUM_GAITS) or contacts.shape != (t, 4) or phase.shape != (t,):
        raise MotionDataError(f"{lpath}: labels have shapes gait {gait.shape}, contacts {contacts.shape}, "
                              f"phase {phase.shape}; expected [T, 6], [T, 4], [T]")
    return clip_from_motion(stem, motion, terrain, gait, phase, contacts)


# -- rows ---------------------------------------------------------------------------------------------


def clip_rows(c: ClipData, feats: PFNNFeatures) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X, Y, phase) rows of one clip (see module docstring)."""
    t = len(c.phase)
    root3, fwd = root_trajectory(c.motion, ground=c.terrain)
    root = root3[:, [0, 2]]
    facing = fwd[:, [0, 2]] / np.maximum(np.linalg.norm(fwd[:, [0, 2]], axis=-1, keepdims=True), 1e-8)
    yaw = np.arctan2(facing[:, 0], facing[:, 1])
    rh = c.terrain.sample(root[:, 0], root[:, 1])
    i = np.arange(MARGIN, t - FUTURE_SAMPLES * TRAJ_STEP)
    prev = i - 1
    n = len(i)
    offs = (np.arange(TRAJ_SAMPLES) - TRAJ_PAST) * TRAJ_STEP
    fr = prev[:, None] + offs[None]                                      # [n, 12]
    tp = to_root_frame_xz(root[fr] - root[prev][:, None], yaw[prev])
    td = to_root_frame_xz(facing[fr], yaw[prev])
    tg = c.gait[fr]
    right = np.stack([-facing[fr][..., 1], facing[fr][..., 0]], -1) * HEIGHT_SIDE_OFFSET
    pts = root[fr]
    hs = [c.terrain.sample(pts[..., 0] + s * right[..., 0], pts[..., 1] + s * right[..., 1]) for s in (1, 0, -1)]
    th = np.stack(hs, -1) - rh[prev][:, None, None]
    origin3 = lambda f: np.stack([root[f, 0], rh[f], root[f, 1]], -1)[:, None]  # noqa: E731
    jp_prev = to_root_frame(c.world_pos[prev] - origin3(prev), yaw[prev])
    jv_prev = to_root_frame(c.world_pos[prev] - c.world_pos[prev - 1], yaw[prev])
    X = np.concatenate([tp.reshape(n, -1), td.reshape(n, -1), tg.reshape(n, -1), th.reshape(n, -1),
                        jp_prev.reshape(n, -1), jv_prev.reshape(n, -1)], axis=1)

    root_vel = to_root_frame_xz(root[i] - root[prev], yaw[prev])
    dyaw = np.angle(np.exp(1j * (yaw[i] - yaw[prev])))
    dphase = np.mod(c.phase[i] - c.phase[prev], 1.0)
    ff = i[:, None] + np.arange(1, FUTURE_SAMPLES + 1)[None] * TRAJ_STEP
    fp = to_root_frame_xz(root[ff] - root[i][:, None], yaw[i])
    fd = to_root_frame_xz(facing[ff], yaw[i])
    jp = to_root_frame(c.world_pos[i] - origin3(i), yaw[i])
    jv = to_root_frame(c.world_pos[i] - c.world_pos[prev], yaw[i])
    lrot = c.local_rot[i].copy()
    lrot[:, 0] = quat_mul(quat_inv(quat_from_yaw(yaw[i])), c.world_rot[i, 0])
    jr = quat_log(quat_abs(lrot))
    Y = np.concatenate([root_vel, dyaw[:, None], dphase[:, None], c.contacts[i], fp.reshape(n, -1),
                        fd.reshape(n, -1), jp.reshape(n, -1), jv.reshape(n, -1), jr.reshape(n, -1)], axis=1)
    assert X.shape[1] == feats.x_size and Y.shape[1] == feats.y_size
    return X.astype(np.float32), Y.astype(np.float32), c.phase[prev].astype(np.float32)




def build_dataset(paths: list[Path], *, mirror: bool = True, scale: float | None = None,
                  progress: bool = False) -> PFNNDataset:
    """Rows of every clip in `paths` (and their mirrors); one skeleton topology for all."""
    from neuropuppet.training import progress as bar
    xs, ys, ps, cs, names = [], [], [], [], []
    skeleton: Skeleton | None = None
    speeds: dict[int, list[np.ndarray]] = {1: [], 2: [], 3: []}
    rest = None
    for path in bar(paths, desc="pfnn dataset", enabled=progress):
        clip = load_clip(Path(path), scale)
        if skeleton is None:
            skeleton = clip.skeleton
        elif not skeleton.same_topology(clip.skeleton):
            raise MotionDataError(f"{path}: skeleton differs from {paths[0]} (joint names or parents)")
        feats = PFNNFeatures.for_joints(skeleton.num_joints)
        for variant in ([clip, mirror_clip(clip)] if mirror else [clip]):
            X, Y, P = clip_rows(variant, feats)
            xs.append(X); ys.append(Y); ps.append(P)
            cs.append(np.full(len(X), len(names), np.int32))
            names.append(variant.name)
            gait = variant.gait[MARGIN:MARGIN + len(X)]
            speed = np.linalg.norm(Y[:, 0:2], axis=-1) * FPS
            for g in speeds:
                speeds[g].append(speed[gait[:, g] > 0.8])
            if rest is None:
                j = skeleton.num_joints
                stand = gait[:, 0] > 0.8
                rows = X[stand] if stand.any() else X
                js = feats.x["joint_pos"]
                rest = np.concatenate([rows[:, js].mean(0).reshape(j, 3), np.zeros((j, 3), np.float32)], 1)
    assert skeleton is not None
    gait_speeds = [0.0] + [float(np.percentile(np.concatenate(speeds[g]), 75)) if sum(map(len, speeds[g])) else d
                           for g, d in zip((1, 2, 3), (1.4, 3.2, 0.8))]
    return PFNNDataset(np.concatenate(xs), np.concatenate(ys), np.concatenate(ps), np.concatenate(cs), names,
                       skeleton, gait_speeds, rest)


# -- normalisation -------------------------------------------------------------------------------------
def block_normalisation(data: np.ndarray, blocks: list[tuple[str, slice]],
                        weights: dict[str, float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean per column; standard deviation averaged within each block, divided by the block's weight.

    A weight below 1 shrinks that block's normalised values (PFNN down-weights joint inputs).
    """
    mean = data.mean(0)
    std = data.std(0)
    out = np.ones_like(std)
    for name, s in blocks:
        v = float(std[s].mean())
        out[s] = (v if v > 1e-5 else 1.0) / (weights or {}).get(name, 1.0)
    return mean.astype(np.float32), out.astype(np.float32)
