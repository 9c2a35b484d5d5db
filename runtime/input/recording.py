"""Record what input sources wrote, tick by tick, and replay it bit-identically.

A recording is an `.npz` file: `tick_rate` and one array per recorded tensor input, [T, N, *shape],
named as the input ("gamepad", "gaze_target", a plugin's own). Recordings serve demos, bug reports and
determinism tests. Host inputs (terrain, audio blocks) are not recorded: they come from the scene.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..errors import InputError
from ..ports import TickInputs
from .source import InputSource, as_source, provided_names

LEGACY_NAMES = {"gaze_targets": "gaze_target"}   # API v1 recordings


class Recorder:
    """Wraps a source; keeps a host copy of every channel it wrote; `save(path)` writes them."""

    def __init__(self, source: InputSource, tick_rate: float = 60.0) -> None:
        self.source = as_source(source)
        self.provides = provided_names(self.source)
        self.tick_rate = tick_rate
        self.frames: dict[str, list[np.ndarray]] = {c: [] for c in self.provides}

    def sample(self, inputs: TickInputs) -> None:
        self.source.sample(inputs)
        for c in self.provides:
            t = inputs.get(c)
            if isinstance(t, torch.Tensor):
                self.frames[c].append(t.detach().cpu().numpy().copy())

    @property
    def num_ticks(self) -> int:
        return max((len(v) for v in self.frames.values()), default=0)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {c: np.stack(v) for c, v in self.frames.items() if v}
        np.savez_compressed(path, tick_rate=np.float64(self.tick_rate), **arrays)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


class Replay:
    """Feeds a recording back, tick by tick; after the end it holds the last frame (or rests, see `hold`).

    Rows broadcast to the group's batch: a single-pad recording drives every character.
    """

    def __init__(self, path: str | Path, hold: bool = False) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: input recording not found")
        try:
            with np.load(self.path) as f:
                self.tick_rate = float(f["tick_rate"])
                self.frames = {LEGACY_NAMES.get(c, c): torch.from_numpy(f[c].astype(np.float32))
                               for c in f.files if c != "tick_rate"}
        except (OSError, ValueError, KeyError) as e:
            raise InputError(f"{self.path}: not a neuropuppet input recording ({e})") from None
        if not self.frames:
            raise InputError(f"{self.path}: recording holds no channels")
        self.hold = hold
        self.provides = tuple(self.frames)
        self.num_ticks = max(len(v) for v in self.frames.values())

    def sample(self, inputs: TickInputs) -> None:
        tick = inputs.tick
        for c, frames in self.frames.items():
            dst = inputs.get(c)
            if not isinstance(dst, torch.Tensor):
                continue
            if frames.shape[2:] != dst.shape[1:]:
                raise InputError(f"{self.path}: recorded input {c!r} has rows of shape {tuple(frames.shape[2:])}, "
                                 f"the character reads {tuple(dst.shape[1:])}")
            if tick < len(frames):
                dst.copy_(frames[tick].expand_as(dst) if frames[tick].shape[0] == 1 else frames[tick])
            elif self.hold:
                dst.copy_(frames[-1].expand_as(dst) if frames[-1].shape[0] == 1 else frames[-1])
            elif c == "gamepad":
                dst.zero_()
