"""MANN: mode-adaptive neural network quadruped controller (the `mann` plugin)."""
from __future__ import annotations

from pathlib import Path

from .controller import DEFAULT_DIR, MANNController
from .export import export_mann
from .features import MANNFeatures
from .network import MANN, mann_from_state


def default_artifact() -> Path | None:
    """Path of the shipped default artifact (None when it is missing)."""
    return MANNController.default_artifact()


__all__ = ["DEFAULT_DIR", "MANN", "MANNController", "MANNFeatures", "default_artifact", "export_mann", "mann_from_state"]
