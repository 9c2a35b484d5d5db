"""Scenes: which stacks, how many characters, artifacts, inputs, terrain and tick rate, from YAML.

    tick_rate: 60
    terrain: {kind: hills, size: 80}
    audio: music/song.ogg              # optional: the clock follows its playback in a window
    characters:
      - name: hero                     # optional: lets other groups refer to this one
        controller: pfnn
        layers: [lookat]               # or [{name: lookat, weight: 0.8, priority: 1, options: {...}}]
        input: {kind: gamepad, bindings: my_bindings.yaml}
        inputs:                        # a source per declared input (see neuropuppet.input.registry)
          gaze_target: {kind: circle, around: self, radius: 2}
        modifiers: [foot_lock]         # default: the body's default_modifiers; [] for none
      - controller: pfnn
        count: 20
        spacing: 1.5                   # a grid 1.5 m apart around `at: [x, z]`; or positions: [[x, z], ...]
        at: [0, 6]
        yaw: 180                       # degrees; 0 faces +Z
        layers: [lookat]
        inputs: {gaze_target: {kind: head, of: hero}}

A group that cannot be built (an input nobody supplies, a layer that does not fit) is reported by
name and skipped; the rest of the scene runs (`build_runtime(..., on_error=...)`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
import logging
from typing import Any, Callable, Literal

import numpy as np

from .config import load_config
from .errors import ConfigError, NeuropuppetError
from .input.recording import Replay
from .input.registry import SourceContext, build_source
from .input.source import InputSource, NoInput
from .runtime import Runtime
from .terrain import HeightField

log = logging.getLogger(__name__)


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
    name: str | None = None
    artifact: str | None = None
    device: str | None = None
    input: InputConfig = field(default_factory=InputConfig)
    layers: list[Any] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    modifiers: list[Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    positions: list[Any] | None = None      # [[x, z], ...] one per character
    spacing: float | None = None            # else: a square grid this many metres apart, centred on `at`
    at: list[float] = field(default_factory=lambda: [0.0, 0.0])
    yaw: float | None = None                # heading of every character, degrees (0 faces +Z)


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
    audio: str | None = None
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
        for name, src in g.inputs.items():
            if not isinstance(src, dict) or "kind" not in src:
                raise ConfigError(f"{path}: key 'characters[{i}].inputs.{name}': expected a mapping with a 'kind'")
    if scene.audio is not None:
        scene.audio = str((Path(path).parent / scene.audio) if not Path(scene.audio).is_absolute()
                          and not Path(scene.audio).exists() else scene.audio)
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


def placement(g: GroupConfig) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Where a group's characters stand: explicit `positions`, or a grid `spacing` metres apart around `at`
    (None, None when the scene says nothing: the controller's own start)."""
    heading = None if g.yaw is None else np.full(g.count, np.radians(g.yaw), np.float32)
    if g.positions is not None:
        xz = np.asarray(g.positions, np.float32)
        if xz.shape != (g.count, 2) or not np.isfinite(xz).all():
            raise ConfigError(f"positions: expected {g.count} finite [x, z] pairs, got shape {xz.shape}")
        return xz, heading
    if g.spacing is None:
        return (None, heading) if heading is None else (np.zeros((g.count, 2), np.float32), heading)
    side = int(np.ceil(np.sqrt(g.count)))
    k = np.arange(g.count)
    xz = np.stack([k % side - (side - 1) / 2, k // side - (side - 1) / 2], -1) * float(g.spacing)
    return (xz + np.asarray(g.at, np.float32)).astype(np.float32), heading


def build_runtime(scene: SceneConfig, make_input: Callable[[InputConfig], InputSource] = default_input, *,
                  live: InputSource | None = None, on_error: Callable[[str], None] | None = None,
                  prepare: Callable[[Runtime], None] | None = None, where: str = "scene") -> Runtime:
    """A Runtime with every group of the scene spawned and wired to its inputs.

    make_input: the group's `input:` source. live: what gamepad/keyboard input kinds mean (the window's
    pad; headless the stick pattern). prepare(runtime): runs before any group is spawned (e.g. attach
    the scene's audio). on_error(message): a group that cannot be built is reported and skipped; without
    it the error is raised. A scene none of whose groups could be built is an error.
    """
    rt = Runtime(scene.tick_rate, max_ticks_per_frame=scene.max_ticks_per_frame, terrain=build_terrain(scene.terrain))
    if prepare is not None:
        prepare(rt)
    ctx = SourceContext(rt, live=live)
    failures = []
    for i, g in enumerate(scene.characters):
        label = f"{where}: characters[{i}] ({g.name or g.controller})"
        try:
            ctx.later = []
            sources = {name: build_source(cfg, name, ctx, f"inputs.{name}") for name, cfg in g.inputs.items()}
            xz, heading = placement(g)
            group = rt.spawn(g.controller, g.count, artifact=g.artifact, device=g.device, input=make_input(g.input),
                             inputs=sources or None, layers=g.layers, modifiers=g.modifiers, positions=xz,
                             yaw=heading, **g.options)
        except NeuropuppetError as e:
            if on_error is None:
                raise type(e)(f"{label}: {e}") from None
            failures.append(str(e))
            on_error(f"{label}: {e}; skipped, the rest of the scene runs")
            continue
        for fn in ctx.later:
            fn(group)
        if g.name:
            ctx.groups[g.name] = group
    if not rt.groups:
        raise ConfigError(f"{where}: no character group could be built ({'; '.join(failures) or 'the scene lists none'})")
    return rt
