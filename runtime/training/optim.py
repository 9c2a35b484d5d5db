"""Learning-rate schedules beyond torch's: cosine annealing with warm restarts and a floor.

`torch.optim.Adam` / `AdamW` are the optimisers (the default hook uses Adam). With AdamW, torch
multiplies the weight decay by the learning rate, so a schedule on the learning rate scales the
decay by the same factor (what MANN's release does by hand).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch


@dataclass
class CosineWarmRestarts:
    """Learning-rate factor at an optimiser step: 0.5 (1 + cos(pi min(t, cap))).

    t runs from 0 to 1 over each cycle; the first cycle lasts `cycle_steps`, each next one `mult`
    times longer (restarts at 10, 30, 70 for 10 and 2). cap < 1 keeps the factor above zero
    (MANN: 0.9).
    """

    cycle_steps: int
    mult: float = 2.0
    cap: float = 1.0

    def __post_init__(self) -> None:
        if self.cycle_steps < 1 or self.mult < 1.0 or not 0.0 < self.cap <= 1.0:
            raise ValueError(f"CosineWarmRestarts: need cycle_steps >= 1, mult >= 1, 0 < cap <= 1; got "
                             f"{self.cycle_steps}, {self.mult}, {self.cap}")

    def cycle(self, step: int) -> tuple[int, int]:
        """(step within its cycle, that cycle's length)."""
        length = float(self.cycle_steps)
        while step >= round(length):
            step -= round(length)
            length *= self.mult
        return step, round(length)

    def __call__(self, step: int) -> float:
        at, length = self.cycle(step)
        return 0.5 * (1.0 + math.cos(math.pi * min(at / length, self.cap)))


def cosine_warm_restarts(optimizer: torch.optim.Optimizer, cycle_steps: int, mult: float = 2.0,
                         cap: float = 1.0) -> torch.optim.lr_scheduler.LambdaLR:
    """A scheduler (stepped once per optimiser step) multiplying each group's lr by CosineWarmRestarts."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer, CosineWarmRestarts(cycle_steps, mult, cap))
