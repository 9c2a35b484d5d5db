"""Motion quality of a MANN controller under a scripted stick, beside the quadruped generator's ground truth.

Figures per moving gait (walk, pace, trot, canter), measured through the public controller API (reset,
`step(TickInputs)`, world joints by forward kinematics; raw network, no foot lock):
  offsets      footfall phase offset of each paw (cycles, 0..1) after the reference paw (LH), the circular
               mean over cycles of (touch-down time - the reference's) / stride period
  period       stride period (s);  speed: mean root speed (m/s)
  skating      mean horizontal speed of each paw while planted (m/s, `neuropuppet.motion.metrics.foot_skating`)
  heading_deg  mean angle between the facing and the commanded direction (stick up = world +Z), settled
  jerk         mean |jerk| of all joints (m/s^3, `acceleration_jerk`)
Touch-downs and plants are read from the paws' motion alike for the model and the ground truth: a paw is
planted while its horizontal speed is under 0.3 m/s and it is within 3 cm of its lowest height. The
ground truth is generated clips (`neuropuppet.motion.synth.quadruped.generate_clip`) cut to the frames
where one gait has weight > 0.99 for at least 1.5 s.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

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
    offsets, period = footfall(c)
    speed = float(np.mean(np.linalg.norm(np.diff(root_xz, axis=0), axis=-1)) * FPS)
    out = {"offsets": [round(float(o), 3) for o in offsets], "period": round(period, 3), "speed": round(speed, 3),
           "skating": [round(foot_skating(paws[:, k:k + 1], c[:, k:k + 1], FPS), 4) for k in range(len(feet))],
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


def run_pads(controller: Any, pads: torch.Tensor) -> dict[str, np.ndarray]:
    """Step `controller` (batch 1) through pads [T, 21]; world joints [T, J, 3], root xz [T, 2], yaw [T],
    expert weights [T, K], contacts [T, F] (camera yaw 0: stick up walks to world +Z)."""
    sk = controller.skeleton
    world, root, yaw, experts, contacts = [], [], [], [], []
    yaw0 = torch.zeros(1)
    for t in range(len(pads)):
        pose = controller.step(TickInputs(1.0 / FPS, t, t / FPS, {"gamepad": pads[t:t + 1], "camera_yaw": yaw0}))
        p = pose.to_numpy()
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


def measure_model(controller: Any, gaits: Sequence[str] = MOVING_GAITS, seconds: float = 6.0) -> dict[str, Any]:
    """Figures per gait of `controller` (batch 1): reset, 1 s idle, 1 s of the stick alone (the table's moving
    gait, trot), then the stick up with the gait's selector for `seconds` (the first SETTLE_SECONDS not
    measured). The trot lead-in: the shipped model walks only when it comes from a faster gait."""
    out: dict[str, Any] = {}
    feet = controller.features.feet
    for gait in gaits:
        if gait not in controller.gaits:
            continue
        controller.reset()
        idle = torch.zeros(int(FPS), 21)
        lead = gait_pad(controller.table, controller.table.moving).expand(int(FPS), 21)
        move = gait_pad(controller.table, gait).expand(int(seconds * FPS), 21)
        rec = run_pads(controller, torch.cat([idle, lead, move]))
        s = int((2.0 + SETTLE_SECONDS) * FPS)
        out[gait] = figures(rec["world"][s:], feet, rec["root"][s:], rec["yaw"][s:], 0.0)
    return out


def measure_ground_truth(gaits: Sequence[str] = MOVING_GAITS, clips: int = 6, seconds: float = 60.0,
                         seed: int = 1000) -> dict[str, Any]:
    """Figures per gait of generated clips (module docstring), averaged over stretches weighted by length."""
    from neuropuppet.motion.synth.quadruped import GAIT_NAMES, LEGS, _LEG_JOINTS, generate_clip, quadruped_skeleton
    sk = quadruped_skeleton()
    feet = [sk.index(_LEG_JOINTS[leg][2]) for leg in LEGS]
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
        out[key] = [round(float(v), 4) for v in np.average(vals, axis=0, weights=w)]
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


def compare(model: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Per gait: offset error (cycles), speed ratio, worst skating ratio (model / truth)."""
    out = {}
    for g, m in model.items():
        t = truth.get(g)
        if t is None:
            continue
        skate = [ms / ts if ts > 0 else float("nan") for ms, ts in zip(m["skating"], t["skating"])]
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
        fmt = lambda v: " ".join(f"{x:.2f}" for x in v)  # noqa: E731
        rows.append(f"| {g} | {fmt(m['offsets'])} / {fmt(t.get('offsets', []))} | {m['speed']:.2f} / "
                    f"{t.get('speed', float('nan')):.2f} | {fmt(m['skating'])} / {fmt(t.get('skating', []))} | "
                    f"{m['jerk']:.0f} / {t.get('jerk', float('nan')):.0f} | {m.get('heading_deg', float('nan')):.1f} |")
    return "\n".join(rows)
