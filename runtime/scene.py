"""Scenes: which controllers, how many characters, artifacts, inputs, terrain and tick rate, from YAML.

    tick_rate: 60
    terrain: {kind: hills, size: 80}
    characters:
      - controller: pfnn
        count: 1
        input: {kind: gamepad, bindings: my_bindings.yaml}
      - controller: wave
        count: 20
        input: {kind: none}
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

import numpy as np

from .config import load_config
from .errors import ConfigError
from .input.recording import Replay
from .input.source import InputSource, NoInput
from .runtime import Runtime
from .terrain import HeightField


@dataclass
class InputConfig:
    """Where a group's input comes from. `gamepad` and `keyboard` need a window (see `neuropuppet play`)."""

    kind: Literal["gamepad", "keyboard", "replay", "none"] = "gamepad"
    file: str | None = None        # recording for kind=replay
    bindings: str | None = None    # YAML bindings file for gamepad/keyboard


@dataclass
class GroupConfig:
    controller: str
    count: int = 1
    artifact: str | None = None
    device: str | None = None
    input: InputConfig = field(default_factory=InputConfig)


@dataclass
class TerrainConfig:
    kind: Literal["flat", "hills", "file"] = "flat"
    size: float = 100.0            # metres, square, centred on the origin
    height: float = 0.6            # hill amplitude, metres
    file: str | None = None        # HeightField .npz for kind=file
    seed: int = 0


@dataclass
class SceneConfig:
    tick_rate: float = 60.0
    max_ticks_per_frame: int = 5
    terrain: TerrainConfig = field(default_factory=TerrainConfig)
    characters: list[GroupConfig] = field(default_factory=list)


def load_scene(path: str | Path) -> SceneConfig:
    scene = load_config(SceneConfig, path)
    if not scene.tick_rate > 0:
        raise ConfigError(f"{path}: key 'tick_rate': expected a positive number, got {scene.tick_rate}")
    for i, g in enumerate(scene.characters):
        if g.count < 1:
            raise ConfigError(f"{path}: key 'characters[{i}].count': expected at least 1, got {g.count}")
        if g.input.kind == "replay" and not g.input.file:
            raise ConfigError(f"{path}: key 'characters[{i}].input.file': a replay input needs a file")
    return scene


def hills(size: float = 100.0, height: float = 0.6, cell: float = 0.5, seed: int = 0) -> HeightField:
    """Smooth rolling hills: a few random low-frequency sine waves, deterministic for `seed`."""
    rng = np.random.default_rng(seed)
    n = int(size / cell) + 1
    x = np.linspace(-size / 2, size / 2, n)
    xx, zz = np.meshgrid(x, x)
    h = np.zeros_like(xx)
    for _ in range(6):
        k = rng.uniform(0.03, 0.12) * 2 * np.pi
        a = rng.uniform(0, 2 * np.pi)
        h += np.sin(k * (np.cos(a) * xx + np.sin(a) * zz) + rng.uniform(0, 2 * np.pi))
    h *= height / 6 ** 0.5
    return HeightField(h.astype(np.float32), (-size / 2, -size / 2), cell)


def build_terrain(cfg: TerrainConfig) -> HeightField:
    if cfg.kind == "flat":
        return HeightField.flat(cfg.size)
    if cfg.kind == "hills":
        return hills(cfg.size, cfg.height, seed=cfg.seed)
    if not cfg.file:
        raise ConfigError("terrain kind 'file' needs 'file: path/to/heights.npz'")
    return HeightField.load(cfg.file)


def default_input(cfg: InputConfig) -> InputSource:
    """Inputs that need no window: replay and none. Windowed front ends handle gamepad/keyboard."""
    if cfg.kind == "replay":
        return Replay(cfg.file)  # type: ignore[arg-type]
    return NoInput()


def build_runtime(scene: SceneConfig, make_input: Callable[[InputConfig], InputSource] = default_input) -> Runtime:
    """A Runtime with every group of the scene spawned and wired to its input."""
    rt = Runtime(scene.tick_rate, max_ticks_per_frame=scene.max_ticks_per_frame, terrain=build_terrain(scene.terrain))
    for g in scene.characters:
        rt.spawn(g.controller, g.count, artifact=g.artifact, device=g.device, input=make_input(g.input))
    return rt
