"""Dataset preparation shared by trainers: contacts, phase, root trajectory, mirroring, windows, normalisation.

All functions take plain numpy arrays (or a `Motion`) and return plain arrays, in the project's
conventions: Y up, metres, characters face local +Z, quaternions (w, x, y, z).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Sequence

import numpy as np
import torch

from ..terrain import HeightField
from .motion import Motion
from .skeleton import Skeleton

UP = np.array([0.0, 1.0, 0.0])


# ---------------------------------------------------------------- velocities and contacts

def finite_velocity(x: np.ndarray, fps: float) -> np.ndarray:
    """Per-frame velocity of x [T, ...] in units/second (central differences, one-sided at the ends)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 2:
        return np.zeros_like(x)
    return np.gradient(x, axis=0) * fps


def ground_height(x: np.ndarray, z: np.ndarray, ground: HeightField | None) -> np.ndarray:
    """Terrain height under (x, z), or 0 for flat ground at y = 0."""
    return np.zeros(np.broadcast_shapes(np.shape(x), np.shape(z))) if ground is None else ground.sample(x, z)


def foot_contacts(world_positions: np.ndarray, foot_joints: Sequence[int], fps: float,
                  height_threshold: float = 0.1, velocity_threshold: float = 0.5,
                  ground: HeightField | None = None, min_seconds: float = 0.0) -> np.ndarray:
    """Which feet touch the ground, [T, F] bool.

    A foot joint is in contact on frame t when its height above the ground is below
    `height_threshold` metres AND its speed (3D, central difference) is below
    `velocity_threshold` m/s. `ground` is a height field (default: flat ground at y = 0).
    `min_seconds` > 0 removes flicker: contact and flight runs shorter than it are merged into
    their neighbours (short gaps filled first, then short contacts dropped).
    """
    feet = np.asarray(world_positions, dtype=np.float64)[:, list(foot_joints)]  # [T, F, 3]
    height = feet[..., 1] - ground_height(feet[..., 0], feet[..., 2], ground)
    speed = np.linalg.norm(finite_velocity(feet, fps), axis=-1)
    contacts = (height < height_threshold) & (speed < velocity_threshold)
    min_frames = int(round(min_seconds * fps))
    if min_frames > 1:
        for f in range(contacts.shape[1]):
            contacts[:, f] = _drop_short_runs(_drop_short_runs(contacts[:, f], False, min_frames), True, min_frames)
    return contacts


def _drop_short_runs(signal: np.ndarray, value: bool, min_frames: int) -> np.ndarray:
    """Flip interior runs of `value` shorter than `min_frames` (runs touching either end are kept)."""
    out = signal.copy()
    edges = np.flatnonzero(np.diff(signal.astype(np.int8))) + 1
    starts = np.concatenate([[0], edges])
    stops = np.concatenate([edges, [len(signal)]])
    for a, b in zip(starts, stops):
        if signal[a] == value and b - a < min_frames and a > 0 and b < len(signal):
            out[a:b] = not value
    return out


# ---------------------------------------------------------------- phase

def heel_strikes(contact: np.ndarray) -> np.ndarray:
    """Frames where a contact signal [T] turns on (a False -> True edge)."""
    c = np.asarray(contact, dtype=bool)
    return np.nonzero(c[1:] & ~c[:-1])[0] + 1


