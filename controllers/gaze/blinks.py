"""Blinks from the network's hazard: a deterministic per-character draw each tick, the lid's profile after.

A blink starts on a tick when u < hazard and the previous blink is over, u being a hash of the
character's seed and its tick count since reset (so a recorded run replays exactly, and characters
blink independently). The lid then follows `neuropuppet.motion.synth.gaze.blink_profile`, the
profile the training data was made with.
"""
from __future__ import annotations

import torch

from neuropuppet.motion.synth.gaze import BLINK_CLOSE_S, BLINK_OPEN_S, blink_profile

BLINK_SECONDS = BLINK_CLOSE_S + BLINK_OPEN_S
_MASK = 0x7FFFFFFF


def uniform_hash(seed: torch.Tensor, tick: torch.Tensor) -> torch.Tensor:
    """Uniform [0, 1) float32 [N] from int64 seeds and tick counts [N] (integer mixing, no state)."""
    x = (tick * 0x9E3779B1 + seed * 0x85EBCA77 + 0x165667B1) & _MASK
    x = x ^ (x >> 15)
    x = (x * 0x2C1B3C6D) & _MASK
    x = x ^ (x >> 12)
    x = (x * 0x297A2D39) & _MASK
    x = x ^ (x >> 15)
    return x.to(torch.float32) / float(_MASK + 1)


def advance_blinks(hazard: torch.Tensor, since: torch.Tensor, seed: torch.Tensor, tick: torch.Tensor,
                   dt: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(seconds since each character's blink began [N], lid closure [N]) after this tick."""
    start = (uniform_hash(seed, tick) < hazard) & (since >= BLINK_SECONDS)
    since = torch.where(start, torch.zeros_like(since), since + dt)
    return since, blink_profile(since).to(torch.float32)
