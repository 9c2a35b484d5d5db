"""PFNN: phase-functioned neural network locomotion controller (the `pfnn` plugin)."""
from __future__ import annotations

from pathlib import Path

from .controller import DEFAULT_DIR, PFNNController
from .export import export_pfnn
from .features import PFNNFeatures
from .network import PFNN, BlendedLinear, BlendedMLP, catmull_rom_coefficients


def default_artifact() -> Path | None:
    """Path of the shipped default artifact (None when it is missing)."""
    return PFNNController.default_artifact()


__all__ = ["PFNNController", "PFNN", "BlendedLinear", "BlendedMLP", "PFNNFeatures", "catmull_rom_coefficients",
           "export_pfnn", "default_artifact", "DEFAULT_DIR"]
