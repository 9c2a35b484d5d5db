"""Motion quality of a MANN controller under a scripted stick, beside the quadruped generator's ground truth.

Figures per moving gait (walk, pace, trot, canter), measured through the public controller API (reset,
`step(TickInputs)`, world joints by forward kinematics), either of the raw network or with the controller's
default pose modifier, the foot lock (`neuropuppet.modifiers.FootLockModifier`'s `FootLock` on the declared
contacts), applied to each tick's pose as `play` does:
  offsets      footfall phase offset of each paw (cycles, 0..1) after the reference paw (LH), the circular
               mean over cycles of (touch-down time - the reference's) / stride period
  period       stride period (s);  speed: mean root speed (m/s)
  skating      mean horizontal speed of each paw while planted (m/s, `neuropuppet.motion.metrics.foot_skating`),
               over the frames of a plant whose neighbours are planted too (`still`): the central difference
               there spans planted frames only; at a plant's first and last frame it mixes in the landing or
               the lift-off, and a threshold on that mixed speed decided whether a lift-off counted as skating
  heading_deg  mean angle between the facing and the commanded direction (stick up = world +Z), settled
  jerk         mean |jerk| of all joints (m/s^3, `acceleration_jerk`)
Touch-downs and plants are read from the paws' motion alike for the model and the ground truth: a paw is
planted while its horizontal speed is under 0.3 m/s and it is within 3 cm of its lowest height (the truth's
contact labels are not used: they also mark the landing and lift-off frames, where its paws move). The
ground truth is generated clips (`neuropuppet.motion.synth.quadruped.generate_clip`) cut to the frames
where one gait has weight > 0.99 for at least 1.5 s.

`standstill_start` measures the start from rest with the stick alone at a small push (it must walk).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from neuropuppet.modifiers import FootLockModifier, build_modifier, legs_from_contacts
from neuropuppet.motion.foot_ik import FootLock
from neuropuppet.motion.kinematics import forward_kinematics
from neuropuppet.motion.metrics import acceleration_jerk, foot_skating
from neuropuppet.ports import TickInputs

from .features import FPS

MOVING_GAITS = ("walk", "pace", "trot", "canter")
REFERENCE_PAW = 2           # LH, the generator's offset origin
PLANT_SPEED, PLANT_HEIGHT = 0.3, 0.03
SETTLE_SECONDS = 2.0


def planted(paws: np.ndarray) -> np.ndarray:
    """[T, F] bool: paws [T, F, 3] slow and near their lowest height (module docstring)."""
    v = np.gradient(paws[..., [0, 2]], axis=0) * FPS
    low = np.percentile(paws[..., 1], 5, axis=0)
    return (np.linalg.norm(v, axis=-1) < PLANT_SPEED) & (paws[..., 1] < low + PLANT_HEIGHT)


def still(c: np.ndarray) -> np.ndarray:
    """[T, F] bool: planted frames c [T, F] whose previous and next frames are planted too (a plant's inside)."""
    out = np.zeros_like(c, dtype=bool)
    out[1:-1] = c[1:-1] & c[:-2] & c[2:]
    return out


def _onsets(c: np.ndarray) -> np.ndarray:
    return np.nonzero(c[1:] & ~c[:-1])[0] + 1


def footfall(contacts: np.ndarray, reference: int = REFERENCE_PAW) -> tuple[np.ndarray, float]:
    """(offsets [F] in cycles, NaN where undefined; stride period in seconds) of contacts [T, F] bool."""
    ref = _onsets(contacts[:, reference])
    f = contacts.shape[1]
    if len(ref) < 3:
        return np.full(f, np.nan), float("nan")
    period = float(np.median(np.diff(ref)))
    out = np.full(f, np.nan)
    for k in range(f):
        on = _onsets(contacts[:, k])
        phases = []
        for r in ref[:-1]:
            later = on[on >= r]
            if len(later):
                phases.append(((later[0] - r) / period) % 1.0)
        if phases:
            a = np.exp(2j * np.pi * np.asarray(phases))
            out[k] = float(np.angle(a.mean()) / (2 * np.pi)) % 1.0
    return out, period / FPS


def figures(world: np.ndarray, feet: Sequence[int], root_xz: np.ndarray, facing_yaw: np.ndarray,
            command_yaw: float | None) -> dict[str, Any]:
    """The module docstring's figures of one stretch: world joints [T, J, 3], root (x, z) [T, 2], yaw [T]."""
    paws = world[:, list(feet)]
    c = planted(paws)
    inside = still(c)
    offsets, period = footfall(c)
    speed = float(np.mean(np.linalg.norm(np.diff(root_xz, axis=0), axis=-1)) * FPS)
    out = {"offsets": [round(float(o), 3) for o in offsets], "period": round(period, 3), "speed": round(speed, 3),
           "skating": [round(foot_skating(paws[:, k:k + 1], inside[:, k:k + 1], FPS), 5) for k in range(len(feet))],
           "jerk": round(acceleration_jerk(world, FPS)["jerk_mean"], 1)}
    if command_yaw is not None:
        d = np.angle(np.exp(1j * (facing_yaw - command_yaw)))
        out["heading_deg"] = round(float(np.degrees(np.mean(np.abs(d)))), 2)
    return out


def gait_pad(table: Any, gait: str, stick: tuple[float, float] = (0.0, 1.0)) -> torch.Tensor:
    """One pad row [21]: the left stick at `stick` and the gait's selector pressed (`table`: a GaitTable)."""
    pad = torch.zeros(21)
    pad[0], pad[1] = stick
    g = table.gait(gait)
    if g.selected_by:
        pad[g.selected_by[0]] = 1.0
    return pad


def foot_lock_for(controller: Any) -> Any:
    """The foot lock the `foot_lock` modifier would bind to `controller` (batch 1), with the options of the
    controller's `default_modifiers` entry for it (defaults where it names none)."""
    spec = {o.name: o for o in controller.outputs}["contacts"]
    mod = FootLockModifier()
    for item in getattr(controller, "default_modifiers", ()) or ():
        m = build_modifier(item)
        if isinstance(m, FootLockModifier):
            mod = m
    legs = legs_from_contacts(controller.skeleton, spec.joints, mod.toe_height)
    return FootLock(controller.skeleton, legs, 1, **mod.options)


def run_pads(controller: Any, pads: torch.Tensor, foot_lock: bool = False) -> dict[str, np.ndarray]:
    """Step `controller` (batch 1) through pads [T, 21]; world joints [T, J, 3], root xz [T, 2], yaw [T],
    expert weights [T, K], contacts [T, F] (camera yaw 0: stick up walks to world +Z). foot_lock: each
    pose through the foot lock first (flat ground)."""
    from neuropuppet.terrain import HeightField
    sk = controller.skeleton
    world, root, yaw, experts, contacts = [], [], [], [], []
    yaw0 = torch.zeros(1)
    lock, ground = (foot_lock_for(controller), HeightField.flat()) if foot_lock else (None, None)
    for t in range(len(pads)):
        pose = controller.step(TickInputs(1.0 / FPS, t, t / FPS, {"gamepad": pads[t:t + 1], "camera_yaw": yaw0}))
        p = pose.to_numpy()
        if lock is not None:
            rot = np.ascontiguousarray(p.local_rotations, np.float32)
            lock.apply(p.root_position, p.root_rotation, p.local_positions, rot, p.extras["contacts"], ground)
            p.local_rotations = rot
        w, _ = forward_kinematics(sk.parents, p.local_positions[0], p.local_rotations[0], p.root_position[0],
                                  p.root_rotation[0])
        world.append(w)
        root.append(p.root_position[0, [0, 2]])
        q = p.root_rotation[0]
        yaw.append(2.0 * np.arctan2(q[2], q[0]))
        experts.append(p.extras["expert_weights"][0])
        contacts.append(p.extras["contacts"][0])
    return {"world": np.asarray(world), "root": np.asarray(root), "yaw": np.asarray(yaw),
            "experts": np.asarray(experts), "contacts": np.asarray(contacts)}


def measure_model(controller: Any, gaits: Sequence[str] = MOVING_GAITS, seconds: float = 6.0,
                  foot_lock: bool = False) -> dict[str, Any]:
    """Figures per gait of `controller` (batch 1): reset, 1 s idle, then from standstill the stick up (full
    push) with the gait's selector for `seconds` (the first SETTLE_SECONDS not measured)."""
    out: dict[str, Any] = {}
    feet = controller.features.feet
    for gait in gaits:
        if gait not in controller.gaits:
            continue
        controller.reset()
        idle = torch.zeros(int(FPS), 21)
        move = gait_pad(controller.table, gait).expand(int(seconds * FPS), 21)
        rec = run_pads(controller, torch.cat([idle, move]), foot_lock)
        s = int((1.0 + SETTLE_SECONDS) * FPS)
        out[gait] = figures(rec["world"][s:], feet, rec["root"][s:], rec["yaw"][s:], 0.0)
    return out


def standstill_start(controller: Any, push: float = 0.5, seconds: float = 6.0) -> dict[str, Any]:
    """From rest (reset, 1 s idle), the stick alone pushed `push` up for `seconds`: the figures of the
    settled stretch (as `measure_model`), the commanded speed (m/s) and the seconds until the root first
    covers 0.3 m (the start)."""
    controller.reset()
    idle = torch.zeros(int(FPS), 21)
    move = gait_pad(controller.table, controller.table.moving, (0.0, push)).expand(int(seconds * FPS), 21)
    rec = run_pads(controller, torch.cat([idle, move]))
    s = int((1.0 + SETTLE_SECONDS) * FPS)
    out = figures(rec["world"][s:], controller.features.feet, rec["root"][s:], rec["yaw"][s:], 0.0)
    moved = np.linalg.norm(rec["root"] - rec["root"][int(FPS)], axis=-1)
    far = np.nonzero(moved > 0.3)[0]
    out["push"] = push
    out["start_seconds"] = round(float(far[0] / FPS - 1.0), 2) if len(far) else float("nan")
    want, _, _ = controller._core.desired(controller._core.stick_walks(move[:1].clone()), torch.tensor([[0.0, 1.0]]))
    out["commanded_speed"] = round(float(want.norm()), 3)
    return out


def measure_ground_truth(gaits: Sequence[str] = MOVING_GAITS, clips: int = 6, seconds: float = 60.0,
                         seed: int = 1000) -> dict[str, Any]:
    """Figures per gait of generated clips (module docstring), averaged over stretches weighted by length."""
    from neuropuppet.motion.synth.quadruped import GAIT_NAMES, LEGS, PAW_JOINTS, generate_clip, quadruped_skeleton
    sk = quadruped_skeleton()
    feet = [sk.index(PAW_JOINTS[leg]) for leg in LEGS]
    stretches: dict[str, list[tuple[int, dict[str, Any]]]] = {g: [] for g in gaits}
    for k in range(clips):
        pos, rot, labels = generate_clip(np.random.default_rng(seed + k), int(seconds * FPS), int(FPS))
        world, _ = forward_kinematics(sk.parents, pos, rot)
        root = world[:, 0, [0, 2]]
        for gait in gaits:
            pure = labels["gait"][:, GAIT_NAMES.index(gait)] > 0.99
            edges = np.flatnonzero(np.diff(np.concatenate([[0], pure.astype(int), [0]])))
            for a, b in zip(edges[::2], edges[1::2]):
                if b - a >= 1.5 * FPS:
                    stretches[gait].append((b - a, figures(world[a:b], feet, root[a:b], np.zeros(b - a), None)))
    return {g: _average(v) for g, v in stretches.items() if v}


def _average(items: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    w = np.array([n for n, _ in items], float)
    out: dict[str, Any] = {}
    for key in ("period", "speed", "jerk"):
        vals = np.array([f[key] for _, f in items], float)
        ok = np.isfinite(vals)
        out[key] = round(float(np.average(vals[ok], weights=w[ok])), 3) if ok.any() else float("nan")
    for key in ("skating",):
        vals = np.array([f[key] for _, f in items], float)
        out[key] = [round(float(v), 5) for v in np.average(vals, axis=0, weights=w)]
    offs = np.array([f["offsets"] for _, f in items], float)
    mean = []
    for k in range(offs.shape[1]):
        ok = np.isfinite(offs[:, k])
        a = np.exp(2j * np.pi * offs[ok, k])
        mean.append(round(float(np.angle(np.sum(a * w[ok])) / (2 * np.pi)) % 1.0, 3) if ok.any() else float("nan"))
    out["offsets"] = mean
    return out


def offset_error(a: Sequence[float], b: Sequence[float]) -> float:
    """Largest circular difference (cycles, 0..0.5) between two paws' offset lists."""
    d = np.abs((np.asarray(a, float) - np.asarray(b, float) + 0.5) % 1.0 - 0.5)
    return float(np.nanmax(d)) if np.isfinite(d).any() else float("nan")


SKATING_FLOOR = 0.001
"""m/s: sliding slower than this (17 um a frame at 60 fps, ~10x the float32 noise of a paw 30 m from the origin)
is still; skating ratios are taken against max(truth, SKATING_FLOOR) (the generator's planted paws do not
slide: its truth is 0-0.0004 m/s)."""


def compare(model: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Per gait: offset error (cycles), speed ratio, worst skating ratio (model / max(truth, SKATING_FLOOR))."""
    out = {}
    for g, m in model.items():
        t = truth.get(g)
        if t is None:
            continue
        skate = [ms / max(ts, SKATING_FLOOR) for ms, ts in zip(m["skating"], t["skating"])]
        out[g] = {"offset_error": round(offset_error(m["offsets"], t["offsets"]), 3),
                  "speed_ratio": round(m["speed"] / t["speed"], 3) if t["speed"] > 0 else float("nan"),
                  "skating_ratio": round(float(np.nanmax(skate)), 2) if np.isfinite(skate).any() else float("nan")}
    return out


def quality_table(model: dict[str, Any], truth: dict[str, Any]) -> str:
    """Markdown table of the figures, model beside ground truth."""
    rows = ["| gait | offsets LF RF LH RH (model / truth) | speed m/s | skating LF RF LH RH m/s | jerk m/s^3 | heading deg |",
            "|---|---|---|---|---|---|"]
    for g, m in model.items():
        t = truth.get(g, {})
        fmt = lambda v, d=2: " ".join(f"{x:.{d}f}" for x in v)  # noqa: E731
        rows.append(f"| {g} | {fmt(m['offsets'])} / {fmt(t.get('offsets', []))} | {m['speed']:.2f} / "
                    f"{t.get('speed', float('nan')):.2f} | {fmt(m['skating'], 4)} / {fmt(t.get('skating', []), 4)} | "
                    f"{m['jerk']:.0f} / {t.get('jerk', float('nan')):.0f} | {m.get('heading_deg', float('nan')):.1f} |")
    return "\n".join(rows)


GOALS = {"offset_error": 0.1, "speed_ratio": 0.15, "skating_ratio": 1.5, "heading_deg": 10.0}
"""Issue 10 item 5: footfall offsets within 0.1 cycle, speed within 15 %, skating <= 1.5x (of max(truth,
SKATING_FLOOR)), heading < 10 deg."""


def evaluate(controller: Any, seconds: float = 6.0, truth_clips: int = 6) -> dict[str, Any]:
    """Everything the report and the CLI print: figures of the raw network and with the foot lock, the ground
    truth (`truth_clips` generated minutes), their comparisons, and the start from standstill."""
    truth = measure_ground_truth(clips=truth_clips)
    raw = measure_model(controller, seconds=seconds)
    locked = measure_model(controller, seconds=seconds, foot_lock=True)
    return {"model": raw, "foot_lock": locked, "ground_truth": truth, "comparison": compare(raw, truth),
            "comparison_foot_lock": compare(locked, truth), "standstill_start": standstill_start(controller)}


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def goals_table(result: dict[str, Any]) -> str:
    """Markdown: each item-5 figure per gait beside its goal, met or missed (skating with the foot lock, the
    shipped controller's default modifier; the raw network's beside it)."""
    rows = ["| gait | footfall offset error (goal < 0.1 cycle) | speed model / truth (goal within 15 %) | "
            "worst paw skating / truth (floor 0.001 m/s), foot lock (goal <= 1.5x) | raw network | heading deg (goal < 10) |",
            "|---|---|---|---|---|---|"]
    for g, c in result["comparison_foot_lock"].items():
        raw = result["comparison"].get(g, {})
        m = result["foot_lock"][g]
        off, spd, sk = c["offset_error"], c["speed_ratio"], c["skating_ratio"]
        head = m.get("heading_deg", float("nan"))
        rows.append(f"| {g} | {off:.3f} {_verdict(off < GOALS['offset_error'])} | {spd:.2f} "
                    f"{_verdict(abs(spd - 1) <= GOALS['speed_ratio'])} | {sk:.2f} {_verdict(sk <= GOALS['skating_ratio'])} | "
                    f"{raw.get('skating_ratio', float('nan')):.2f} (offsets {raw.get('offset_error', float('nan')):.3f}, "
                    f"speed {raw.get('speed_ratio', float('nan')):.2f}) | {head:.1f} {_verdict(head < GOALS['heading_deg'])} |")
    return "\n".join(rows)


def markdown(result: dict[str, Any]) -> str:
    """The quality section of the training report (and of the CLI's output)."""
    st = result["standstill_start"]
    walk = result["ground_truth"].get("walk", {})
    return "\n".join([
        "## Motion quality beside the generator's ground truth (scripted stick from standstill, full push)", "",
        "Goals of issue 10 item 5 (footfall and speed of the foot-locked pose; the raw network's in the 5th column):", "",
        goals_table(result), "",
        "Raw network (no foot lock):", "", quality_table(result["model"], result["ground_truth"]), "",
        "With the foot lock (the controller's default modifier):", "",
        quality_table(result["foot_lock"], result["ground_truth"]), "",
        f"Start from standstill, the stick alone at a {st['push']:.1f} push (no button): commanded {st['commanded_speed']:.2f} m/s, "
        f"moves 0.3 m after {st['start_seconds']:.2f} s, settled speed {st['speed']:.2f} m/s, offsets LF RF LH RH "
        f"{' '.join(f'{o:.2f}' for o in st['offsets'])} (walk truth {' '.join(f'{o:.2f}' for o in walk.get('offsets', []))}), "
        f"error {offset_error(st['offsets'], walk.get('offsets', [np.nan] * 4)):.3f} cycles.", ""])


def main(argv: list[str] | None = None) -> None:
    """`python -m neuropuppet.controllers.mann.quality [--artifact PATH] [--seconds S] [--json OUT]`."""
    import argparse
    import json
    from pathlib import Path

    from neuropuppet.artifacts import load_artifact

    from .controller import MANNController
    p = argparse.ArgumentParser(prog="python -m neuropuppet.controllers.mann.quality",
                                description="MANN motion quality (issue 10 item 5) beside the generator's ground truth")
    p.add_argument("--artifact", type=Path, default=None, help="a mann artifact (default: the shipped one)")
    p.add_argument("--seconds", type=float, default=8.0, help="stick seconds per gait")
    p.add_argument("--json", type=Path, default=None, help="also write the figures here")
    a = p.parse_args(argv)
    art = load_artifact(a.artifact or MANNController.default_artifact(), controller="mann")
    result = evaluate(MANNController.from_artifact(art), a.seconds)
    print(markdown(result))
    if a.json:
        a.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
