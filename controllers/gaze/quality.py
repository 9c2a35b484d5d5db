"""Gaze quality on a scripted target sequence, measured through the public API (issue 11, item 5).

    python -m neuropuppet.controllers.gaze.quality [--minutes 10] [--artifact NAME=PATH ...]

runs the `gaze` controller, the `lookat` baseline (both alone, as a head on a neck) and the ground
truth (the synthetic generator's model, `neuropuppet.motion.synth.gaze.simulate`, for its average
person) on the same script and prints the metrics side by side:

  settled_error_deg   median angle between the gaze and the target >= 1 s after each target change
  peak_velocity       peak gaze speed (deg/s) within 0.6 s after each jump, by jump amplitude;
                      main_sequence (in `compare`): that peak over the ground truth's, by amplitude
  latency_ms          median time from a jump to the movement onset: the first tick whose gaze speed
                      exceeds ONSET_SPEED (30 deg/s, the usual saccade-detection threshold)
  early_move_deg      median gaze movement in the first 100 ms after a jump (a human reacts later: 0)
  peak_at_ms          median time from a jump to the peak gaze speed (the main saccade's middle)
  blinks_per_minute   lid closure rising through 0.5, per minute; blink_after_large / _small: the
                      share of jumps >= 30 deg / <= 10 deg followed by a blink within 0.5 s (blinks
                      are random: over one short script a count of ~15; the long run's figures
                      (`--minutes`) are the ones to compare)
  head_share          the head's yaw change 1 s after a jump over the jump, by amplitude
  eye_range_deg       the largest eye-in-head angle (yaw or pitch, either eye)
  vergence_deg        right eye yaw minus left eye yaw while settled on the 0.3 m target, and on 3 m
  long run            (`--minutes`) the script repeated: settled error in the first and the last minute
                      and the eye angles' spread in the last minute (0 = frozen eyes), for the gaze
                      networks; blinks_per_minute and blink_after_large / _small over the whole run,
                      for them and the ground truth

The script (`script()`): 2 s ahead, jumps of 5, 10, 20, 30, 45, 60 deg alternating left and right
(2 s each, twice, the second time 8 deg up), a slow sweep (10 deg/s), a fast one (60 deg/s), a near
target (0.3 m) and a far one (3 m); repeated for long runs.

`--fresh` prints instead, per artifact, the angle to fixed targets (`FRESH_TARGETS`: ahead, 25-70 degrees off,
near and far) 1.5-2 s and 4-5 s after a fresh character (no fixation before) is handed one.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuropuppet.motion.synth.gaze import simulate

FPS = 60
ONSET_SPEED = 30.0            # deg/s: the gaze is moving (saccade onset) above this speed
JUMPS = (5.0, 10.0, 20.0, 30.0, 45.0, 60.0)
AVERAGE_PERSON = {"blinks_per_minute": 14.0, "head_free_deg": 15.0, "head_share": 0.82, "head_time": 0.125,
                  "latency": 0.2}


@dataclass
class Script:
    target: np.ndarray        # [T, 3] azimuth, elevation (deg), distance (m) from the eye centre
    still_since: np.ndarray   # [T] frames since the target last changed (-1 while it moves)
    jumps: list[tuple[int, float]]   # (frame, amplitude deg)
    near: np.ndarray          # [T] bool: the 0.3 m target
    far: np.ndarray           # [T] bool: the 3 m target after it


def script(repeats: int = 1) -> Script:
    rows: list[np.ndarray] = []
    jumps: list[tuple[int, float]] = []
    near: list[bool] = []
    far: list[bool] = []
    moving: list[bool] = []

    def hold(az: float, el: float, dist: float, seconds: float, kind: str = "") -> None:
        rows.extend([np.array([az, el, dist])] * int(seconds * FPS))
        near.extend([kind == "near"] * int(seconds * FPS))
        far.extend([kind == "far"] * int(seconds * FPS))
        moving.extend([False] * int(seconds * FPS))

    def sweep(az0: float, az1: float, speed: float) -> None:
        n = int(abs(az1 - az0) / speed * FPS)
        rows.extend(np.stack([np.linspace(az0, az1, n), np.zeros(n), np.full(n, 2.0)], -1))
        near.extend([False] * n), far.extend([False] * n), moving.extend([True] * n)

    for _ in range(repeats):
        hold(0, 0, 2.0, 2.0)
        for el in (0.0, 8.0):
            side, at = 1.0, 0.0
            for amp in JUMPS:
                at = at + side * amp if abs(at + side * amp) <= 60 else at - side * amp
                jumps.append((len(rows), float(np.hypot(amp, el if amp == JUMPS[0] else 0.0))))
                hold(at, el, 2.0, 2.0)
                side = -side
            hold(0, 0, 2.0, 2.0)
        sweep(-20, 20, 10.0)
        sweep(20, -40, 60.0)
        hold(0, -10, 0.3, 2.0, "near")
        hold(0, -10, 3.0, 2.0, "far")
    target = np.array(rows)
    still = np.full(len(target), -1)
    mov = np.array(moving)
    for t in range(len(target)):
        if mov[t]:
            continue
        changed = t == 0 or mov[t - 1] or np.any(target[t] != target[t - 1])
        still[t] = 0 if changed else still[t - 1] + 1
    return Script(target, still, jumps, np.array(near), np.array(far))


def _direction(az_deg: np.ndarray, el_deg: np.ndarray) -> np.ndarray:
    az, el = np.radians(az_deg), np.radians(el_deg)
    return np.stack([np.sin(az) * np.cos(el), np.sin(el), np.cos(az) * np.cos(el)], -1)


def _yaw_pitch_deg(q: np.ndarray) -> np.ndarray:
    w, x, y, z = np.moveaxis(np.asarray(q, np.float64), -1, 0)
    d = np.stack([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)], -1)
    return np.degrees(np.stack([np.arctan2(d[..., 0], d[..., 2]), np.arctan2(d[..., 1], np.hypot(d[..., 0], d[..., 2]))], -1))


def run_controller(name: str, s: Script, artifact: str | None = None, **options: Any) -> dict[str, np.ndarray]:
    """Run controller `name` (from `artifact`, default its shipped one) alone on the script; per-tick gaze,
    head, eye and lid records."""
    import neuropuppet as npp
    from neuropuppet.input.source import FunctionInput
    from neuropuppet.motion.kinematics import forward_kinematics

    probe = npp.make(name, artifact=artifact, **options)
    sk = probe.skeleton
    pose = npp.PoseBatch.rest(sk, 1, "cpu").to_numpy()
    wp, _ = forward_kinematics(sk.parents, pose.local_positions, pose.local_rotations, pose.root_position,
                               pose.root_rotation)
    eyes = [sk.index("LeftEye"), sk.index("RightEye")]
    centre = wp[0, eyes].mean(0)
    world = centre + s.target[:, 2:3] * _direction(s.target[:, 0], s.target[:, 1])
    rt = npp.Runtime(tick_rate=FPS)
    g = rt.spawn(probe, inputs={"gaze_target": FunctionInput("gaze_target", lambda t: world[min(int(round(t * FPS)), len(world) - 1)])})
    out: dict[str, list] = {"direction": [], "to_target": [], "head": [], "eyes": [], "lids": [], "hazard": []}
    for i, _ in enumerate(rt.run(len(world))):
        p = g.pose
        ex = {k: v.detach().cpu().numpy()[0].copy() for k, v in p.extras.items()}
        out["direction"].append(ex["gaze_direction"])
        out["to_target"].append(world[i] - ex["gaze_origin"])
        out["head"].append(np.degrees(ex["head_angles"]))
        out["eyes"].append(_yaw_pitch_deg(p.local_rotations[0, eyes].detach().cpu().numpy()))
        out["lids"].append(ex["eyelid_closure"].mean() if "eyelid_closure" in ex else 0.0)
        out["hazard"].append(float(ex["blink_hazard"][0]) if "blink_hazard" in ex else 0.0)
    return {k: np.asarray(v, np.float64) for k, v in out.items()}


def run_ground_truth(s: Script, seed: int = 0) -> dict[str, np.ndarray]:
    """The generator's model of the average person on the script."""
    _, rot, labels = simulate(np.random.default_rng(seed), s.target, dict(AVERAGE_PERSON), FPS)
    return {"direction": labels["gaze_direction"].astype(np.float64),      # from the eye centre, which the
            "to_target": s.target[:, 2:3] * _direction(s.target[:, 0], s.target[:, 1]),   # target is placed from
            "head": labels["head_angles"].astype(np.float64), "eyes": _yaw_pitch_deg(rot[:, [5, 6]]),
            "lids": labels["blink"].astype(np.float64)}


