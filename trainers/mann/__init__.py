"""MANN trainer plugin (`neuropuppet train mann`)."""
from __future__ import annotations

from .config import MANNTrainConfig
from .train import MANNTrainer

__all__ = ["MANNTrainer", "MANNTrainConfig"]
