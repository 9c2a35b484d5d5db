"""MANN training configuration (defaults = `neuropuppet train mann --print-config`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from neuropuppet.training import TrainingConfig

QUADRUPED_GAITS = ("idle", "walk", "pace", "trot", "canter", "sit", "stand", "jump", "lie")  # the generator's labels
QUADRUPED_FEET = ("LeftHandPaw", "RightHandPaw", "LeftFootPaw", "RightFootPaw")   # LF, RF, LH, RH paws (ground points)


@dataclass
class MANNTrainConfig(TrainingConfig):
    """Everything a MANN training run depends on (the loop's keys: see TrainingConfig). Joint and gait
    names come from here, so another quadruped's BVH trains without code changes. Paths are relative to
    the working directory."""

    data: str = "data/synth_quadruped"  # folder of .bvh (+ .labels.npz) clips
    synth_minutes: float = 0.0          # > 0: generate this much synthetic quadruped data into `data` if empty
    synth_seed: int = 0
    bvh_scale: float = 1.0              # BVH units -> metres
    feet: list[str] = field(default_factory=lambda: list(QUADRUPED_FEET))   # contact joints, in contact-label order
    gaits: list[str] = field(default_factory=lambda: list(QUADRUPED_GAITS))  # gait/action columns (label names)
    idle_gait: str = "idle"             # the gait of a released stick (labels without gaits: speed < 0.2 m/s)
    unlabelled_gait: str = "walk"       # the gait given to moving frames of a clip without labels
    hips: list[str] = field(default_factory=lambda: ["LeftUpLeg", "RightUpLeg"])     # left/right pair: facing
    shoulders: list[str] = field(default_factory=lambda: ["LeftArm", "RightArm"])   # left/right pair: facing
    hidden: int = 512
    gate_hidden: int = 32
    experts: int = 8
    keep_prob: float = 0.7              # dropout keeps this fraction (input and hidden layers, both networks)
    weight_decay: float = 0.0025        # the release's decoupled decay per restart cycle (see MANNTrainer.optimiser)
    restart_epochs: float = 10.0        # Te: first cosine cycle, in epochs (then x restart_mult)
    restart_mult: float = 2.0
    restart_cap: float = 0.9            # the cosine's argument stops here: the rate never reaches 0
    joint_input_weight: float = 1.0     # joint inputs' normalised scale relative to trajectory inputs
    report_seconds: float = 6.0         # scripted stick seconds per gait in the report (0: no quality report)
    seed: int = 23456
    learning_rate: float = 1e-4
