"""lookat: a procedural look-at layer (head and eyes turn toward the gaze target), the `lookat` plugin.

A small reference for plugin authors: a layer written with neuropuppet's public API only
(`neuropuppet.ports`, `PoseBatch`, `Skeleton`, `neuropuppet.motion.rotations_torch`), and the
baseline the neural gaze controllers must beat. See controller.py for what it does each tick.
"""
from __future__ import annotations

from .controller import SKELETON, LookAtController

__all__ = ["LookAtController", "SKELETON"]
