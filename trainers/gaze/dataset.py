"""The gaze dataset: per frame, network inputs and targets read from BVH clips (+ their labels' target).

Per clip (`.bvh` with Spine1, Neck, Head, LeftEye, RightEye, LeftEyelid, RightEyelid, and
`.labels.npz` with `target` [T, 3]): x [T, 5] (controllers/gaze/features.py), angles [T, 6] (head over
the neutral head, eyes in the head), blink_onset [T] (the lids' closure rising through 0.02: blinks
are read from the eyelid joints), closure [T] and the world target [T, 3].
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from neuropuppet.controllers.gaze.features import heading, wrap_angle
from neuropuppet.controllers.gaze.geometry import gaze_from_angles, gaze_inputs, looks_along, relative_angles, yaw_pitch
from neuropuppet.motion.metrics import angle_between_deg
from neuropuppet.errors import MotionDataError
from neuropuppet.motion.bvh import read_bvh
from neuropuppet.motion.synth.gaze import EYELID_CLOSED_DEG

JOINTS = ("Spine1", "Neck", "Head", "LeftEye", "RightEye", "LeftEyelid", "RightEyelid")
ONSET_CLOSURE = 0.02
SETTLED_DEG = 3.0        # a frame whose ground-truth gaze is this close to the target is "settled"


@dataclass
class GazeDataset:
    x: np.ndarray            # [M, 5] all frames of all clips
    angles: np.ndarray       # [M, 6]
    blink_onset: np.ndarray  # [M] float 0/1
    closure: np.ndarray      # [M]
    settled: np.ndarray      # [M] float 0/1: the ground truth's gaze within SETTLED_DEG of the target
    target: np.ndarray       # [M, 3] world
    clip: np.ndarray         # [M] clip index
    files: list[str]
    fps: float


def clip_rows(bvh: Path) -> dict[str, np.ndarray]:
    """One clip's rows (see module docstring); MotionDataError naming the file when joints are missing."""
    motion = read_bvh(bvh)
    sk = motion.skeleton
    missing = [j for j in JOINTS if j not in sk.names]
    if missing:
        raise MotionDataError(f"{bvh}: a gaze clip needs joints {', '.join(JOINTS)}; missing {', '.join(missing)}")
    labels = bvh.with_name(bvh.name[:-4] + ".labels.npz")
    if not labels.is_file():
        raise MotionDataError(f"{labels}: missing (the gaze target of every frame)")
    with np.load(labels) as d:
        target = torch.from_numpy(np.asarray(d["target"], np.float64))
    wp, wr = (torch.from_numpy(a.astype(np.float64)) for a in motion.world())
    if len(target) != len(wp):
        raise MotionDataError(f"{labels}: {len(target)} target rows for {len(wp)} frames")
    j = {n: sk.index(n) for n in JOINTS}
    chest_q = wr[:, j["Spine1"]]
    off = torch.from_numpy(sk.offsets.astype(np.float64))
    from neuropuppet.motion.rotations_torch import quat_rotate
    head_p = wp[:, j["Spine1"]] + quat_rotate(chest_q, (off[j["Neck"]] + off[j["Head"]]).expand(len(wp), 3))
    eye_mid = 0.5 * (off[j["LeftEye"]] + off[j["RightEye"]])
    yaw = heading(chest_q)
    turn = torch.zeros(len(yaw), 1, dtype=torch.float64)
    turn[1:, 0] = wrap_angle(yaw[1:] - yaw[:-1]) * motion.fps
    x = gaze_inputs(target, head_p, chest_q, eye_mid, turn)
    head = relative_angles(chest_q, wr[:, j["Head"]])
    eyes = [yaw_pitch(looks_along(torch.from_numpy(motion.rotations[:, j[e]].astype(np.float64))))
            for e in ("LeftEye", "RightEye")]
    lid_q = motion.rotations[:, [j["LeftEyelid"], j["RightEyelid"]]].astype(np.float64)
    closure = np.degrees(2 * np.arctan2(lid_q[..., 1], lid_q[..., 0])).mean(1) / EYELID_CLOSED_DEG
    onset = np.zeros(len(closure), np.float32)
    onset[1:] = (closure[1:] > ONSET_CLOSURE) & (closure[:-1] <= ONSET_CLOSURE)
    angles = torch.cat([head] + eyes, -1)
    settled = angle_between_deg(gaze_from_angles(angles).numpy(), x[:, :3].numpy()) < SETTLED_DEG
    return {"x": x.numpy().astype(np.float32), "angles": angles.numpy().astype(np.float32),
            "settled": settled.astype(np.float32),
            "blink_onset": onset, "closure": closure.astype(np.float32), "target": target.numpy().astype(np.float32),
            "fps": np.float32(motion.fps)}


def build_dataset(clips: list[Path], *, progress: bool = False) -> GazeDataset:
    rows = [clip_rows(p) for p in tqdm(clips, desc="gaze dataset", unit="clip", disable=not progress)]
    fps = {float(r["fps"]) for r in rows}
    if len(fps) != 1:
        raise MotionDataError(f"gaze clips mix frame rates {sorted(fps)}; resample them to one")
    cat = {k: np.concatenate([r[k] for r in rows]) for k in ("x", "angles", "blink_onset", "closure", "settled", "target")}
    clip = np.concatenate([np.full(len(r["x"]), i) for i, r in enumerate(rows)])
    return GazeDataset(**cat, clip=clip, files=[p.name for p in clips], fps=fps.pop())
