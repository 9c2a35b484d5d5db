"""Quality report of a trained PFNN on held-out clips, beside the same metrics of the ground truth.

Each held-out clip (its first `report_seconds`) is replayed in closed loop: the network sees the
clip's trajectory (positions, facings, gaits, terrain, relative to the *network's own* root) as the
command, but its own previous joints and phase, and its root moves by its own predictions. The
model's poses and the ground truth's are rebuilt the same way (root path, local rotations, forward
kinematics) and measured with `neuropuppet.motion.metrics`:
  foot_skating_m_s    mean horizontal speed of heel/toe joints while labelled in contact (m/s)
  trajectory_*        root path and facing versus the clip's (what following the command costs)
  bone_drift_*        relative bone-length error of the predicted joint *positions* output
                      (the rotation pose is rebuilt from the skeleton, so its bones never drift)
  jerk_mean           mean |d3x/dt3| of all joints (m/s^3); acceleration likewise
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from neuropuppet.controllers.pfnn.features import PFNNFeatures
from neuropuppet.controllers.pfnn.network import PFNN
from neuropuppet.motion import metrics as mm
from neuropuppet.motion.kinematics import forward_kinematics
from neuropuppet.motion.rotations import quat_exp, quat_from_yaw, quat_mul
from neuropuppet.motion.skeleton import Skeleton
from neuropuppet.training import markdown_table

from .dataset import FOOT_JOINTS, FPS, PFNNDataset, pick_joint


@torch.no_grad()
def rollout(model: PFNN, X: np.ndarray, Y: np.ndarray, phase0: float, skeleton: Skeleton) -> dict[str, np.ndarray]:
    """Closed-loop replay of consecutive rows; world root path, facings, FK pose, predicted joints, contacts."""
    feats = PFNNFeatures.for_joints(skeleton.num_joints)
    x = torch.from_numpy(X[0:1].copy())
    phase = torch.tensor([phase0], dtype=torch.float32)
    ys = []
    for t in range(len(X)):
        row = torch.from_numpy(X[t:t + 1].copy())
        if t > 0:
            row[:, feats.x["joint_pos"]] = x[:, feats.x["joint_pos"]]
            row[:, feats.x["joint_vel"]] = x[:, feats.x["joint_vel"]]
        y = model(row, phase)
        ys.append(y[0].numpy())
        x = torch.zeros_like(row)
        x[:, feats.x["joint_pos"]] = y[:, feats.y["joint_pos"]]
        x[:, feats.x["joint_vel"]] = y[:, feats.y["joint_vel"]]
        phase = torch.remainder(phase + y[:, 3].clamp(0.0, 0.1), 1.0)
    return rebuild(np.stack(ys), skeleton)


def rebuild(Y: np.ndarray, skeleton: Skeleton) -> dict[str, np.ndarray]:
    """World-space motion from output rows [T, 311]: integrate the root, then forward kinematics."""
    feats = PFNNFeatures.for_joints(skeleton.num_joints)
    j, t = skeleton.num_joints, len(Y)
    xz, yaw = np.zeros(2), 0.0
    roots, yaws = [], []
    for k in range(t):
        c, s = np.cos(yaw), np.sin(yaw)
        v = Y[k, 0:2]
        xz = xz + np.array([v[0] * c + v[1] * s, -v[0] * s + v[1] * c])
        yaw += float(Y[k, 2])
        roots.append(xz.copy()); yaws.append(yaw)
    root = np.array(roots)
    yaw_a = np.array(yaws)
    rq = quat_from_yaw(yaw_a)
    jp = Y[:, feats.y["joint_pos"]].reshape(t, j, 3)
    jr = quat_exp(Y[:, feats.y["joint_rot"]].reshape(t, j, 3))
    root3 = np.stack([root[:, 0], np.zeros(t), root[:, 1]], -1)

    def to_world(p: np.ndarray) -> np.ndarray:
        c, s = np.cos(yaw_a)[:, None], np.sin(yaw_a)[:, None]
        return np.stack([p[..., 0] * c + p[..., 2] * s, p[..., 1], -p[..., 0] * s + p[..., 2] * c], -1) + root3[:, None]

    local_pos = np.broadcast_to(skeleton.offsets, (t, j, 3)).copy()
    local_pos[:, 0] = to_world(jp[:, :1])[:, 0]
    local_rot = jr.copy()
    local_rot[:, 0] = quat_mul(rq, jr[:, 0])
    world, _ = forward_kinematics(skeleton.parents, local_pos, local_rot)
    facing = np.stack([np.sin(yaw_a), np.zeros(t), np.cos(yaw_a)], -1)
    return {"root": root3, "facing": facing, "world": world, "joints": to_world(jp),
            "contacts": Y[:, feats.y["contacts"]] > 0.5}


def motion_metrics(m: dict[str, np.ndarray], target: dict[str, np.ndarray], skeleton: Skeleton) -> dict[str, float]:
    feet = [pick_joint(skeleton, *names) for pair in FOOT_JOINTS for names in pair]
    traj = mm.trajectory_error(m["root"], m["facing"], target["root"], target["facing"])
    drift = mm.bone_length_drift(skeleton, m["joints"])
    jerk = mm.acceleration_jerk(m["world"], FPS)
    out = {"foot_skating_m_s": mm.foot_skating(m["world"][:, feet], m["contacts"], FPS),
           "trajectory_position_mean_m": traj["position_mean"], "trajectory_facing_mean_deg": traj["facing_mean_deg"],
           "bone_drift_mean": drift["mean"], "bone_drift_max": drift["max"]}
    out.update({f"{k}": float(v) for k, v in jerk.items() if "mean" in k})
    return out


def evaluate(model: PFNN, ds: PFNNDataset, val_idx: np.ndarray, cfg: Any) -> dict[str, dict[str, float]]:
    """{"model": metrics, "ground_truth": metrics} averaged over the held-out clips (non-mirrored)."""
    model.eval()
    frames = int(cfg.report_seconds * FPS)
    rows_by_clip: dict[int, np.ndarray] = {}
    for c in np.unique(ds.clip[val_idx]):
        if not ds.clips[c].endswith("_mirror"):
            rows_by_clip[int(c)] = val_idx[ds.clip[val_idx] == c][:frames]
    res: dict[str, list[dict[str, float]]] = {"model": [], "ground_truth": []}
    for c, rows in rows_by_clip.items():
        if len(rows) < 8:
            continue
        truth = rebuild(ds.Y[rows], ds.skeleton)
        pred = rollout(model, ds.X[rows], ds.Y[rows], float(ds.phase[rows[0]]), ds.skeleton)
        res["model"].append(motion_metrics(pred, truth, ds.skeleton))
        res["ground_truth"].append(motion_metrics(truth, truth, ds.skeleton))
    return {k: {m: float(np.mean([r[m] for r in v])) for m in v[0]} for k, v in res.items() if v}


def quality_markdown(quality: dict[str, dict[str, float]]) -> str:
    """The report.md section: each metric of the model beside the ground truth's."""
    table = {name: {"model": quality.get("model", {}).get(name, float("nan")),
                    "ground truth": quality.get("ground_truth", {}).get(name, float("nan"))}
             for name in quality.get("model", {})}
    if not table:
        return "No closed-loop quality measured (report_seconds is 0, or the held-out clips are too short)."
    return ("Quality on held-out clips (closed-loop replay, see trainers/pfnn/report.py):\n\n"
            + markdown_table(table))