def _angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, -1)))


def measure(r: dict[str, np.ndarray], s: Script) -> dict[str, Any]:
    """The metrics of the module docstring from one run's records."""
    err = _angle(r["direction"], r["to_target"])
    settled = s.still_since >= FPS
    speed = np.concatenate([[0.0], _angle(r["direction"][1:], r["direction"][:-1]) * FPS])
    peaks: dict[float, list[float]] = {}
    latency, early, peak_at, share = [], [], [], {}
    blinks = blink_stats(r, s)
    for f, amp in s.jumps:
        win = speed[f:f + int(0.6 * FPS)]
        peaks.setdefault(round(amp), []).append(float(win.max()))
        moving = np.nonzero(win > ONSET_SPEED)[0]
        if len(moving):
            latency.append(moving[0] / FPS * 1000)
        early.append(float(_angle(r["direction"][f + FPS // 10], r["direction"][max(f - 1, 0)])))
        peak_at.append(int(np.argmax(win)) / FPS * 1000)
        moved = abs(r["head"][min(f + FPS, len(err) - 1), 0] - r["head"][max(f - 1, 0), 0])
        share.setdefault(round(amp), []).append(float(moved / amp))
    vergence = r["eyes"][:, 1, 0] - r["eyes"][:, 0, 0]
    return {
        "settled_error_deg": float(np.median(err[settled])),
        "peak_velocity": {a: float(np.mean(v)) for a, v in sorted(peaks.items())},
        "latency_ms": float(np.median(latency)) if latency else float("nan"),
        "early_move_deg": float(np.median(early)),
        "peak_at_ms": float(np.median(peak_at)),
        **blinks,
        "head_share": {a: float(np.mean(v)) for a, v in sorted(share.items())},
        "eye_range_deg": float(np.abs(r["eyes"]).max()),
        "vergence_near_deg": float(vergence[s.near & settled].mean()),
        "vergence_far_deg": float(vergence[s.far & settled].mean()),
    }


def blink_stats(r: dict[str, np.ndarray], s: Script) -> dict[str, float]:
    """Blinks per minute (lid closure rising through 0.5) and the shares of jumps >= 30 / <= 10 deg with a blink
    starting within 0.5 s after them."""
    onsets = np.nonzero((r["lids"][1:] > 0.5) & (r["lids"][:-1] <= 0.5))[0] + 1
    large, small = [], []
    for f, amp in s.jumps:
        blinked = bool(np.any((onsets >= f) & (onsets < f + FPS // 2)))
        (large if amp >= 30 else small if amp <= 10 else []).append(blinked)
    return {"blinks_per_minute": len(onsets) / (len(r["lids"]) / FPS / 60),
            "blink_after_large": float(np.mean(large)) if large else float("nan"),
            "blink_after_small": float(np.mean(small)) if small else float("nan")}


def drift(r: dict[str, np.ndarray], s: Script) -> dict[str, float]:
    """Settled error in the first and last minute of a long run, and the eyes' spread in the last minute."""
    err = _angle(r["direction"], r["to_target"])
    settled = s.still_since >= FPS
    minute = 60 * FPS
    first, last = slice(0, minute), slice(len(err) - minute, len(err))
    return {"first_minute_error_deg": float(np.median(err[first][settled[first]])),
            "last_minute_error_deg": float(np.median(err[last][settled[last]])),
            "last_minute_eye_std_deg": float(r["eyes"][last].std(0).mean())}


def main_sequence(run: dict[str, Any], truth: dict[str, Any]) -> dict[float, float]:
    """Peak velocity over the ground truth's, by jump amplitude (1 = on the main sequence)."""
    return {a: v / truth["peak_velocity"][a] for a, v in run["peak_velocity"].items()}


def compare(minutes: float = 0.0, artifacts: dict[str, str | None] | None = None) -> dict[str, dict[str, Any]]:
    """Metrics of gaze (one column per `artifacts` entry, name -> path; default the shipped one), lookat and
    the ground truth on one script (+ the long run over `minutes` for each gaze network and the ground truth)."""
    s = script()
    artifacts = artifacts or {"gaze": None}
    runs = {name: run_controller("gaze", s, artifact=path) for name, path in artifacts.items()}
    runs |= {"lookat": run_controller("lookat", s), "ground_truth": run_ground_truth(s)}
    table = {name: measure(r, s) for name, r in runs.items()}
    for name in table:
        if name != "ground_truth":
            table[name]["main_sequence"] = main_sequence(table[name], table["ground_truth"])
    if minutes > 0:
        long = script(repeats=max(1, int(np.ceil(minutes * 60 * FPS / len(s.target)))))
        for name, path in artifacts.items():
            r = run_controller("gaze", long, artifact=path)
            table[name]["long_run"] = {**drift(r, long), **blink_stats(r, long)}
        table["ground_truth"]["long_run"] = blink_stats(run_ground_truth(long), long)
    return table


def markdown(table: dict[str, dict[str, Any]]) -> str:
    names = list(table)
    keys = [k for k in table[names[0]] if k != "long_run"]
    rows = ["| metric | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]

    def fmt(v: Any) -> str:
        if isinstance(v, dict):
            return ", ".join(f"{k}: {x:.2f}" if not isinstance(x, dict) else f"{k}: ..." for k, x in v.items())
        return f"{v:.2f}"
    for k in keys:
        rows.append(f"| {k} | " + " | ".join(fmt(table[n][k]) if k in table[n] else "" for n in names) + " |")
    for n in names:
        if "long_run" in table[n]:
            rows.append(f"| long run ({n}) | " + fmt(table[n]["long_run"]) + " |" + " |" * (len(names) - 1))
    return "\n".join(rows)


FRESH_TARGETS = ((0, 0, 2.0), (25, 5, 2.0), (-40, -10, 3.0), (10, 0, 0.4), (40, 10, 2.0), (-60, 0, 2.0), (30, -20, 1.0),
                 (0, -10, 0.3), (-20, 0, 0.5), (50, 20, 4.0), (-10, 5, 0.3), (70, 0, 2.0))
"""(yaw, pitch deg, distance m) from the eye centre: fixed targets a fresh character is handed (`fresh_state`)."""


def fresh_state(artifact: str | None = None, targets: tuple[tuple[float, float, float], ...] = FRESH_TARGETS,
                spacing: float = 3.0) -> dict[tuple[float, float, float], tuple[float, float]]:
    """Per target: the median angle (deg) between the gaze and a fixed target 1.5-2 s and 4-5 s after a character
    starts from a fresh state (no fixation before), each target handed to its own character from the first tick."""
    import torch
    import neuropuppet as npp
    from neuropuppet.ports import TickInputs
    ctl = npp.make("gaze", len(targets), device="cpu", artifact=artifact, spacing=spacing)
    ahead = torch.tensor([[0.0, 1.6, 2.0]]) + ctl.step(TickInputs(1 / FPS, 0, 0.0, {"gaze_target": torch.zeros(
        len(targets), 3)})).root_position.cpu() * torch.tensor([1.0, 0.0, 0.0])
    origin = ctl.step(TickInputs(1 / FPS, 1, 1 / FPS, {"gaze_target": ahead})).extras["gaze_origin"].cpu().numpy()
    ctl.reset()
    t = np.asarray(targets, np.float64)
    points = origin + t[:, 2:3] * _direction(t[:, 0], t[:, 1])
    err = []
    for i in range(5 * FPS):
        pose = ctl.step(TickInputs(1 / FPS, i, i / FPS, {"gaze_target": torch.as_tensor(points, dtype=torch.float32)}))
        err.append(np.degrees(pose.extras["gaze_error"][:, 0].cpu().numpy()))
    e = np.array(err)
    return {tuple(map(float, k)): (float(np.median(e[90:120, j])), float(np.median(e[240:, j])))
            for j, k in enumerate(targets)}


def fresh_markdown(rows: dict[str, dict[tuple[float, float, float], tuple[float, float]]]) -> str:
    names = list(rows)
    out = ["| target (yaw, pitch deg, distance m) | " + " | ".join(f"{n}: 1.5-2 s / 4-5 s, deg" for n in names) + " |",
           "|---" * (len(names) + 1) + "|"]
    for k in next(iter(rows.values())):
        out.append(f"| {k} | " + " | ".join(f"{rows[n][k][0]:.2f} / {rows[n][k][1]:.2f}" for n in names) + " |")
    out.append("| worst at 4-5 s | " + " | ".join(f"{max(v[1] for v in rows[n].values()):.2f}" for n in names) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--minutes", type=float, default=0.0, help="also run gaze this long on a repeated script (drift)")
    p.add_argument("--artifact", action="append", default=[], metavar="NAME=PATH",
                   help="gaze artifacts to measure (repeatable; default: the shipped gaze.pt and gaze_lod.pt)")
    p.add_argument("--json", type=Path, help="also write the table to this JSON file")
    p.add_argument("--fresh", action="store_true",
                   help="instead: the settle from a fresh state on fixed targets (FRESH_TARGETS) per artifact")
    args = p.parse_args(argv)
    from .controller import DEFAULT_DIR
    arts = dict(a.split("=", 1) for a in args.artifact) or {
        "gaze": str(DEFAULT_DIR / "gaze.pt"), "gaze_lod": str(DEFAULT_DIR / "gaze_lod.pt")}
    arts = {k: v for k, v in arts.items() if Path(v).is_file()}
    if args.fresh:
        print(fresh_markdown({k: fresh_state(v) for k, v in arts.items()}))
        return
    table = compare(args.minutes, arts)
    if args.json:
        import json
        args.json.write_text(json.dumps(table, indent=1, default=float))
    print(markdown(table))


if __name__ == "__main__":
    main()
