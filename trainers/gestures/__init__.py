"""Gestures trainer plugin (`neuropuppet train gestures`; the feature study: `python -m neuropuppet.trainers.gestures.study`)."""
from __future__ import annotations

from .config import GesturesTrainConfig
from .train import GesturesTrainer

__all__ = ["GesturesTrainer", "GesturesTrainConfig"]
