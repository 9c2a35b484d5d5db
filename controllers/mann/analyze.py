"""What the experts do: `python -m neuropuppet.controllers.mann.analyze --out DIR [--ablate K]`.

Plays a scripted sequence on one dog (idle, trot, walk, canter, pace, sit, stand, jump, idle; `lie` when
the model has it) and writes
  DIR/gating.png      the eight gating weights over time, the sequence's segments shaded (needs matplotlib:
                      pip install "neuropuppet[analysis]")
  DIR/gating.npz      the weights [T, K], the segment names and start ticks
  DIR/quality.json    the quality figures per gait (`quality.measure_model`) beside the generator's ground
                      truth, and with --ablate K the same figures with expert K switched off (its weight set
                      to 0 and the others renormalised) and their change
and prints the tables.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from neuropuppet.artifacts import load_artifact

from .controller import MANNController
from .features import FPS
from .quality import compare, gait_pad, measure_ground_truth, measure_model, quality_table, run_pads

SEQUENCE = (("idle", 1.0), ("trot", 3.0), ("walk", 3.0), ("canter", 3.0), ("pace", 3.0), ("sit", 3.0),
            ("stand", 3.0), ("lie", 3.0), ("jump", 1.0), ("idle", 2.0))
STILL_ACTIONS = ("idle", "sit", "stand", "lie")


def scripted_pads(ctrl: MANNController) -> tuple[torch.Tensor, list[tuple[str, int]]]:
    """Pads [T, 21] of SEQUENCE (gaits the model lacks left out; actions with the stick released) and the
    (segment, start tick) list."""
    pads, starts, at = [], [], 0
    for gait, seconds in SEQUENCE:
        if gait not in ctrl.gaits:
            continue
        stick = (0.0, 0.0) if gait in STILL_ACTIONS else (0.0, 1.0)
        n = int(seconds * FPS)
        pads.append(gait_pad(ctrl.table, gait, stick).expand(n, 21))
        starts.append((gait, at))
        at += n
    return torch.cat(pads), starts


def gating_plot(weights: np.ndarray, segments: list[tuple[str, int]], path: Path) -> Path:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise SystemExit(f"the gating plot needs matplotlib: pip install \"neuropuppet[analysis]\" ({e})") from None
    t = np.arange(len(weights)) / FPS
    fig, ax = plt.subplots(figsize=(12, 4), dpi=100)
    ends = [s for _, s in segments[1:]] + [len(weights)]
    for k, ((name, s), e) in enumerate(zip(segments, ends)):
        ax.axvspan(s / FPS, e / FPS, color="0.92" if k % 2 else "0.85", lw=0)
        ax.text((s + e) / 2 / FPS, 1.02, name, ha="center", va="bottom", fontsize=9)
    for k in range(weights.shape[1]):
        ax.plot(t, weights[:, k], lw=1.2, label=f"expert {k}")
    ax.set_xlim(0, t[-1])
    ax.set_ylim(0, 1.0)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("gating weight")
    ax.legend(ncol=8, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def analyse(artifact: Path | None, out: Path, ablate: int | None, seconds: float = 6.0) -> dict[str, Any]:
    art = load_artifact(artifact or MANNController.default_artifact(), controller="mann")
    out.mkdir(parents=True, exist_ok=True)
    ctrl = MANNController.from_artifact(art)
    pads, segments = scripted_pads(ctrl)
    rec = run_pads(ctrl, pads)
    np.savez(out / "gating.npz", weights=rec["experts"], segments=np.array([s for s, _ in segments]),
             starts=np.array([t for _, t in segments]))
    gating_plot(rec["experts"], segments, out / "gating.png")
    truth = measure_ground_truth()
    model = measure_model(ctrl, seconds=seconds)
    result: dict[str, Any] = {"model": model, "ground_truth": truth, "comparison": compare(model, truth)}
    print(quality_table(model, truth))
    if ablate is not None:
        off = MANNController.from_artifact(art, ablate=ablate)
        ablated = measure_model(off, seconds=seconds)
        result["ablated"] = {"expert": ablate, "model": ablated, "comparison": compare(ablated, truth)}
        print(f"\nexpert {ablate} switched off:")
        print(quality_table(ablated, truth))
    (out / "quality.json").write_text(json.dumps(result, indent=1))
    print(f"\nwrote {out / 'gating.png'}, {out / 'gating.npz'}, {out / 'quality.json'}")
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m neuropuppet.controllers.mann.analyze", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--artifact", type=Path, default=None, help="a mann artifact (default: the shipped one)")
    p.add_argument("--out", type=Path, default=Path("runs/mann_analysis"))
    p.add_argument("--ablate", type=int, default=None, help="an expert (0..7) to switch off and measure")
    p.add_argument("--seconds", type=float, default=6.0, help="stick seconds per gait for the quality figures")
    a = p.parse_args(argv)
    analyse(a.artifact, a.out, a.ablate, a.seconds)


if __name__ == "__main__":
    main()
