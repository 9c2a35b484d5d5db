"""Gaze training configuration (defaults = `neuropuppet train gaze --print-config`)."""
from __future__ import annotations

from dataclasses import dataclass

from neuropuppet.training import TrainingConfig


@dataclass
class GazeTrainConfig(TrainingConfig):
    """Everything a gaze training run depends on (the loop's keys: see TrainingConfig)."""

    data: str = "runs/data/synth_gaze"  # folder of .bvh + .labels.npz gaze clips
    synth_minutes: float = 0.0          # > 0: generate this much synthetic gaze data into `data` if empty
    synth_seed: int = 0
    holdout: float = 0.1
    kind: str = "lstm"                  # recurrent cell: lstm or gru
    hidden: int = 64
    layers: int = 1
    window: int = 120                   # frames per truncated-BPTT window (state carried across windows)
    batch_size: int = 32                # lanes: clips streamed side by side
    learning_rate: float = 3e-3
    lr_final: float = 0.03              # the learning rate decays (cosine) to this fraction of itself
    input_noise: float = 0.05           # std of Gaussian noise on the normalised inputs while training
    settled_weight: float = 2.0         # extra weight of frames where the ground truth has settled on the target
    blink_weight: float = 1.0           # weight of the blink-onset cross-entropy beside the angles' MSE
    velocity_weight: float = 0.0        # weight of the MSE of the angles' per-tick change (sharp, fast saccades)
    cold_start: float = 0.0             # share of training windows inside clips that start from zero state (TBPTTChunks)
    eval_every: int = 200
    checkpoint_every: int = 500
    grad_clip: float = 1.0
    report_clips: int = 4               # held-out clips evaluated in the report (0: none)