def phase_from_contacts(left: np.ndarray, right: np.ndarray, fps: float = 60.0,
                        max_step_seconds: float = 1.0, default_cycle_seconds: float = 1.0) -> np.ndarray:
    """Gait phase [T] in [0, 2pi) from left and right foot contacts (PFNN-style labelling).

    Phase is 0 at each left heel strike (contact turning on) and pi at each right heel strike,
    and grows linearly in between. Two strikes of the same foot in a row are a whole cycle apart.
    Standing and other long gaps (longer than `max_step_seconds`) and the stretches before the
    first and after the last strike keep cycling at the clip's median stepping rate (or one cycle
    per `default_cycle_seconds` when the clip has no steps), adding whole cycles to a long gap
    so the phase still lands on the next strike: the phase is continuous and never runs backwards.
    """
    left, right = np.asarray(left, bool), np.asarray(right, bool)
    t = len(left)
    events = sorted([(int(f), 0.0) for f in heel_strikes(left)] + [(int(f), np.pi) for f in heel_strikes(right)])
    two_pi = 2.0 * np.pi
    default_rate = two_pi / (default_cycle_seconds * fps)
    if not events:
        return (np.arange(t) * default_rate) % two_pi
    # Unwrapped phase at each event: the smallest value after the previous one matching its target.
    frames = np.array([f for f, _ in events], dtype=np.float64)
    unwrapped = [events[0][1]]
    for (_, target) in events[1:]:
        prev = unwrapped[-1]
        step = (target - prev) % two_pi
        unwrapped.append(prev + (step if step > 1e-9 else two_pi))
    unwrapped_arr = np.array(unwrapped)
    gaps = np.diff(frames)
    deltas = np.diff(unwrapped_arr)
    max_gap = max_step_seconds * fps
    normal = (gaps > 0) & (gaps <= max_gap)
    rate = float(np.median(deltas[normal] / gaps[normal])) if normal.any() else default_rate
    # Long gaps (standing): add whole cycles so the phase keeps moving at about `rate`.
    extra = np.where(gaps > max_gap, np.maximum(np.round((rate * gaps - deltas) / two_pi), 0.0), 0.0)
    unwrapped_arr = unwrapped_arr + np.concatenate([[0.0], np.cumsum(extra) * two_pi])
    # Extend linearly at `rate` before the first and after the last strike.
    knots_f = np.concatenate([[0.0], frames, [t - 1.0]])
    knots_p = np.concatenate([[unwrapped_arr[0] - rate * frames[0]], unwrapped_arr,
                              [unwrapped_arr[-1] + rate * (t - 1.0 - frames[-1])]])
    phase = np.interp(np.arange(t, dtype=np.float64), knots_f, knots_p)
    return np.mod(phase, two_pi)


# ---------------------------------------------------------------- root trajectory

_ACROSS_CANDIDATES = {
    "hips": [("LeftUpLeg", "RightUpLeg"), ("LeftHip", "RightHip"), ("LHip", "RHip"), ("LeftThigh", "RightThigh")],
    "shoulders": [("LeftArm", "RightArm"), ("LeftShoulder", "RightShoulder"), ("LeftUpperArm", "RightUpperArm"),
                  ("LShoulder", "RShoulder")],
}


def _find_pair(skeleton: Skeleton, kind: str) -> tuple[int, int] | None:
    for left, right in _ACROSS_CANDIDATES[kind]:
        if left in skeleton.names and right in skeleton.names:
            return skeleton.index(left), skeleton.index(right)
    return None


