"""Input sources: what fills a character group's `TickInputs` each tick.

An input source is any object with `sample(tick, inputs)`: it writes this tick's values into the
preallocated tensors of `inputs` (shape [N, ...]) in place. The runtime calls it exactly once per
tick, before the controller's step, so a recording of what sources wrote replays bit-identically.
"""
from __future__ import annotations

from typing import Callable, Protocol, runtime_checkable

import numpy as np
import torch

from ..channels import GAMEPAD_WIDTH, GamepadState, TickInputs, sanitize_gamepad_


@runtime_checkable
class InputSource(Protocol):
    def sample(self, tick: int, inputs: TickInputs) -> None:
        """Write tick `tick`'s input into `inputs`' tensors in place."""


class NoInput:
    """Leaves every channel at rest (sticks centred, no buttons, targets unchanged)."""

    def sample(self, tick: int, inputs: TickInputs) -> None:
        if inputs.gamepad is not None:
            inputs.gamepad.zero_()


class _HostStaging:
    """A reusable host buffer for one [N, W] channel, copied to the device in one call."""

    def __init__(self) -> None:
        self.host: torch.Tensor | None = None

    def write(self, dst: torch.Tensor, row: np.ndarray) -> None:
        if self.host is None or self.host.shape != dst.shape:
            self.host = torch.empty(dst.shape, dtype=dst.dtype, pin_memory=False)
        self.host[:] = torch.from_numpy(np.asarray(row, np.float32))
        dst.copy_(self.host, non_blocking=True)


class GamepadInput:
    """Broadcasts one pad's state (read from `read()` each tick) to every character of the group.

    `read` returns a `GamepadState`, or None when no pad is present (sticks then rest, so a character
    never keeps running after a pad is unplugged). Values are sanitised: NaN -> 0, axes clamped.
    """

    def __init__(self, read: Callable[[], GamepadState | None]) -> None:
        self.read = read
        self._staging = _HostStaging()

    def sample(self, tick: int, inputs: TickInputs) -> None:
        if inputs.gamepad is None:
            return
        state = self.read()
        if state is None:
            inputs.gamepad.zero_()
            return
        self._staging.write(inputs.gamepad, state.vector())
        sanitize_gamepad_(inputs.gamepad)


class ScriptedGamepad(GamepadInput):
    """A pad driven by a function of time in seconds: `fn(t) -> GamepadState` (tests, demos, bench)."""

    def __init__(self, fn: Callable[[float], GamepadState], tick_rate: float = 60.0) -> None:
        self.fn = fn
        self.tick_rate = tick_rate
        self._tick = 0
        super().__init__(lambda: self.fn(self._tick / self.tick_rate))

    def sample(self, tick: int, inputs: TickInputs) -> None:
        self._tick = tick
        super().sample(tick, inputs)


class PerCharacterGamepads:
    """One pad row per character: `read()` returns an array [N, 21] (crowds, AI-driven characters)."""

    def __init__(self, read: Callable[[], np.ndarray]) -> None:
        self.read = read
        self._staging = _HostStaging()

    def sample(self, tick: int, inputs: TickInputs) -> None:
        if inputs.gamepad is None:
            return
        rows = np.asarray(self.read(), np.float32)
        if rows.shape != tuple(inputs.gamepad.shape):
            raise ValueError(f"per-character gamepads: expected shape {tuple(inputs.gamepad.shape)}, got {rows.shape}")
        self._staging.write(inputs.gamepad, rows)
        sanitize_gamepad_(inputs.gamepad)


class GazeTargets:
    """Gaze targets from a function of time: `fn(t) -> [3] or [N, 3]` world points."""

    def __init__(self, fn: Callable[[float], np.ndarray], tick_rate: float = 60.0) -> None:
        self.fn = fn
        self.tick_rate = tick_rate
        self._staging = _HostStaging()

    def sample(self, tick: int, inputs: TickInputs) -> None:
        if inputs.gaze_targets is None:
            return
        target = np.broadcast_to(np.asarray(self.fn(tick / self.tick_rate), np.float32), inputs.gaze_targets.shape)
        self._staging.write(inputs.gaze_targets, np.nan_to_num(target))


class CombinedInput:
    """Several sources in order (e.g. a gamepad and gaze targets); each writes its own channels."""

    def __init__(self, *sources: InputSource) -> None:
        self.sources = sources

    def sample(self, tick: int, inputs: TickInputs) -> None:
        for s in self.sources:
            s.sample(tick, inputs)


__all__ = ["InputSource", "NoInput", "GamepadInput", "ScriptedGamepad", "PerCharacterGamepads",
           "GazeTargets", "CombinedInput", "GAMEPAD_WIDTH"]
