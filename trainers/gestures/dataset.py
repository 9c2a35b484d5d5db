"""The gestures dataset: per frame, the causal music features and the performer's upper-body rotations.

Per clip (NAME.bvh + NAME.wav, optionally NAME.labels.npz with `beats` and `keyboard`):
  features [T, F]   what the runtime computes live: `AudioFeatureSource` (the WAV at 22050 Hz, dt 1/60)
                    driven tick by tick on simulation time k / fps, feature tick k <-> BVH frame k; the
                    FULL vector of `neuropuppet.audio.features` (a feature set picks its columns later),
                    cached on disk per clip under a fingerprint of the WAV's bytes, the extractor's
                    settings and the frame count (`feature_cache`)
  rot6d [T, J*6]    local rotations of the upper-body joints (`upper_body_joints`) as 6D vectors
  root [T, 3], local [T, J_all, 4]: the root's position and every joint's local rotation (the hips and
                    legs the network does not write, and forward kinematics for the report's positions)
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from neuropuppet.artifacts import sha256_of
from neuropuppet.audio import load_audio
from neuropuppet.audio.features import AudioFeatureSource, FeatureExtractor
from neuropuppet.controllers.gestures.features import upper_body_joints
from neuropuppet.errors import AudioError, MotionDataError
from neuropuppet.motion.bvh import read_bvh
from neuropuppet.motion.kinematics import forward_kinematics
from neuropuppet.motion.rotations import quat_normalize, quat_to_sixd
from neuropuppet.motion.skeleton import Skeleton
from neuropuppet.ports import TickInputs

FEATURE_CACHE_VERSION = 1


@dataclass
class GesturesDataset:
    features: np.ndarray          # [M, F] all frames of all clips
    rot6d: np.ndarray             # [M, J*6]
    root: np.ndarray              # [M, 3] the root joint's local position
    local: np.ndarray             # [M, J_all, 4] local rotations of every joint
    clip: np.ndarray              # [M] clip index
    files: list[str]
    beats: list[np.ndarray]       # per clip: labelled music beats (s); empty when unlabelled
    skeleton: Skeleton
    joints: tuple[str, ...]       # the J joints the network writes
    fps: float
    feature_info: dict[str, Any]  # FeatureExtractor.describe(): dt, settings, layout
    keyboard: dict[str, Any] | None = None

    @property
    def joint_index(self) -> np.ndarray:
        return np.array([self.skeleton.index(n) for n in self.joints], np.int64)

    def positions(self, rows: np.ndarray, rotations: np.ndarray | None = None) -> np.ndarray:
        """World positions [T, J, 3] of the upper-body joints for frames `rows`, with the data's own
        rotations or `rotations` [T, J, 4] (local quaternions) in place of the upper body's."""
        local = self.local[rows].astype(np.float64)
        if rotations is not None:
            local[:, self.joint_index] = rotations
        offsets = np.broadcast_to(self.skeleton.offsets.astype(np.float64), local.shape[:2] + (3,)).copy()
        offsets[:, 0] = self.root[rows]
        world, _ = forward_kinematics(self.skeleton.parents, offsets, local)
        return world[:, self.joint_index]


def nominal_fps(fps: float) -> float:
    """The whole frame rate a BVH's rounded frame time stands for (0.016667 s -> 60), else `fps`: the
    runtime ticks at exactly 1/60 s, and the features must be computed on the same ticks."""
    whole = round(fps)
    return float(whole) if whole > 0 and abs(fps - whole) < 1e-2 else float(fps)


