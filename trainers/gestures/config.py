"""Gestures training configuration (defaults = `neuropuppet train gestures --print-config`)."""
from __future__ import annotations

from dataclasses import dataclass

from neuropuppet.training import TrainingConfig


QUIET_LEAD_IN = (2.0, 8.0)
"""Seconds of silence before the music of a quiet clip (uniform): the network learns to rest in silence."""
QUIET_TAIL_S = 4.0
"""Seconds from a quiet clip's closing chord to its end (about: the bars are whole): music -> silence -> rest."""
CLIPPED_DRIVE = (2.0, 12.0)
"""Gains (log-uniform) of the overdriven clips before their hard clip: a recording too loud for its format."""


@dataclass
class GesturesTrainConfig(TrainingConfig):
    """Everything a gestures training run depends on (the loop's keys: see TrainingConfig)."""

    data: str = "runs/data/synth_piano"  # folder of NAME.wav + NAME.bvh (+ NAME.labels.npz) clips
    synth_kind: str = "piano"           # generator that fills an empty `data` folder (`neuropuppet data synth`)
    synth_minutes: float = 0.0          # > 0: generate this much synthetic data into `data` if it is empty
    synth_seed: int = 0
    slow_data: str = "runs/data/synth_piano_slow"  # folder of extra piano clips at slow tempi (slow_minutes > 0)
    slow_minutes: float = 0.0           # > 0: add this much piano data at slow_tempo_min-max BPM (generated if empty)
    slow_seed: int = 0                  # its clips' seeds (seed, i): name-disjoint from synth_seed's (checked)
    slow_tempo_min: float = 55.0        # BPM, the extra clips' tempo range (log-uniform)
    slow_tempo_max: float = 80.0
    quiet_data: str = "runs/data/synth_piano_quiet"  # folder of extra piano clips with long silences (quiet_minutes > 0)
    quiet_minutes: float = 0.0          # > 0: add this much piano data with QUIET_LEAD_IN s of silence before the
                                        # music and about QUIET_TAIL_S after its closing chord (generated if empty)
    quiet_seed: int = 10                # its clips' seeds: names piano_s10_* sort before the main data's piano_s1_*,
                                        # so the held-out split (the last names) keeps them in training
    clipped_data: str = "runs/data/synth_piano_clipped"  # folder of extra overdriven piano clips (clipped_minutes > 0)
    clipped_minutes: float = 0.0        # > 0: add this much piano data amplified by CLIPPED_DRIVE and hard-clipped
    clipped_seed: int = 11              # names piano_s11_*: in training, like the quiet clips
    feature_cache: str = "runs/cache/gestures_features"  # per-clip causal features, keyed by the WAV's bytes
    features: str = "all"               # the feature set: groups of neuropuppet.audio.features ("pitch,beat,rms")
    hidden: int = 128                   # LSTM units
    layers: int = 1
    window: int = 240                   # frames per truncated-BPTT window (state carried across windows)
    batch_size: int = 16                # lanes: clips streamed side by side
    learning_rate: float = 3e-3
    weight_decay: float = 0.01          # AdamW's decoupled weight decay
    lr_final: float = 0.05              # the learning rate decays (cosine) to this fraction of itself
    input_noise: float = 0.1            # std of Gaussian noise on the normalised inputs while training
    velocity_weight: float = 10.0       # weight of the first differences' MSE beside the rotations' MSE
    acceleration_weight: float = 50.0   # weight of the second differences' MSE (penalises jitter)
    jerk_weight: float = 0.0            # weight of the third differences' MSE
    beat_weight: float = 0.0            # weight of the first differences' MSE at the labelled music beats
    beat_sigma: float = 0.05            # s: a frame d from the nearest beat weighs exp(-d^2 / (2 sigma^2)) there
    beat_hold: float = 0.0              # beats: ... d measured from [beat, beat + beat_hold x its period]
    epochs: int = 200
    eval_every: int = 100
    checkpoint_every: int = 500
    grad_clip: float = 1.0
    threads: int = 1
    report_clips: int = 8               # held-out clips evaluated in the report (0: none)
