"""beatnod: a procedural layer whose head nods on the onsets of the music (the `beatnod` plugin).

A small reference for plugin authors: a layer reading a host input (`neuropuppet.ports.AUDIO`, this
tick's `AudioBlock`), written with neuropuppet's public API only, and the baseline the music-driven
controllers must beat. controller.py says what it does each tick; onsets.py finds the onsets, nod.py
turns them into nods.
"""
from __future__ import annotations

from .controller import SKELETON, BeatNodController
from .onsets import Onset, OnsetDetector

__all__ = ["BeatNodController", "OnsetDetector", "Onset", "SKELETON"]
