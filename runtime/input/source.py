"""Input sources: what fills a character group's declared inputs each tick.

An input source is any object with

    provides: tuple[str, ...]                  the input names it writes
    sample(self, inputs: TickInputs) -> None   write this tick's values in place (tensor inputs,
                                               shape [N, *shape]) or set them (`inputs.set`, host inputs)

It samples on `inputs.time` (simulation seconds, the one clock) and keeps no tick counter of its own.
The runtime calls each source exactly once per tick, before the controllers step, so a recording of
what the sources wrote replays bit-identically. A source may be handed inputs it does not provide a
buffer for (the group did not declare them): it then writes nothing for those.
"""
from __future__ import annotations

from typing import Any, Callable, Protocol, runtime_checkable

import numpy as np
import torch

from ..channels import GAMEPAD_WIDTH, NUM_AXES, GamepadState, sanitize_pad_rows, sanitize_pad_rows_
from ..errors import InputError
from ..ports import TickInputs


@runtime_checkable
class InputSource(Protocol):
    provides: tuple[str, ...]

    def sample(self, inputs: TickInputs) -> None:
        """Write this tick's values of `provides` into `inputs`."""


class NoInput:
    """Leaves the gamepad at rest (sticks centred, no buttons): the character stands still."""

    provides = ("gamepad",)

    def sample(self, inputs: TickInputs) -> None:
        pads = inputs.get("gamepad")
        if pads is not None:
            pads.zero_()


class HostStaging:
    """A reusable host buffer for one [N, ...] input, copied to the device in one call."""

    def __init__(self) -> None:
        self.host: torch.Tensor | None = None
        self._view: tuple[torch.Tensor | None, np.ndarray | None] = (None, None)

    def write(self, dst: torch.Tensor, rows: np.ndarray) -> None:
        target, view = self._view
        if target is not dst:
            view = dst.numpy() if dst.device.type == "cpu" else None
            self._view = (dst, view)
        if view is not None:                # straight into the buffer (a view made once): no staging copy on the CPU
            view[...] = rows
            return
        if self.host is None or self.host.shape != dst.shape:
            self.host = torch.empty(dst.shape, dtype=dst.dtype, pin_memory=torch.cuda.is_available())
        self.host.numpy()[...] = rows
        dst.copy_(self.host, non_blocking=True)


class GamepadInput:
    """Broadcasts one pad's state (read from `read()` each tick) to every character of the group.

    `read` returns a `GamepadState`, or None when no pad is present (sticks then rest, so a character
    never keeps running after a pad is unplugged). Values are sanitised: NaN -> 0, axes clamped.
    """

    provides = ("gamepad",)

    def __init__(self, read: Callable[[], GamepadState | None]) -> None:
        self.read = read
        self._staging = HostStaging()
        self._row = np.zeros(GAMEPAD_WIDTH, np.float32)

    def sample(self, inputs: TickInputs) -> None:
        pads = inputs.get("gamepad")
        if pads is None:
            return
        state = self._state(inputs)
        if state is None:
            pads.zero_()
            return
        row = self._row                             # one reused host row, sanitised in place
        row[:NUM_AXES] = state.axes
        row[NUM_AXES:] = state.buttons
        self._staging.write(pads, sanitize_pad_rows_(row))

    def _state(self, inputs: TickInputs) -> GamepadState | None:
        return self.read()


class ScriptedGamepad(GamepadInput):
    """A pad driven by a function of simulation time in seconds: `fn(t) -> GamepadState` (tests, demos, bench)."""

    def __init__(self, fn: Callable[[float], GamepadState], tick_rate: float | None = None) -> None:
        self.fn = fn                       # tick_rate: accepted for API v1 callers; time comes from inputs.time
        super().__init__(lambda: None)

    def _state(self, inputs: TickInputs) -> GamepadState | None:
        return self.fn(inputs.time)


