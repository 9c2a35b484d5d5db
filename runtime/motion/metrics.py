"""Motion-quality metrics used by every trainer's report and by the benchmark.

Notation: x_t are world positions at frame t, fps frames per second (dt = 1/fps), |.| the
Euclidean norm, "horizontal" means the XZ plane (Y is up). Derivatives are finite differences:

  velocity      v_t = (x_{t+1} - x_{t-1}) / (2 dt)            (one-sided at the ends)
  acceleration  a_t = (x_{t+1} - 2 x_t + x_{t-1}) / dt^2       (frames 1 .. T-2)
  jerk          j_t = (x_{t+2} - 3 x_{t+1} + 3 x_t - x_{t-1}) / dt^3   (frames 1 .. T-3)

Functions return plain floats (or dicts of floats) ready for JSON; an average over an empty set
is NaN, never a made-up 0.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .dataset import finite_velocity, gaussian_smooth
from .skeleton import Skeleton


def _mean(x: np.ndarray) -> float:
    return float(np.mean(x)) if np.size(x) else float("nan")


def _std(x: np.ndarray) -> float:
    return float(np.std(x)) if np.size(x) else float("nan")


def foot_skating(foot_positions: np.ndarray, contacts: np.ndarray, fps: float) -> float:
    """Mean horizontal foot speed while in contact, m/s.

    skating = mean over {(t, f) : contact[t, f]} of |v_t^xz(f)|, with foot_positions [T, F, 3]
    and contacts [T, F] bool. A planted foot scores 0; a foot sliding at s m/s scores s.
    """
    v = finite_velocity(np.asarray(foot_positions, dtype=np.float64), fps)
    speed = np.linalg.norm(v[..., [0, 2]], axis=-1)
    return _mean(speed[np.asarray(contacts, dtype=bool)])


def _horizontal_unit(d: np.ndarray) -> np.ndarray:
    d = np.asarray(d, dtype=np.float64)
    h = np.stack([d[..., 0], d[..., 2]], axis=-1)
    return h / np.maximum(np.linalg.norm(h, axis=-1, keepdims=True), 1e-12)


def trajectory_error(positions: np.ndarray, facing: np.ndarray, target_positions: np.ndarray,
                     target_facing: np.ndarray) -> dict[str, float]:
    """How well a character follows a commanded path.

    position_mean / position_max: horizontal distance |p_t^xz - p*_t^xz| (m), mean and max over t.
    facing_mean_deg / facing_max_deg: angle between the horizontal facing directions (degrees).
    positions / target_positions [T, 3]; facing / target_facing [T, 3] direction vectors.
    """
    p, q = np.asarray(positions, np.float64), np.asarray(target_positions, np.float64)
    dist = np.linalg.norm((p - q)[..., [0, 2]], axis=-1)
    f, g = _horizontal_unit(facing), _horizontal_unit(target_facing)
    angle = np.degrees(np.arctan2(f[..., 0] * g[..., 1] - f[..., 1] * g[..., 0], np.sum(f * g, axis=-1)))
    angle = np.abs(angle)
    return {"position_mean": _mean(dist), "position_max": float(dist.max()) if dist.size else float("nan"),
            "facing_mean_deg": _mean(angle), "facing_max_deg": float(angle.max()) if angle.size else float("nan")}


def bone_length_drift(skeleton: Skeleton, world_positions: np.ndarray) -> dict[str, float]:
    """Relative deviation of bone lengths from the skeleton's rest lengths.

    For each bone b (a joint and its parent, rest length L_b = |offset_b| > 1e-6) and frame t:
    e_tb = | |x_t(b) - x_t(parent b)| - L_b | / L_b.  Returns {"max": max e, "mean": mean e}.
    """
    offsets = np.asarray(skeleton.offsets, np.float64)
    rest = np.linalg.norm(offsets, axis=-1)
    bones = np.nonzero((skeleton.parents >= 0) & (rest > 1e-6))[0]
    x = np.asarray(world_positions, np.float64)
    length = np.linalg.norm(x[..., bones, :] - x[..., skeleton.parents[bones], :], axis=-1)
    err = np.abs(length - rest[bones]) / rest[bones]
    return {"max": float(err.max()) if err.size else float("nan"), "mean": _mean(err)}


def acceleration_jerk(positions: np.ndarray | Sequence[np.ndarray], fps: float) -> dict[str, float]:
    """Mean and standard deviation of |a_t| (m/s^2) and |j_t| (m/s^3) over frames and joints.

    positions [T, J, 3] (or [T, 3]), or a list of such clips: then the statistics pool every frame
    and joint of every clip (differences never span two clips); formulas in the module docstring.
    """
    clips = [positions] if isinstance(positions, np.ndarray) else list(positions)
    acc, jerk = [], []
    for clip in clips:
        x = np.asarray(clip, np.float64)
        acc.append(np.linalg.norm((x[2:] - 2 * x[1:-1] + x[:-2]) * fps ** 2, axis=-1).reshape(-1))
        jerk.append(np.linalg.norm((x[3:] - 3 * x[2:-1] + 3 * x[1:-2] - x[:-3]) * fps ** 3, axis=-1).reshape(-1))
    a, j = (np.concatenate(v) if v else np.zeros(0) for v in (acc, jerk))
    return {"acceleration_mean": _mean(a), "acceleration_std": _std(a), "jerk_mean": _mean(j), "jerk_std": _std(j)}


def mpjpe(predicted: np.ndarray, target: np.ndarray) -> float:
    """Mean per-joint position error: mean over frames and joints of |x - x*| ([..., J, 3] inputs)."""
    d = np.asarray(predicted, np.float64) - np.asarray(target, np.float64)
    return _mean(np.linalg.norm(d, axis=-1))


def mse(predicted: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error over all elements: mean((x - x*)^2)."""
    d = np.asarray(predicted, np.float64) - np.asarray(target, np.float64)
    return _mean(d * d)


