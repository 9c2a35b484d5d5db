"""Fixed-timestep clock: an accumulator that turns variable frame times into whole ticks.

    clock = FixedTimestep(rate=60)
    for _ in range(clock.advance(frame_seconds)):
        simulate(clock.dt)
    render(alpha=clock.alpha)

A slow frame runs at most `max_ticks_per_frame` catch-up ticks; time beyond that is dropped
(counted in `dropped_seconds`) so one hitch never snowballs into a spiral of death.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class FixedTimestep:
    """Accumulator clock with catch-up cap, pause and single-step."""

    rate: float = 60.0
    max_ticks_per_frame: int = 5
    paused: bool = False
    accumulator: float = 0.0
    dropped_seconds: float = 0.0
    _pending_steps: int = 0

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ValueError(f"tick rate must be positive, got {self.rate}")
        if self.max_ticks_per_frame < 1:
            raise ValueError(f"max_ticks_per_frame must be at least 1, got {self.max_ticks_per_frame}")

    @property
    def dt(self) -> float:
        """Seconds per tick."""
        return 1.0 / self.rate

    @property
    def alpha(self) -> float:
        """How far render time lies between the previous and the current tick, in [0, 1)."""
        return min(self.accumulator * self.rate, 1.0)

    def advance(self, frame_seconds: float) -> int:
        """Add a frame's elapsed time; return how many ticks to run now."""
        if self.paused:
            steps, self._pending_steps = self._pending_steps, 0
            return steps
        self.accumulator += max(0.0, frame_seconds)
        ticks = int(self.accumulator * self.rate)
        if ticks > self.max_ticks_per_frame:
            self.dropped_seconds += (ticks - self.max_ticks_per_frame) * self.dt
            ticks = self.max_ticks_per_frame
            self.accumulator = 0.0
        else:
            self.accumulator -= ticks * self.dt
        return ticks

    def step(self) -> None:
        """While paused, ask for exactly one tick at the next `advance`."""
        self._pending_steps += 1
