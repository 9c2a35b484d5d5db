"""The gaze training report: the trained network run on held-out clips on its own, beside the ground truth.

Angles are compared in the neutral head's frame (the eye centre's shift by the head's turn, a few
centimetres, is ignored for both the network and the ground truth). Blink rate: the network's
expected blinks (the sum of its per-tick hazards) per minute against the clips' blinks per minute.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from neuropuppet.controllers.gaze.features import ANGLES
from neuropuppet.controllers.gaze.geometry import gaze_from_angles
from neuropuppet.motion.metrics import angle_between_deg
from neuropuppet.training import contiguous_runs

from .dataset import GazeDataset

from .dataset import SETTLED_DEG


def gaze_in_head(angles: np.ndarray) -> np.ndarray:
    """Mean gaze direction [T, 3] of both eyes in the neutral head's frame from angles [T, 6]."""
    return gaze_from_angles(torch.from_numpy(np.asarray(angles, np.float64))).numpy()


@torch.no_grad()
def run_clip(model: torch.nn.Module, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The network on one clip tick by tick from zero state: angles [T, 6], blink hazard [T]."""
    model.eval()
    h, c = model.initial_state(1)
    xs = torch.from_numpy(x)
    angles, hazard = [], []
    for t in range(len(xs)):
        a, logit, h, c = model(xs[t:t + 1], h, c)
        angles.append(a[0])
        hazard.append(torch.sigmoid(logit[0, 0]))
    return torch.stack(angles).numpy(), torch.stack(hazard).numpy()


def evaluate(model: torch.nn.Module, ds: GazeDataset, held_out: np.ndarray, clips: int) -> dict[str, Any]:
    """Metrics over the first `clips` held-out clips (module docstring)."""
    runs = contiguous_runs(held_out, ds.clip)[:clips]
    err_net, err_gt, settled_net, settled_gt, diff = [], [], [], [], []
    blinks_gt = blinks_net = minutes = 0.0
    for r in runs:
        angles, hazard = run_clip(model, ds.x[r])
        want = ds.x[r, :3]
        e_net = angle_between_deg(gaze_in_head(angles), want)
        e_gt = angle_between_deg(gaze_in_head(ds.angles[r]), want)
        still = e_gt < SETTLED_DEG
        err_net.append(e_net), err_gt.append(e_gt)
        settled_net.append(e_net[still]), settled_gt.append(e_gt[still])
        diff.append(np.degrees(np.abs(angles - ds.angles[r])))
        blinks_gt += float(ds.blink_onset[r].sum())
        blinks_net += float(hazard.sum())
        minutes += len(r) / ds.fps / 60.0
    if not runs:
        return {}
    d = np.concatenate(diff)
    return {
        "clips": len(runs), "minutes": round(minutes, 2),
        "gaze_error_deg": {"network": float(np.concatenate(err_net).mean()), "ground_truth": float(np.concatenate(err_gt).mean())},
        "settled_error_deg": {"network": float(np.median(np.concatenate(settled_net))),
                              "ground_truth": float(np.median(np.concatenate(settled_gt)))},
        "angle_mae_deg": {"head": float(d[:, :2].mean()), "eyes": float(d[:, 2:ANGLES].mean())},
        "blinks_per_minute": {"network": blinks_net / minutes, "ground_truth": blinks_gt / minutes},
    }


def quality_markdown(q: dict[str, Any]) -> str:
    if not q:
        return "No held-out clips evaluated."
    rows = ["| metric | network | ground truth |", "|---|---|---|"]
    for key in ("gaze_error_deg", "settled_error_deg", "blinks_per_minute"):
        rows.append(f"| {key} | {q[key]['network']:.2f} | {q[key]['ground_truth']:.2f} |")
    rows.append(f"| angle MAE vs ground truth, deg | head {q['angle_mae_deg']['head']:.2f}, "
                f"eyes {q['angle_mae_deg']['eyes']:.2f} | 0 |")
    return (f"Held-out: {q['clips']} clips, {q['minutes']} minutes, the network run tick by tick on its own.\n"
            "Settled error: median over frames where the ground truth is within 3 degrees of the target.\n\n"
            + "\n".join(rows))
