"""Deterministic (seeded) synthetic motion generators, written out as BVH files plus sidecar labels.

    generate(kind, out, minutes, seed) -> written paths

Kinds: biped (locomotion over terrain), quadruped (dog gaits), gaze (eye/head saccades and
pursuit), music (WAV with beat-synchronous upper-body gestures), piano (a seated pianist playing
a rendered score: WAV + BVH + notes/beats labels + keyboard geometry). Each kind's module documents
what it models and its limits. The same seed gives byte-identical files.

While `generate` writes, the folder holds `INCOMPLETE` (a marker removed when the last clip is written):
a run that was cut off leaves it, so no reader takes the half-written folder for data. A finished folder
holds `MANIFEST` (`made_with`): the kind, minutes, seed and options it was written with, so a trainer asking
for other data is told rather than handed these.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from ...errors import NeuropuppetError
from .common import FPS, plan_clips

KINDS = ("biped", "quadruped", "gaze", "music", "piano")
INCOMPLETE = ".synth-incomplete"
"""The marker file `generate` keeps in its folder until every clip is written."""


MANIFEST = ".synth.json"
"""The file `generate` writes into a finished folder: what it generated (`manifest`)."""


def manifest(kind: str, minutes: float, seed: int, **options: Any) -> dict[str, Any]:
    """The description `generate(kind, out, minutes, seed, **options)` writes as MANIFEST (JSON-plain values)."""
    return json.loads(json.dumps({"kind": kind, "minutes": float(minutes), "seed": int(seed),
                                  "options": {k: options[k] for k in sorted(options)}}))


def made_with(folder: Path) -> dict[str, Any] | None:
    """The MANIFEST of a folder `generate` finished, or None (none there: data from elsewhere, or older)."""
    try:
        return json.loads((Path(folder) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def is_incomplete(folder: Path) -> bool:
    """True when `generate` started writing `folder` and did not finish (it was cut off)."""
    return (Path(folder) / INCOMPLETE).exists()


def generate(kind: str, out: Path, minutes: float, seed: int = 0, progress: bool = True, **options) -> list[Path]:
    """Write `minutes` of synthetic `kind` data into folder `out` as clips of 20-60 s; `options` go to the
    kind's `write_clip` (e.g. piano's `tempo_range`).

    Returns the written files (per clip: `.bvh`, `.labels.npz`, plus `.terrain.npz` for
    locomotion and `.wav` for music and piano). Raises NeuropuppetError for an unknown kind or bad minutes.
    """
    if kind not in KINDS:
        raise NeuropuppetError(f"unknown synthetic data kind {kind!r}; choose one of: {', '.join(KINDS)}")
    if not (isinstance(minutes, (int, float)) and np.isfinite(minutes) and minutes > 0):
        raise NeuropuppetError(f"minutes must be a positive number, got {minutes!r}")
    module = importlib.import_module(f".{kind}", __name__)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    marker = out / INCOMPLETE
    marker.write_text(f"neuropuppet data synth {kind} --minutes {minutes} --seed {int(seed)} did not finish\n")
    written: list[Path] = []
    clips = plan_clips(kind, minutes, int(seed), FPS)
    bar = tqdm(clips, desc=f"synth {kind}", unit="clip", disable=not progress)
    for clip in bar:
        bar.set_postfix_str(f"{clip.name} ({clip.frames / FPS:.0f} s)")
        written += module.write_clip(out, clip.name, np.random.default_rng(clip.seed), clip.frames, FPS, **options)
    (out / MANIFEST).write_text(json.dumps(manifest(kind, minutes, seed, **options), indent=1) + "\n")
    marker.unlink()
    return written