def gaussian_smooth(x: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Gaussian filter along axis 0 with edge padding (sigma in frames; 0 returns a copy)."""
    x = np.asarray(x, dtype=np.float64)
    if sigma_frames <= 0 or len(x) < 2:
        return x.copy()
    radius = int(np.ceil(3 * sigma_frames))
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_frames) ** 2)
    k /= k.sum()
    flat = x.reshape(len(x), -1)
    padded = np.pad(flat, ((radius, radius), (0, 0)), mode="edge")
    out = np.stack([np.convolve(padded[:, i], k, mode="valid") for i in range(flat.shape[1])], axis=1)
    return out.reshape(x.shape)


def root_trajectory(motion: Motion, smooth_seconds: float = 0.1, ground: HeightField | None = None,
                    hips: tuple[str, str] | None = None,
                    shoulders: tuple[str, str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(root positions [T, 3], facing directions [T, 3]) of a clip.

    Position: joint 0 (the hips) projected to the ground (y = 0, or the height field's height).
    Facing: the horizontal direction perpendicular to the across vector
    (left hip - right hip) + (left shoulder - right shoulder), i.e. forward = across x up,
    Gaussian-smoothed over `smooth_seconds` (sigma) and normalised. Hip / shoulder joint pairs are
    found by common names (LeftUpLeg/RightUpLeg, LeftArm/RightArm, ...) unless given.
    """
    skel = motion.skeleton
    world = motion.world_positions()
    hip_pair = (skel.index(hips[0]), skel.index(hips[1])) if hips else _find_pair(skel, "hips")
    sdr_pair = (skel.index(shoulders[0]), skel.index(shoulders[1])) if shoulders else _find_pair(skel, "shoulders")
    if hip_pair is None and sdr_pair is None:
        raise KeyError(f"cannot find left/right hip or shoulder joints among {', '.join(skel.names)}; "
                       "pass hips=(left, right) or shoulders=(left, right)")
    across = np.zeros((motion.num_frames, 3))
    for pair in (hip_pair, sdr_pair):
        if pair is not None:
            across += world[:, pair[0]] - world[:, pair[1]]
    across = gaussian_smooth(across, smooth_seconds * motion.fps)
    forward = np.cross(across, UP)
    forward[:, 1] = 0.0
    forward /= np.maximum(np.linalg.norm(forward, axis=-1, keepdims=True), 1e-8)
    root = world[:, 0].copy()
    root[:, 1] = ground_height(root[:, 0], root[:, 2], ground)
    return root, forward


# ---------------------------------------------------------------- mirroring

_SIDE_PATTERNS = [
    (re.compile(r"Left"), "Right"), (re.compile(r"Right"), "Left"),
    (re.compile(r"left"), "right"), (re.compile(r"right"), "left"),
    (re.compile(r"LEFT"), "RIGHT"), (re.compile(r"RIGHT"), "LEFT"),
    (re.compile(r"^L(?=[A-Z_.])"), "R"), (re.compile(r"^R(?=[A-Z_.])"), "L"),
    (re.compile(r"^l(?=[a-z_.])"), "r"), (re.compile(r"^r(?=[a-z_.])"), "l"),
    (re.compile(r"([_.])L$"), r"\1R"), (re.compile(r"([_.])R$"), r"\1L"),
    (re.compile(r"([_.])l$"), r"\1r"), (re.compile(r"([_.])r$"), r"\1l"),
]


def mirror_pairs(names: Sequence[str]) -> list[tuple[int, int]]:
    """Left/right joint index pairs found by name ("Left"/"Right", "L"/"R" prefixes, "_L"/"_R" suffixes)."""
    index = {n: i for i, n in enumerate(names)}
    pairs: set[tuple[int, int]] = set()
    for i, name in enumerate(names):
        for pattern, repl in _SIDE_PATTERNS:
            other = pattern.sub(repl, name, count=1)
            if other != name and other in index:
                pairs.add(tuple(sorted((i, index[other]))))
                break
    return sorted(pairs)


def mirror_permutation(names: Sequence[str], pairs: Sequence[tuple[int, int]] | None = None) -> np.ndarray:
    """perm[j] = the joint whose data joint j takes when mirroring (itself for centre joints)."""
    perm = np.arange(len(names))
    for a, b in (mirror_pairs(names) if pairs is None else pairs):
        perm[a], perm[b] = b, a
    return perm


def mirror(motion: Motion, pairs: Sequence[tuple[int, int]] | None = None) -> Motion:
    """The clip reflected through the YZ plane (x -> -x) with left and right joints swapped.

    Local translations are reflected and swapped; local rotations (w, x, y, z) become
    (w, x, -y, -z) and are swapped; the skeleton's offsets and end sites are mirrored the same
    way, so world positions are exactly the reflected, swapped world positions of the input.
    Pairs default to `mirror_pairs(skeleton.names)`.
    """
    skel = motion.skeleton
    perm = mirror_permutation(skel.names, pairs)
    swapped_parents = np.where(skel.parents >= 0, perm[np.maximum(skel.parents, 0)], -1)
    if not np.array_equal(skel.parents[perm], swapped_parents):
        raise ValueError("left/right joint pairs do not have mirrored parents; pass pairs explicitly")
    flip_v = np.array([-1.0, 1.0, 1.0])
    flip_q = np.array([1.0, 1.0, -1.0, -1.0])
    ends = {}
    for j, off in skel.end_sites.items():
        ends[int(perm[j])] = (np.asarray(off) * flip_v).astype(np.float32)
    mirrored = Skeleton(skel.names, skel.parents, skel.offsets[perm] * flip_v, ends)
    return replace(motion, skeleton=mirrored, positions=motion.positions[:, perm] * flip_v,
                   rotations=motion.rotations[:, perm] * flip_q)


# ---------------------------------------------------------------- windows and normalisation

def to_root_frame_xz(v: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """World ground vectors (x, z) [F, ..., 2] into root frames with heading yaw [F] (the numpy twin of
    `neuropuppet.locomotion.trajectory.rotate_to_local`, for building datasets)."""
    c = np.cos(yaw).reshape((-1,) + (1,) * (v.ndim - 2))
    s = np.sin(yaw).reshape((-1,) + (1,) * (v.ndim - 2))
    return np.stack([v[..., 0] * c - v[..., 1] * s, v[..., 0] * s + v[..., 1] * c], axis=-1)


def to_root_frame(v: np.ndarray, yaw: np.ndarray) -> np.ndarray:
    """World 3D vectors [F, ..., 3] into root frames with heading yaw [F] (y kept)."""
    xz = to_root_frame_xz(v[..., [0, 2]], yaw)
    return np.stack([xz[..., 0], v[..., 1], xz[..., 1]], axis=-1)


def windows(array: np.ndarray, size: int, stride: int = 1) -> np.ndarray:
    """Overlapping windows along axis 0: [N, size, ...] with N = (T - size) // stride + 1 (a view)."""
    array = np.asarray(array)
    if size < 1 or stride < 1:
        raise ValueError(f"window size and stride must be positive, got {size}, {stride}")
    if len(array) < size:
        return np.zeros((0, size) + array.shape[1:], array.dtype)
    view = np.lib.stride_tricks.sliding_window_view(array, size, axis=0)  # [T-size+1, ..., size]
    return np.moveaxis(view, -1, 1)[::stride]


@dataclass
class Normaliser:
    """Per-feature mean and std: normalise(x) = (x - mean) / std.

    `fit` can average the std over groups of features (as PFNN does for each joint's positions,
    velocities, ...), so that all features of one kind keep their relative scale.
    """

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, data: np.ndarray, groups: Sequence[slice | Sequence[int]] | None = None,
            eps: float = 1e-6) -> "Normaliser":
        """Fit to data [N, D] (or [..., D]); std below `eps` becomes 1 (constant features pass through)."""
        data = np.asarray(data, dtype=np.float64).reshape(-1, np.shape(data)[-1])
        mean = data.mean(axis=0)
        std = data.std(axis=0)
        for g in groups or ():
            std[g] = std[g].mean()
        std = np.where(std < eps, 1.0, std)
        return cls(mean.astype(np.float32), std.astype(np.float32))

    def normalise(self, x: Any) -> Any:
        """(x - mean) / std for numpy arrays or torch tensors (any leading dims)."""
        if isinstance(x, torch.Tensor):
            return (x - torch.as_tensor(self.mean, dtype=x.dtype, device=x.device)) / \
                torch.as_tensor(self.std, dtype=x.dtype, device=x.device)
        return (np.asarray(x) - self.mean) / self.std

    def denormalise(self, x: Any) -> Any:
        """x * std + mean for numpy arrays or torch tensors."""
        if isinstance(x, torch.Tensor):
            return x * torch.as_tensor(self.std, dtype=x.dtype, device=x.device) + \
                torch.as_tensor(self.mean, dtype=x.dtype, device=x.device)
        return np.asarray(x) * self.std + self.mean

    def to_dict(self, prefix: str = "") -> dict[str, list[float]]:
        """{prefix+"mean": [...], prefix+"std": [...]}, the form `ArtifactMetadata.normalisation` stores."""
        return {f"{prefix}mean": self.mean.astype(float).tolist(), f"{prefix}std": self.std.astype(float).tolist()}

    @classmethod
    def from_dict(cls, d: dict[str, list[float]], prefix: str = "") -> "Normaliser":
        try:
            mean, std = d[f"{prefix}mean"], d[f"{prefix}std"]
        except KeyError as e:
            raise KeyError(f"normalisation lacks {e.args[0]!r}; has {', '.join(d)}") from None
        if len(mean) != len(std):
            raise ValueError(f"normalisation {prefix!r}: mean has {len(mean)} values, std {len(std)}")
        return cls(np.asarray(mean, np.float32), np.asarray(std, np.float32))
