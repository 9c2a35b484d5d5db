"""gaze: a recurrent gaze layer (head, eyes and blinks that look at things), the `gaze` plugin.

The network and its features (network.py, features.py, geometry.py) are shared with the `gaze`
trainer (neuropuppet.trainers.gaze); controller.py runs it per tick for N characters.
"""
from __future__ import annotations

from .controller import SKELETON, GazeController

__all__ = ["GazeController", "SKELETON"]