def clip_features(wav: Path, frames: int, fps: float, cache: Path | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """The causal features [frames, F] of `wav` as the runtime computes them tick by tick (module docstring),
    and the extractor's description; read from / written to `cache` when given."""
    extractor = FeatureExtractor(1.0 / fps)
    info = extractor.describe()
    key = hashlib.sha256(json.dumps({"wav": sha256_of(wav), "frames": int(frames), "info": info,
                                     "version": FEATURE_CACHE_VERSION}, sort_keys=True).encode()).hexdigest()
    path = cache / f"{wav.stem}_{key[:16]}.npy" if cache is not None else None
    if path is not None and path.is_file():
        try:
            values = np.load(path)
            if values.shape == (frames, extractor.width):
                return values, info
        except (OSError, ValueError):
            pass
    try:
        clip = load_audio(wav)
    except AudioError as e:
        raise MotionDataError(f"{wav}: the clip's music is unusable ({e})") from None
    source = AudioFeatureSource(clip, extractor)
    row = torch.zeros(1, extractor.width)
    inputs = TickInputs(1.0 / fps, values={source.name: row})
    values = np.empty((frames, extractor.width), np.float32)
    for k in range(frames):
        inputs.tick, inputs.time = k, k / fps
        source.sample(inputs)
        values[k] = row[0].numpy()
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.npy")
        np.save(tmp, values)
        os.replace(tmp, path)
    return values, info


def beat_weights(beats: np.ndarray, times: np.ndarray, sigma: float, hold: float = 0.0) -> np.ndarray:
    """Per frame at `times` (s), exp(-d^2 / (2 sigma^2)) with d the distance to the nearest interval
    [b, b + hold x the beat's period] of the `beats` b (s): 1 on a beat and for `hold` of a beat after it,
    ~0 a few sigma away; float32 zeros when there are no beats (an unlabelled clip)."""
    times = np.asarray(times, np.float64)
    beats = np.sort(np.asarray(beats, np.float64).reshape(-1))
    if beats.size == 0:
        return np.zeros(len(times), np.float32)
    periods = np.diff(beats, append=beats[-1] + (beats[-1] - beats[-2] if beats.size > 1 else 0.0))
    at = np.searchsorted(beats, times, side="right")                 # beats[at - 1] <= t < beats[at]
    prev = np.maximum(at - 1, 0)
    since = np.where(at > 0, np.maximum(times - beats[prev] - hold * periods[prev], 0.0), np.inf)
    until = np.where(at < beats.size, beats[np.minimum(at, beats.size - 1)] - times, np.inf)
    d = np.minimum(since, until)
    return np.exp(-d * d / (2.0 * sigma * sigma)).astype(np.float32)


def _labels(bvh: Path) -> tuple[np.ndarray, dict[str, Any] | None]:
    path = bvh.with_name(bvh.name[:-4] + ".labels.npz")
    if not path.is_file():
        return np.zeros(0), None
    with np.load(path, allow_pickle=False) as d:
        beats = np.asarray(d["beats"], np.float64) if "beats" in d else np.zeros(0)
        keyboard = None
        if "keyboard" in d:
            raw = d["keyboard"]
            keyboard = json.loads(str(raw)) if raw.dtype.kind in "US" else None
    return beats, keyboard


def clip_rows(bvh: Path, cache: Path | None = None) -> dict[str, Any]:
    """One clip's rows (module docstring); MotionDataError naming the file when something is missing."""
    wav = bvh.with_suffix(".wav")
    if not wav.is_file():
        raise MotionDataError(f"{wav}: missing (a gestures clip is NAME.bvh with its music NAME.wav)")
    motion = read_bvh(bvh)
    joints = upper_body_joints(motion.skeleton)
    idx = [motion.skeleton.index(n) for n in joints]
    rot = quat_normalize(motion.rotations.astype(np.float64))
    fps = nominal_fps(motion.fps)
    features, info = clip_features(wav, motion.num_frames, fps, cache)
    beats, keyboard = _labels(bvh)
    return {"features": features, "rot6d": quat_to_sixd(rot[:, idx]).reshape(len(rot), -1).astype(np.float32),
            "root": motion.positions[:, 0].astype(np.float32), "local": rot.astype(np.float32),
            "beats": beats, "keyboard": keyboard, "skeleton": motion.skeleton, "joints": joints,
            "fps": fps, "info": info}


def build_dataset(clips: list[Path], *, cache: Path | None = None, progress: bool = False) -> GesturesDataset:
    """All clips' rows; MotionDataError when they mix frame rates or skeletons."""
    rows = [clip_rows(p, cache) for p in tqdm(clips, desc="gestures dataset", unit="clip", disable=not progress)]
    if not rows:
        raise MotionDataError("gestures: no clips")
    fps = {r["fps"] for r in rows}
    if len(fps) != 1:
        raise MotionDataError(f"gestures clips mix frame rates {sorted(fps)}; resample them to one")
    first = rows[0]
    for p, r in zip(clips, rows):
        if not r["skeleton"].same_topology(first["skeleton"]):
            raise MotionDataError(f"{p}: its skeleton differs from {clips[0].name}'s (one performer per dataset)")
    cat = {k: np.concatenate([r[k] for r in rows]) for k in ("features", "rot6d", "root", "local")}
    clip = np.concatenate([np.full(len(r["features"]), i) for i, r in enumerate(rows)])
    keyboard = next((r["keyboard"] for r in rows if r["keyboard"] is not None), None)
    return GesturesDataset(**cat, clip=clip, files=[p.name for p in clips], beats=[r["beats"] for r in rows],
                           skeleton=first["skeleton"], joints=first["joints"], fps=fps.pop(),
                           feature_info=first["info"], keyboard=keyboard)