class PerCharacterGamepads:
    """One pad row per character: `read()` returns an array [N, 21] (crowds, AI-driven characters)."""

    provides = ("gamepad",)

    def __init__(self, read: Callable[[], np.ndarray]) -> None:
        self.read = read
        self._staging = HostStaging()

    def sample(self, inputs: TickInputs) -> None:
        pads = inputs.get("gamepad")
        if pads is None:
            return
        rows = np.asarray(self.read(), np.float32)
        if rows.shape != tuple(pads.shape):
            raise InputError(f"per-character gamepads: expected shape {tuple(pads.shape)}, got {rows.shape}")
        self._staging.write(pads, sanitize_pad_rows(rows))


class FunctionInput:
    """Any tensor input from a function of simulation time: `fn(t) -> array` broadcast to [N, *shape].

    Non-finite values become 0 (never a NaN pose); a value that does not broadcast is an InputError
    naming the input.
    """

    def __init__(self, name: str, fn: Callable[[float], Any]) -> None:
        self.name = name
        self.provides = (name,)
        self.fn = fn
        self._staging = HostStaging()

    def sample(self, inputs: TickInputs) -> None:
        dst = inputs.get(self.name)
        if dst is None:
            return
        value = np.asarray(self.fn(inputs.time), np.float32)
        try:
            rows = np.broadcast_to(value, tuple(dst.shape))
        except ValueError:
            raise InputError(f"input {self.name!r}: source gave shape {value.shape}, expected {tuple(dst.shape)} "
                             f"or a shape that broadcasts to it") from None
        self._staging.write(dst, np.nan_to_num(rows, nan=0.0, posinf=0.0, neginf=0.0))


class GazeTargets(FunctionInput):
    """Gaze targets from a function of time: `fn(t) -> [3] or [N, 3]` world points."""

    def __init__(self, fn: Callable[[float], np.ndarray], tick_rate: float | None = None) -> None:
        super().__init__("gaze_target", fn)


class ConstantInput(FunctionInput):
    """One fixed value for an input, every tick."""

    def __init__(self, name: str, value: Any) -> None:
        v = np.asarray(value, np.float32)
        super().__init__(name, lambda t: v)


class CombinedInput:
    """Several sources in order (e.g. a gamepad and gaze targets); each writes its own inputs."""

    def __init__(self, *sources: InputSource) -> None:
        self.sources = tuple(sources)
        self.provides = tuple(dict.fromkeys(n for s in self.sources for n in provided_names(s)))

    def sample(self, inputs: TickInputs) -> None:
        for s in self.sources:
            s.sample(inputs)


class LegacySource:
    """Adapter for an API v1 source (`sample(tick, inputs)`, gamepad only)."""

    provides = ("gamepad",)

    def __init__(self, source: Any) -> None:
        self.source = source

    def sample(self, inputs: TickInputs) -> None:
        self.source.sample(inputs.tick, inputs)


def provided_names(source: Any) -> tuple[str, ...]:
    """What a source writes: its `provides`, or ("gamepad",) for an API v1 source that does not say."""
    names = getattr(source, "provides", None)
    if names is None:
        return ("gamepad",)
    if isinstance(names, str):
        return (names,)
    return tuple(names)


def as_source(source: Any) -> InputSource:
    """`source` as an API v2 source (v1 sources, `sample(tick, inputs)`, are wrapped)."""
    if getattr(source, "provides", None) is None and callable(getattr(source, "sample", None)):
        import inspect
        try:
            params = list(inspect.signature(source.sample).parameters)
        except (TypeError, ValueError):
            params = []
        if len(params) >= 2:
            return LegacySource(source)
    if not callable(getattr(source, "sample", None)):
        raise InputError(f"{type(source).__name__} is not an input source (it needs provides and sample(inputs))")
    return source


__all__ = ["InputSource", "NoInput", "GamepadInput", "ScriptedGamepad", "PerCharacterGamepads", "FunctionInput",
           "GazeTargets", "ConstantInput", "CombinedInput", "LegacySource", "provided_names", "as_source",
           "HostStaging", "GAMEPAD_WIDTH"]
