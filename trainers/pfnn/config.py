"""PFNN training configuration (defaults = `neuropuppet train pfnn --print-config`)."""
from __future__ import annotations

from dataclasses import dataclass

from neuropuppet.training import TrainingConfig


@dataclass
class PFNNTrainConfig(TrainingConfig):
    """Everything a PFNN training run depends on (the loop's keys: see TrainingConfig). Paths are
    relative to the working directory."""

    data: str = "data/synth_biped"      # folder of .bvh (+ .terrain.npz, .labels.npz) clips
    synth_minutes: float = 0.0          # > 0: generate this much synthetic biped data into `data` if empty
    synth_seed: int = 0
    bvh_scale: float = 0.0              # 0: metres, or CMU units detected automatically
    mirror: bool = True                 # add left/right mirrored copies of every clip
    hidden: int = 512
    keep_prob: float = 0.7              # dropout keeps this fraction of units
    l1_weight: float = 0.01             # small L1 penalty on the weights (mean absolute weight)
    joint_input_weight: float = 0.5     # joint inputs' normalised scale relative to trajectory inputs
    report_seconds: float = 10.0        # length of each held-out rollout in the report
