"""A controller that reads the "audio" input and remembers every block it was handed (for the tests)."""
from __future__ import annotations

from neuropuppet.null_controller import NullController
from neuropuppet.ports import AUDIO


class Listener(NullController):
    name = "listener"
    inputs = (AUDIO,)
    description = "test controller: records each tick's AudioBlock"

    def __init__(self, clock=None) -> None:
        super().__init__(1, "cpu")
        self.clock = clock
        self.heard: list[tuple[int, float, object, float | None]] = []   # (tick, time, block, master position)

    def step(self, inputs):
        position = None if self.clock is None else self.clock.last
        self.heard.append((inputs.tick, inputs.time, inputs["audio"], position))
        return super().step(inputs)