def ape(predicted: Sequence[np.ndarray], target: Sequence[np.ndarray]) -> dict[str, float]:
    """Average position error over clips: per clip c, APE_c = mpjpe(predicted_c, target_c) (mean over
    frames and joints of |x - x*|); returns {"mean": mean_c APE_c, "std": std_c APE_c} (population std)."""
    if len(predicted) != len(target):
        raise ValueError(f"ape: {len(predicted)} predicted clips for {len(target)} target clips")
    per_clip = np.array([mpjpe(p, t) for p, t in zip(predicted, target)], np.float64)
    return {"mean": _mean(per_clip), "std": _std(per_clip)}


def angle_between_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle in degrees between direction vectors u and v [..., 3] (atan2 of |u x v| and u . v)."""
    u, v = np.asarray(u, np.float64), np.asarray(v, np.float64)
    return np.degrees(np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1)))


def gaze_angular_error(predicted_directions: np.ndarray, target_directions: np.ndarray) -> float:
    """Mean angle in degrees between predicted and target gaze directions [..., 3]."""
    return _mean(angle_between_deg(predicted_directions, target_directions))


def motion_beats(positions: np.ndarray, fps: float, smooth_seconds: float = 5.0 / 60.0) -> np.ndarray:
    """Kinematic beat times in seconds: local minima of the mean joint speed.

    s_t = mean over joints of |v_t|, Gaussian-smoothed with sigma `smooth_seconds` (AIST++ uses
    5 frames at 60 fps); beats are frames with s_t < s_{t-1} and s_t < s_{t+1}.
    """
    x = np.asarray(positions, np.float64)
    x = x.reshape(len(x), -1, 3)
    speed = np.linalg.norm(finite_velocity(x, fps), axis=-1).mean(axis=-1)
    speed = gaussian_smooth(speed, smooth_seconds * fps)
    idx = np.nonzero((speed[1:-1] < speed[:-2]) & (speed[1:-1] < speed[2:]))[0] + 1
    return idx / fps


def beat_alignment(motion_beat_times: np.ndarray, music_beat_times: np.ndarray, sigma: float = 0.05,
                   over: str = "music") -> float:
    """Beat alignment score in [0, 1] (Li et al. 2021, AI Choreographer; as in the AIST++ code).

    over="music" (default; Bailando's form): BA = (1 / |B_music|) * sum over music beats b of
    exp(-d_b^2 / (2 sigma^2)), d_b = distance in seconds from b to the nearest motion beat.
    over="motion" (FACT's form): the same average taken over motion beats, d to the nearest music beat.
    sigma = 0.05 s is AIST++'s 3 frames at 60 fps. No beats on the averaged side gives NaN; none on
    the other side scores 0.
    """
    if over not in ("music", "motion"):
        raise ValueError(f"beat_alignment: over must be 'music' or 'motion', got {over!r}")
    music = np.asarray(music_beat_times, np.float64).reshape(-1)
    motion = np.asarray(motion_beat_times, np.float64).reshape(-1)
    ref, other = (music, motion) if over == "music" else (motion, music)
    if ref.size == 0:
        return float("nan")
    if other.size == 0:
        return 0.0
    d = np.min(np.abs(ref[:, None] - other[None, :]), axis=1)
    return float(np.mean(np.exp(-d * d / (2.0 * sigma * sigma))))
