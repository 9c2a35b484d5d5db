"""PFNN trainer plugin (`neuropuppet train pfnn`)."""
from __future__ import annotations

from .config import PFNNTrainConfig
from .train import PFNNTrainer

__all__ = ["PFNNTrainer", "PFNNTrainConfig"]
