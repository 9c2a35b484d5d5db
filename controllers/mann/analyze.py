"""What the experts do: `neuropuppet analyze mann --out DIR [--expert K]`.

Plays a scripted sequence on one dog (SEQUENCE: walk, trot, canter, sit, stand, lie, jump, the stick up
while moving and released for the actions; a gait or action the model lacks, e.g. `lie` in an older
artifact, is skipped with a printed note) and writes
  DIR/gating.png            the eight gating weights over time, the sequence's segments shaded (needs
                            matplotlib: pip install "neuropuppet[analysis]")
  DIR/gating.npz            weights [T, K], segment names and start ticks (and with --expert the weights
                            of the run with that expert off, `weights_off`)
  DIR/quality.json          the quality figures per gait (`quality.measure_model`) beside the generator's
                            ground truth; with --expert K the same figures with expert K switched off (its
                            weight set to 0, the others renormalised), their change, and how far the
                            scripted sequence's joints moved away from the intact model's
  DIR/expert_K_off.gif      with --expert K: a render of the scripted sequence with the expert off (the
                            project's offscreen render path; .mp4 with --video mp4; skipped with --no-render)
  DIR/sequence.npz          the scripted pad input (an input recording: `neuropuppet render mann --input`)
and prints the tables.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.errors import NeuropuppetError

from .controller import MANNController
from .features import FPS
from .quality import compare, gait_pad, measure_ground_truth, measure_model, quality_table, run_pads

SEQUENCE = (("idle", 1.0), ("walk", 3.0), ("trot", 3.0), ("canter", 3.0), ("sit", 3.0), ("stand", 3.0),
            ("lie", 3.0), ("jump", 1.5), ("idle", 1.5))
STILL_ACTIONS = ("idle", "sit", "stand", "lie")


def scripted_pads(ctrl: MANNController, sequence: Sequence[tuple[str, float]] = SEQUENCE, scale: float = 1.0
                  ) -> tuple[torch.Tensor, list[tuple[str, int]], list[str]]:
    """Pads [T, 21] of `sequence` (seconds x `scale`; actions with the stick released), the (segment, start
    tick) list, and the names left out because the model lacks them."""
    pads, starts, skipped, at = [], [], [], 0
    for gait, seconds in sequence:
        if gait not in ctrl.gaits:
            skipped.append(gait)
            continue
        stick = (0.0, 0.0) if gait in STILL_ACTIONS else (0.0, 1.0)
        n = max(1, int(round(seconds * scale * FPS)))
        pads.append(gait_pad(ctrl.table, gait, stick).expand(n, 21))
        starts.append((gait, at))
        at += n
    return torch.cat(pads), starts, skipped


def gating_plot(weights: np.ndarray, segments: list[tuple[str, int]], path: Path, title: str = "") -> Path:
    """PNG of weights [T, K] over time (s) with the segments shaded and named."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise NeuropuppetError(f"the gating plot {path} needs matplotlib: pip install \"neuropuppet[analysis]\" "
                               f"({e})") from None
    t = np.arange(len(weights)) / FPS
    fig, ax = plt.subplots(figsize=(12, 4), dpi=100)
    ends = [s for _, s in segments[1:]] + [len(weights)]
    for k, ((name, s), e) in enumerate(zip(segments, ends)):
        ax.axvspan(s / FPS, e / FPS, color="0.92" if k % 2 else "0.85", lw=0)
        ax.text((s + e) / 2 / FPS, 1.02, name, ha="center", va="bottom", fontsize=9)
    for k in range(weights.shape[1]):
        ax.plot(t, weights[:, k], lw=1.2, label=f"expert {k}")
    ax.set_xlim(0, t[-1] if len(t) > 1 else 1.0 / FPS)
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("gating weight")
    if title:
        ax.set_title(title, pad=18, fontsize=10)
    ax.legend(ncol=8, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def quality_change(intact: dict[str, Any], off: dict[str, Any]) -> dict[str, Any]:
    """Per gait, expert-off minus intact of each `compare` figure and of speed, jerk and heading."""
    out: dict[str, Any] = {}
    for gait, a in intact["comparison"].items():
        b = off["comparison"].get(gait)
        if b is None:
            continue
        row = {k: round(b[k] - a[k], 3) for k in a if k in b}
        for k in ("speed", "jerk", "heading_deg"):
            if k in intact["model"][gait] and k in off["model"].get(gait, {}):
                row[k] = round(off["model"][gait][k] - intact["model"][gait][k], 3)
        out[gait] = row
    return out


def render_sequence(artifact: Path, recording: Path, out: Path, seconds: float, expert: int, *, fps: float = 20.0,
                    width: int = 480, height: int = 270) -> Path:
    """Render the recorded sequence with `expert` switched off through the project's offscreen path."""
    from neuropuppet.render.capture import render_frames, write_frames
    from neuropuppet.scene import GroupConfig, InputConfig, SceneConfig, build_runtime

    scene = SceneConfig(characters=[GroupConfig("mann", 1, artifact=str(artifact), device="cpu",
                                                input=InputConfig("replay", file=str(recording)),
                                                options={"ablate": expert})])
    runtime = build_runtime(scene, where="mann analysis")
    frames = render_frames(runtime, seconds, fps=fps, width=width, height=height)
    return write_frames(frames, out, fps)[0]


def analyse(artifact: Path | None, out: Path, expert: int | None, *, seconds: float = 6.0, scale: float = 1.0,
            render: bool = True, video: str = "gif", quality: bool = True) -> dict[str, Any]:
    """Write the module docstring's files to `out`; returns what quality.json holds (plus the paths)."""
    path = Path(artifact) if artifact is not None else MANNController.default_artifact()
    art = load_artifact(path, controller="mann")
    out.mkdir(parents=True, exist_ok=True)
    ctrl = MANNController.from_artifact(art)
    experts = {o.name: o for o in ctrl.outputs}["expert_weights"].shape[0]
    if expert is not None and not 0 <= expert < experts:
        raise NeuropuppetError(f"--expert {expert}: the model {path} has experts 0..{experts - 1}")
    pads, segments, skipped = scripted_pads(ctrl, SEQUENCE, scale)
    for name in skipped:
        print(f"note: the model {path} has no {name!r} column (gaits: {', '.join(ctrl.gaits)}); {name} skipped")
    recording = out / "sequence.npz"
    np.savez_compressed(recording, tick_rate=np.float64(FPS), gamepad=pads[:, None, :].numpy())
    rec = run_pads(ctrl, pads)
    arrays: dict[str, Any] = {"weights": rec["experts"], "segments": np.array([s for s, _ in segments]),
                              "starts": np.array([t for _, t in segments])}
    files = {"plot": str(gating_plot(rec["experts"], segments, out / "gating.png", "gating weights, scripted sequence")),
             "recording": str(recording)}
    result: dict[str, Any] = {"artifact": str(path), "sequence": segments, "skipped": skipped}
    if quality:
        truth = measure_ground_truth()
        model = measure_model(ctrl, seconds=seconds)
        result.update(model=model, ground_truth=truth, comparison=compare(model, truth))
        print(quality_table(model, truth))
    if expert is not None:
        off = MANNController.from_artifact(art, ablate=expert)
        rec_off = run_pads(off, pads)
        arrays["weights_off"] = rec_off["experts"]
        moved = np.linalg.norm(rec_off["world"] - rec["world"], axis=-1)
        ablated: dict[str, Any] = {"expert": expert, "joint_change_mean_m": round(float(moved.mean()), 4),
                                   "joint_change_max_m": round(float(moved.max()), 4)}
        print(f"\nexpert {expert} switched off: the sequence's joints move {moved.mean():.3f} m (mean; max "
              f"{moved.max():.3f} m) away from the intact model's")
        files["plot_off"] = str(gating_plot(rec_off["experts"], segments, out / f"gating_expert_{expert}_off.png",
                                            f"gating weights with expert {expert} switched off"))
        if quality:
            model_off = measure_model(off, seconds=seconds)
            ablated.update(model=model_off, comparison=compare(model_off, result["ground_truth"]))
            ablated["change"] = quality_change(result, ablated)
            print(quality_table(model_off, result["ground_truth"]))
            print("change (expert off - intact): " + json.dumps(ablated["change"]))
        if render:
            files["render"] = str(render_sequence(path, recording, out / f"expert_{expert}_off.{video}",
                                                  len(pads) / FPS, expert))
        result["ablated"] = ablated
    np.savez(out / "gating.npz", **arrays)
    files["weights"] = str(out / "gating.npz")
    files["quality"] = str(out / "quality.json")
    result["files"] = files
    (out / "quality.json").write_text(json.dumps(result, indent=1, default=float))
    print("\nwrote " + ", ".join(files.values()))
    return result


def main(argv: Sequence[str] | None = None, prog: str = "neuropuppet analyze mann") -> int:
    """Command-line entry (`neuropuppet analyze mann ...`); returns the exit status."""
    p = argparse.ArgumentParser(prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--artifact", type=Path, default=None, help="a mann artifact (default: the shipped one)")
    p.add_argument("--out", type=Path, default=Path("runs/mann_analysis"), help="output folder")
    p.add_argument("--expert", "--ablate", dest="expert", type=int, default=None,
                   help="an expert (0..7) to switch off: its render and the change in the quality figures")
    p.add_argument("--seconds", type=float, default=6.0, help="stick seconds per gait for the quality figures")
    p.add_argument("--scale", type=float, default=1.0, help="scale the scripted sequence's segment lengths")
    p.add_argument("--no-render", action="store_true", help="skip the render of the expert-off sequence")
    p.add_argument("--no-quality", action="store_true", help="skip the quality figures (plot and render only)")
    p.add_argument("--video", choices=("gif", "mp4"), default="gif", help="render format (mp4 needs imageio-ffmpeg)")
    a = p.parse_args(argv)
    analyse(a.artifact, a.out, a.expert, seconds=a.seconds, scale=a.scale, render=not a.no_render, video=a.video,
            quality=not a.no_quality)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(prog="python -m neuropuppet.controllers.mann.analyze"))
