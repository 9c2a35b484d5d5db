"""Declared inputs and outputs: what a controller reads each tick and what it emits beside the pose.

A controller (body or layer) lists `inputs` (`InputSpec`) and `outputs` (`OutputSpec`) by name. The
runtime allocates one buffer per declared input for the whole group, asks the group's sources to fill
it every tick (`InputSource.sample`), and hands the controller a `TickInputs`; the controller returns a
`PoseBatch` whose `extras` carry its declared outputs by name.

Two kinds of input:
  "tensor"  a float32 tensor [N, *shape] on the controller's device, preallocated and rewritten in place
  "host"    any Python object the source sets (`inputs.set(name, value)`): the terrain's `HeightField`,
            this tick's `AudioBlock`

Standard inputs (the names every built-in source and controller agree on) are defined below;
a third-party plugin declares its own `InputSpec` the same way and supplies an `InputSource` for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Literal

import numpy as np
import torch

InputKind = Literal["tensor", "host"]
Interpolation = Literal["linear", "cyclic", "none"]


@dataclass(frozen=True)
class InputSpec:
    """One input a controller reads: name, per-character shape, kind and meaning."""

    name: str
    shape: tuple[int, ...] = ()
    kind: InputKind = "tensor"
    description: str = ""
    required: bool = True
    """False: the controller copes with the resting value (zeros, or None for host inputs) when no
    source supplies it; True: spawning a character with no source for it is an error."""

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"an input needs a name, got {self.name!r}")
        if self.kind not in ("tensor", "host"):
            raise ValueError(f"input {self.name!r}: kind must be 'tensor' or 'host', got {self.kind!r}")
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        if any(s < 1 for s in self.shape):
            raise ValueError(f"input {self.name!r}: shape {self.shape} must have positive sizes")

    def describe(self) -> str:
        shape = f"[{', '.join(map(str, self.shape))}]" if self.kind == "tensor" else "(host object)"
        return f"{self.name} {shape}"


@dataclass(frozen=True)
class OutputSpec:
    """One named output channel beside the pose: `extras[name]` of shape [N, *shape].

    interpolation: "linear" (continuous: lerped between ticks like the pose), "cyclic" (values in
    [0, 1) that wrap, e.g. a phase), "none" (discrete: the latest tick's value).
    joints: for per-joint channels (contacts), the joint each column belongs to, by name.
    kind: a well-known meaning renderers draw ("contacts", "eyelid_closure", "gaze_origin",
    "gaze_direction", "gaze_target", "expert_weights", "phase", "trajectory"); "" for a controller's own.
    """

    name: str
    shape: tuple[int, ...]
    meaning: str = ""
    interpolation: Interpolation = "linear"
    joints: tuple[str, ...] = ()
    kind: str = ""
    range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", tuple(int(s) for s in self.shape))
        object.__setattr__(self, "joints", tuple(self.joints))
        if self.interpolation not in ("linear", "cyclic", "none"):
            raise ValueError(f"output {self.name!r}: interpolation must be linear, cyclic or none")
        if self.joints and (not self.shape or self.shape[-1] != len(self.joints)):
            raise ValueError(f"output {self.name!r}: {len(self.joints)} joints named for shape {self.shape}")
        if not self.kind:
            object.__setattr__(self, "kind", self.name if self.name in WELL_KNOWN_OUTPUTS else "")


WELL_KNOWN_OUTPUTS = ("contacts", "eyelid_closure", "gaze_origin", "gaze_direction", "gaze_target", "expert_weights",
                      "phase", "trajectory")


@dataclass
class AudioBlock:
    """This tick's audio: mono float32 samples covering simulation time [start, end) at `sample_rate`.

    Never reaches past the playback position (no look-ahead). `samples` may be shorter than
    (end - start) * sample_rate at the end of the file (then `ended` is True).
    """

    samples: np.ndarray
    sample_rate: int
    start: float
    end: float
    ended: bool = False


# -- the standard inputs ---------------------------------------------------------------------------
GAMEPAD = InputSpec("gamepad", (21,), description="6 axes then 15 buttons (neuropuppet.channels layout)")
CAMERA_YAW = InputSpec("camera_yaw", (1,), required=False,
                       description="yaw of the camera the player looks through (radians, 0 looks along +Z); "
                                   "makes the left stick camera-relative")
GAZE_TARGET = InputSpec("gaze_target", (3,), description="world point to look at, metres")
TERRAIN = InputSpec("terrain", kind="host", required=False, description="the scene's HeightField")
AUDIO = InputSpec("audio", kind="host", description="this tick's AudioBlock (raw samples up to the playback position)")


def audio_features(width: int, name: str = "audio_features") -> InputSpec:
    """An input of `width` music features per tick (computed by a feature source from the audio block)."""
    return InputSpec(name, (width,), description=f"{width} causal music features for this tick")


class TickInputs:
    """Everything a controller reads in one tick, for its batch of N characters.

    dt: seconds per tick; tick: the tick's index; time: simulation seconds at the start of this tick
    (tick * dt; with an audio master, the playback time the tick starts at), the one clock every
    source samples on. values: declared input name -> tensor [N, *shape] (rewritten in place every
    tick: do not keep references across ticks) or host object. Read with `inputs["gamepad"]` or
    `inputs.get(name)`; named keyword arguments are inputs too: `TickInputs(1 / 60, gamepad=pads)`.
    """

    __slots__ = ("dt", "tick", "time", "values")

    def __init__(self, dt: float, tick: int = 0, time: float | None = None, values: dict[str, Any] | None = None,
                 **named: Any) -> None:
        self.dt = float(dt)
        self.tick = int(tick)
        self.time = float(tick * dt if time is None else time)
        self.values: dict[str, Any] = dict(values or {})
        self.values.update(named)

    def __repr__(self) -> str:
        return f"TickInputs(dt={self.dt}, tick={self.tick}, time={self.time:.4f}, inputs={list(self.values)})"

    def __getitem__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise KeyError(f"input {name!r} was not declared (declared: {', '.join(self.values) or 'none'})") from None

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def set(self, name: str, value: Any) -> None:
        """Set a host input's value (tensor inputs are written in place instead)."""
        self.values[name] = value

    # shortcuts for the most common standard inputs
    @property
    def gamepad(self) -> torch.Tensor | None:
        return self.values.get("gamepad")

    @property
    def terrain(self) -> Any:
        return self.values.get("terrain")

    def view(self, names: tuple[str, ...] | list[str]) -> "TickInputs":
        """The same tick restricted to `names` (what one controller of a stack declared); shares buffers."""
        return TickInputs(self.dt, self.tick, self.time, {n: self.values[n] for n in names if n in self.values})


def allocate_inputs(specs: list[InputSpec] | tuple[InputSpec, ...], batch_size: int, device: torch.device,
                    dt: float) -> TickInputs:
    """Zeroed buffers for every declared tensor input, None for host inputs."""
    values: dict[str, Any] = {}
    for s in specs:
        values[s.name] = torch.zeros((batch_size, *s.shape), device=device) if s.kind == "tensor" else None
    return TickInputs(dt=dt, values=values)


def merge_specs(groups: list[tuple[str, tuple[InputSpec, ...]]]) -> dict[str, InputSpec]:
    """The union of several controllers' declared inputs; one name declared with two shapes is an error."""
    from .errors import InputError
    out: dict[str, InputSpec] = {}
    owner: dict[str, str] = {}
    for who, specs in groups:
        for s in specs:
            have = out.get(s.name)
            if have is None:
                out[s.name], owner[s.name] = s, who
            elif (have.shape, have.kind) != (s.shape, s.kind):
                raise InputError(f"input {s.name!r} is declared as {have.describe()} by {owner[s.name]!r} but as "
                                 f"{s.describe()} by {who!r}")
            elif s.required and not have.required:
                out[s.name] = s
    return out


__all__ = ["InputSpec", "OutputSpec", "TickInputs", "AudioBlock", "GAMEPAD", "CAMERA_YAW", "GAZE_TARGET",
           "TERRAIN", "AUDIO", "audio_features", "allocate_inputs", "merge_specs", "WELL_KNOWN_OUTPUTS"]
