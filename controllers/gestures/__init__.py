"""gestures: a music-driven pianist (issue 12), the `gestures` plugin.

The network, its features and export (network.py, features.py, export.py; the artifact format in
ARTIFACT.md) are shared with the `gestures` trainer (neuropuppet.trainers.gestures); controller.py runs
it per tick for N performers, piano.py declares the keyboard and bench as props, benchmark.py and
quality.py measure it (`neuropuppet bench gestures`, `python -m neuropuppet.controllers.gestures.quality`).
"""
from __future__ import annotations

from .controller import UPPER_BODY, GesturesController, default_music

__all__ = ["GesturesController", "UPPER_BODY", "default_music"]
