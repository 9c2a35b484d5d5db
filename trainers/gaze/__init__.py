"""Gaze trainer plugin (`neuropuppet train gaze`)."""
from __future__ import annotations

from .config import GazeTrainConfig
from .train import GazeTrainer

__all__ = ["GazeTrainer", "GazeTrainConfig"]
