"""A nod: the impulse response of a damped spring, chin down then back with a little overshoot."""
from __future__ import annotations

import math

import torch


class DampedNod:
    """Nod angles [N] (radians, chin down positive) of a spring kicked by impulses, stepped exactly.

    frequency_hz: the spring's natural frequency; damping: its damping ratio (< 1: a small rebound);
    peak: the largest angle an impulse of 1 reaches.
    """

    def __init__(self, batch_size: int, device: torch.device, *, frequency_hz: float = 2.0, damping: float = 0.45,
                 peak: float = math.radians(10.0)) -> None:
        if not frequency_hz > 0 or not 0 < damping < 1:
            raise ValueError(f"a nod needs frequency_hz > 0 and 0 < damping < 1, got {frequency_hz}, {damping}")
        self.omega, self.damping = 2 * math.pi * float(frequency_hz), float(damping)
        root = math.sqrt(1 - self.damping ** 2)
        first_peak = math.exp(-self.damping / root * math.atan2(root, self.damping))
        self.kick = float(peak) * self.omega / first_peak       # velocity of an impulse of 1
        self.angle = torch.zeros(batch_size, device=device)
        self.velocity = torch.zeros(batch_size, device=device)
        self._dt = -1.0
        self._transition = (0.0, 0.0, 0.0, 0.0)

    def reset(self, rows: slice | torch.Tensor = slice(None)) -> None:
        self.angle[rows] = 0.0
        self.velocity[rows] = 0.0

    def step(self, dt: float, impulse: float = 0.0) -> torch.Tensor:
        """Kick by `impulse` (0 for none; 1 for a full nod), then advance `dt` seconds; the new angles."""
        if impulse:
            self.velocity += impulse * self.kick
        a, b, c, d = self._step_matrix(dt)
        angle = a * self.angle + b * self.velocity
        self.velocity.copy_(c * self.angle + d * self.velocity)      # in place: reset() works outside inference mode
        self.angle.copy_(angle)
        return self.angle

    def _step_matrix(self, dt: float) -> tuple[float, float, float, float]:
        """The exact transition of (angle, velocity) over dt for the underdamped spring."""
        if dt != self._dt:
            w, z = self.omega, self.damping
            wd = w * math.sqrt(1 - z * z)
            e, c, s = math.exp(-z * w * dt), math.cos(wd * dt), math.sin(wd * dt)
            self._transition = (e * (c + z * w / wd * s), e * s / wd, -e * w * w / wd * s, e * (c - z * w / wd * s))
            self._dt = dt
        return self._transition
