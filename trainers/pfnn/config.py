"""PFNN training configuration (defaults = `neuropuppet train pfnn --print-config`)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PFNNTrainConfig:
    """Everything a PFNN training run depends on. Paths are relative to the working directory."""

    data: str = "data/synth_biped"      # folder of .bvh (+ .terrain.npz, .labels.npz) clips
    synth_minutes: float = 0.0          # > 0: generate this much synthetic biped data into `data` if empty
    synth_seed: int = 0
    bvh_scale: float = 0.0              # 0: metres, or CMU units detected automatically
    mirror: bool = True                 # add left/right mirrored copies of every clip
    holdout: float = 0.1                # fraction of clips (or, with one clip, of frames) kept for validation
    hidden: int = 512
    keep_prob: float = 0.7              # dropout keeps this fraction of units
    learning_rate: float = 1e-4
    batch_size: int = 32
    l1_weight: float = 0.01             # small L1 penalty on the weights (mean absolute weight)
    joint_input_weight: float = 0.5     # joint inputs' normalised scale relative to trajectory inputs
    epochs: int = 20
    max_steps: int = 0                  # > 0: stop after this many optimiser steps
    max_minutes: float = 0.0            # > 0: stop after this much wall-clock time
    eval_every: int = 500               # steps between validation passes
    checkpoint_every: int = 1000        # steps between checkpoints
    seed: int = 1234
    threads: int = 2                    # torch CPU threads per process
    report_seconds: float = 10.0        # length of each held-out rollout in the report
    ship_to: str = ""                   # folder to copy the artifact and report into (+ SHA256SUMS)
