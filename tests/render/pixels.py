"""Helpers for checking rendered frames: where the character's colour is."""
from __future__ import annotations

import numpy as np


def character_mask(frame: np.ndarray) -> np.ndarray:
    """Pixels of the first group's orange (red well above green and blue; ground is grey, sky blue)."""
    f = frame.astype(np.int32)
    r, g, b = f[..., 0], f[..., 1], f[..., 2]
    return (r > g + 30) & (r > b + 60)


def centroid(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    assert len(xs) > 0, "no character pixels in frame"
    return np.array([xs.mean(), ys.mean()])
