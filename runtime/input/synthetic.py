"""Synthetic input sources: plausible, deterministic values for any declared input (the checker's default).

`synthetic_source(spec, seed)` returns a source for one `InputSpec`: a smooth function of simulation
time with per-character parameters drawn from `seed`, so two sources with one seed write identical
values and a different seed gives every character a different input. Known inputs get values in
their legal ranges (gamepad axes in [-1, 1], triggers and buttons in [0, 1]; camera yaw; gaze targets
around head height; flat terrain; an audio block of clicks at 120 bpm over a tone); any other tensor
input gets smooth values around 0 of unit scale. Host inputs other than terrain and audio have no
synthetic value (None).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..channels import NUM_AXES
from ..ports import AudioBlock, InputSpec, TickInputs
from ..terrain import HeightField

AUDIO_SAMPLE_RATE = 22050
"""Sample rate of the synthetic audio blocks (neuropuppet.audio decodes to this rate by default)."""
CLICK_HZ = 2.0           # 120 beats per minute
TONE_HZ = 220.0


class SmoothTensor:
    """Tensor input `name` [N, *shape]: offset + amplitude * sin(2 pi f t + phase), per element and character."""

    def __init__(self, name: str, shape: tuple[int, ...], seed: int, *, offset: tuple[float, float] = (-0.5, 0.5),
                 amplitude: tuple[float, float] = (0.2, 0.6), low: float = -math.inf, high: float = math.inf) -> None:
        self.name, self.shape, self.seed = name, tuple(shape), seed
        self.provides = (name,)
        self.offset, self.amplitude, self.low, self.high = offset, amplitude, low, high
        self._params: tuple[torch.Tensor, ...] | None = None

    def _parameters(self, n: int) -> tuple[torch.Tensor, ...]:
        if self._params is None or self._params[0].shape[0] != n:
            g = torch.Generator().manual_seed(self.seed)
            size = (n, *self.shape)

            def uniform(lo: float, hi: float) -> torch.Tensor:
                return lo + (hi - lo) * torch.rand(size, generator=g, dtype=torch.float64)

            self._params = (uniform(*self.offset), uniform(*self.amplitude), uniform(0.1, 1.5),
                            uniform(0.0, 2 * math.pi))
        return self._params

    def values(self, n: int, t: float) -> torch.Tensor:
        """The [n, *shape] values at simulation time t (float64, on the CPU)."""
        offset, amplitude, freq, phase = self._parameters(n)
        return (offset + amplitude * torch.sin(2 * math.pi * freq * t + phase)).clamp(self.low, self.high)

    def sample(self, inputs: TickInputs) -> None:
        dst = inputs.get(self.name)
        if isinstance(dst, torch.Tensor):
            dst.copy_(self.values(dst.shape[0], inputs.time))


class SyntheticPads(SmoothTensor):
    """Gamepads [N, 21]: sticks wander in [-1, 1], triggers in [0, 1], buttons pressed now and then."""

    def __init__(self, name: str, shape: tuple[int, ...], seed: int) -> None:
        super().__init__(name, shape, seed, offset=(-0.6, 0.6), amplitude=(0.3, 0.8))

    def values(self, n: int, t: float) -> torch.Tensor:
        v = super().values(n, t)
        axes = v[:, :NUM_AXES]
        axes[:, :4].clamp_(-1.0, 1.0)
        axes[:, 4:] = (0.5 * (axes[:, 4:] + 1.0)).clamp(0.0, 1.0)
        v[:, NUM_AXES:] = (v[:, NUM_AXES:] > 0.5).to(v.dtype)
        return v


class SyntheticPoints(SmoothTensor):
    """World points [N, 3] circling each character at about head height (gaze targets)."""

    def values(self, n: int, t: float) -> torch.Tensor:
        _, amplitude, freq, phase = self._parameters(n)
        angle = 2 * math.pi * 0.2 * freq[:, 0] * t + phase[:, 0]
        radius = 1.0 + 2.0 * amplitude[:, 1]
        return torch.stack([radius * torch.sin(angle), 1.6 + 0.4 * torch.sin(2 * math.pi * freq[:, 2] * t),
                            radius * torch.cos(angle)], dim=-1)


class FlatTerrain:
    """The host input "terrain": one flat HeightField, every tick."""

    provides = ("terrain",)

    def __init__(self) -> None:
        self.field = HeightField.flat()

    def sample(self, inputs: TickInputs) -> None:
        if "terrain" in inputs:
            inputs.set("terrain", self.field)


class SyntheticAudio:
    """The host input "audio": this tick's AudioBlock of [time, time + dt), clicks at 120 bpm over a tone."""

    provides = ("audio",)

    def __init__(self, name: str = "audio", seed: int = 0, sample_rate: int = AUDIO_SAMPLE_RATE) -> None:
        self.name, self.sample_rate = name, sample_rate
        self.provides = (name,)
        self.tone_phase = np.random.default_rng(seed).uniform(0, 2 * np.pi)

    def block(self, start: float, end: float) -> AudioBlock:
        rate = self.sample_rate
        index = np.arange(math.floor(start * rate + 1e-6), math.floor(end * rate + 1e-6))
        t = index / rate
        since_click = np.mod(t, 1.0 / CLICK_HZ)
        samples = 0.2 * np.sin(2 * np.pi * TONE_HZ * t + self.tone_phase) + 0.7 * np.exp(-since_click * 200.0)
        return AudioBlock(samples.astype(np.float32), rate, start, end)

    def sample(self, inputs: TickInputs) -> None:
        if self.name in inputs:
            inputs.set(self.name, self.block(inputs.time, inputs.time + inputs.dt))


def synthetic_source(spec: InputSpec, seed: int = 0) -> "SmoothTensor | FlatTerrain | SyntheticAudio | None":
    """A deterministic source for `spec` (see module docstring); None for a host input it cannot make up."""
    if spec.kind == "host":
        if spec.name == "terrain":
            return FlatTerrain()
        if spec.name == "audio" or "audio" in spec.name:
            return SyntheticAudio(spec.name, seed)
        return None
    if spec.name == "gamepad" and spec.shape and spec.shape[-1] > NUM_AXES:
        return SyntheticPads(spec.name, spec.shape, seed)
    if spec.name == "camera_yaw":
        return SmoothTensor(spec.name, spec.shape, seed, offset=(-math.pi, math.pi), amplitude=(0.1, 0.5))
    if spec.shape == (3,) and ("target" in spec.name or "point" in spec.name):
        return SyntheticPoints(spec.name, spec.shape, seed)
    return SmoothTensor(spec.name, spec.shape, seed)


__all__ = ["synthetic_source", "SmoothTensor", "SyntheticPads", "SyntheticPoints", "FlatTerrain", "SyntheticAudio",
           "AUDIO_SAMPLE_RATE"]
