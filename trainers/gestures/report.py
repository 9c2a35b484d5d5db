"""The gestures training report: the trained network run on held-out clips on its own, beside the ground truth.

The network runs each held-out clip from zero state over the whole clip (the LSTM over all frames at
once: the same numbers as tick by tick); its rotations and the data's go through the same forward
kinematics (the data's hips and legs for both), giving world positions of the upper-body joints
(metres, Y up). Formulas (`neuropuppet.motion.metrics`), x_t positions, fps = 60:

  MSE            mean over frames, joints and the 3 coordinates of (100 (x - x*))^2: cm^2
  APE            per clip, mean over frames and joints of |x - x*| (m); mean and std over clips
  acceleration   |x_{t+1} - 2 x_t + x_{t-1}| fps^2 (m/s^2), mean and std over frames, joints, clips
  jerk           |x_{t+2} - 3 x_{t+1} + 3 x_t - x_{t-1}| fps^3 (m/s^3), the same pooling
  beat alignment motion beats = local minima of the mean joint speed (Gaussian-smoothed, sigma 5 frames);
                 per clip the mean over the labelled music beats b of exp(-d_b^2 / (2 0.05^2)), d_b the
                 distance (s) to the nearest motion beat (Bailando/AIST++'s form); mean over clips
Clips without labelled beats are left out of beat alignment.

Long run: the held-out clips' features laid end to end and repeated to LONG_RUN_MINUTES, run from one
zero state (one performer playing for ten minutes): finite everywhere, and the mean joint speed (m/s)
and mean pose offset from the data's mean in the first and the last minute (drift or freezing shows as
a last minute unlike the first).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from neuropuppet.controllers.gestures.network import GesturesNet
from neuropuppet.motion.metrics import acceleration_jerk, ape, beat_alignment, motion_beats, mse
from neuropuppet.training import contiguous_runs, markdown_table

from .dataset import GesturesDataset


LONG_RUN_MINUTES = 10.0


@torch.no_grad()
def run_clip(net: GesturesNet, features: np.ndarray) -> np.ndarray:
    """Local rotations [T, J, 4] of the network on one clip's features [T, F] from zero state."""
    was = net.training
    net.eval()
    raw, _, _ = net.sequence(torch.from_numpy(np.ascontiguousarray(features))[None])
    net.train(was)
    return net.rotations(raw[0]).double().numpy()


def _movement(clips: list[np.ndarray], beats: list[np.ndarray], fps: float) -> dict[str, float]:
    m = acceleration_jerk(clips, fps)
    scores = [beat_alignment(motion_beats(p, fps), b) for p, b in zip(clips, beats) if len(b)]
    m["beat_alignment"] = float(np.mean(scores)) if scores else float("nan")
    return m


def long_run(net: GesturesNet, ds: GesturesDataset, runs: list[np.ndarray], minutes: float = LONG_RUN_MINUTES
             ) -> dict[str, Any]:
    """The long-run check of the module docstring over the held-out `runs`."""
    rows = np.concatenate(runs)
    frames = int(minutes * 60 * ds.fps)
    rows = np.resize(rows, frames)                           # repeated end to end
    local = run_clip(net, ds.features[rows])
    minute = int(60 * ds.fps)
    out: dict[str, Any] = {"minutes": minutes, "finite": bool(np.isfinite(local).all())}
    for name, part in (("first_minute", slice(0, minute)), ("last_minute", slice(frames - minute, frames))):
        x = ds.positions(rows[part], local[part])
        speed = np.linalg.norm(np.diff(x, axis=0), axis=-1).mean() * ds.fps
        out[name] = {"speed": float(speed), "offset_from_mean": float(np.linalg.norm(x.mean(0) - ds.positions(rows[part]).mean(0), axis=-1).mean())}
    return out


def evaluate(net: GesturesNet, ds: GesturesDataset, held_out: np.ndarray, clips: int) -> dict[str, Any]:
    """Metrics over the first `clips` held-out clips (module docstring), network and ground truth."""
    runs = contiguous_runs(held_out, ds.clip)[:clips]
    if not runs:
        return {}
    pred, true, beats = [], [], []
    for r in runs:
        pred.append(ds.positions(r, run_clip(net, ds.features[r])))
        true.append(ds.positions(r))
        beats.append(ds.beats[int(ds.clip[r[0]])])
    finite = bool(all(np.isfinite(p).all() for p in pred))
    error = ape(pred, true)
    return {
        "clips": len(runs), "minutes": round(sum(len(r) for r in runs) / ds.fps / 60.0, 2), "finite": finite,
        "mse_cm2": mse(np.concatenate(pred) * 100.0, np.concatenate(true) * 100.0),
        "ape_m": error, "network": _movement(pred, beats, ds.fps), "ground_truth": _movement(true, beats, ds.fps),
        "long_run": long_run(net, ds, runs),
    }


def quality_markdown(q: dict[str, Any]) -> str:
    """The report's table: network beside the ground truth."""
    if not q:
        return "No held-out clips evaluated."
    n, g = q["network"], q["ground_truth"]
    rows = [["MSE of positions (cm^2)", f"{q['mse_cm2']:.2f}", "0"],
            ["APE (m), mean / std over clips", f"{q['ape_m']['mean']:.4f} / {q['ape_m']['std']:.4f}", "0"],
            ["acceleration (m/s^2), mean / std", f"{n['acceleration_mean']:.3f} / {n['acceleration_std']:.3f}",
             f"{g['acceleration_mean']:.3f} / {g['acceleration_std']:.3f}"],
            ["jerk (m/s^3), mean / std", f"{n['jerk_mean']:.2f} / {n['jerk_std']:.2f}",
             f"{g['jerk_mean']:.2f} / {g['jerk_std']:.2f}"],
            ["beat alignment", f"{n['beat_alignment']:.3f}", f"{g['beat_alignment']:.3f}"]]
    lr = q["long_run"]
    first, last = lr["first_minute"], lr["last_minute"]
    long = (f"\n\nLong run ({lr['minutes']:g} minutes of the held-out music end to end, one start): finite "
            f"{lr['finite']}; mean joint speed {first['speed']:.3f} m/s in the first minute, {last['speed']:.3f} in the "
            f"last; mean offset from the data's mean pose {first['offset_from_mean']:.3f} m / {last['offset_from_mean']:.3f} m.")
    return (f"Held-out: {q['clips']} clips, {q['minutes']} minutes, the network run on each from zero state "
            f"(finite everywhere: {q['finite']}). Positions: forward kinematics of the upper-body joints.\n\n"
            + markdown_table({name: {"network": net, "ground truth": gt} for name, net, gt in rows}) + long)
