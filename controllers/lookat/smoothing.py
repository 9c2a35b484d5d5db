"""Critically damped smoothing: a value that follows a moving goal without overshoot, stable at any dt."""
from __future__ import annotations

import torch


def smooth_toward(value: torch.Tensor, velocity: torch.Tensor, goal: torch.Tensor, smooth_time: float,
                  dt: float) -> tuple[torch.Tensor, torch.Tensor]:
    """One step of a critically damped spring from `value` (with `velocity`) toward `goal`.

    smooth_time: seconds to reach the goal roughly (the spring's natural frequency is 2 / smooth_time).
    Uses the closed-form step of Kirmse, "Critically damped ease-in/ease-out smoothing" (Game
    Programming Gems 4): no overshoot, exact for a goal that holds still during the step.
    Returns (new value, new velocity); tensors of any matching shape.
    """
    omega = 2.0 / max(float(smooth_time), 1e-4)
    x = omega * dt
    decay = 1.0 / (1.0 + x + 0.48 * x * x + 0.235 * x * x * x)
    change = value - goal
    temp = (velocity + omega * change) * dt
    return goal + (change + temp) * decay, (velocity - omega * temp) * decay
