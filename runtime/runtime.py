"""The runtime: character groups stepped on a fixed timestep.

    import neuropuppet as npp
    rt = npp.Runtime(tick_rate=60)
    hero = rt.spawn("pfnn", input=npp.input.GamepadInput(read_pad))
    while playing:
        rt.advance(frame_seconds)             # runs 0..max_ticks_per_frame ticks
        pose = hero.interpolated(rt.alpha)    # numpy PoseArrays between the last two ticks

A group is N characters of one controller, stepped in one batched call per tick.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from . import plugins
from .artifacts import load_artifact, pick_device
from .channels import GAMEPAD_WIDTH, Channel, TickInputs
from .clock import FixedTimestep
from .controller import Controller
from .errors import NeuropuppetError, PluginError
from .input.source import InputSource, NoInput
from .motion.rotations import quat_nlerp
from .pose import PoseArrays, PoseBatch, host_array
from .terrain import HeightField


def make(name: str, batch_size: int = 1, *, artifact: str | Path | None = None,
         device: torch.device | str | None = None, **options: Any) -> Controller:
    """Create a controller plugin by name for `batch_size` characters (Gymnasium-style `make`).

    artifact: path of a trained artifact; default the plugin's shipped artifact.
    device:   default CUDA when available, else CPU.
    """
    if batch_size < 1:
        raise NeuropuppetError(f"batch_size must be at least 1, got {batch_size}")
    cls = plugins.load("controller", name)
    dev = pick_device(device)
    path = Path(artifact) if artifact is not None else cls.default_artifact()
    art = load_artifact(path, controller=cls.name, device=dev, warmup_batch=batch_size) if path is not None else None
    try:
        controller = cls.from_artifact(art, batch_size=batch_size, device=dev, **options)
    except NeuropuppetError:
        raise
    except Exception as e:
        raise PluginError(f"controller plugin {name!r} failed to start: {type(e).__name__}: {e}") from e
    return controller


def _alloc_inputs(controller: Controller, dt: float) -> TickInputs:
    n, dev, ch = controller.batch_size, controller.device, controller.channels
    audio_width = int(getattr(controller, "audio_width", 0))
    return TickInputs(
        dt=dt,
        gamepad=torch.zeros(n, GAMEPAD_WIDTH, device=dev) if Channel.GAMEPAD in ch else None,
        gaze_targets=torch.zeros(n, 3, device=dev) if Channel.GAZE in ch else None,
        audio=torch.zeros(n, audio_width, device=dev) if Channel.AUDIO in ch else None,
    )


@dataclass
class GroupStats:
    """Wall-clock seconds of the last tick's input sampling and controller step (host side)."""

    input_seconds: float = 0.0
    step_seconds: float = 0.0


class CharacterGroup:
    """N characters of one controller, their input source and their last two poses."""

    def __init__(self, controller: Controller, source: InputSource | None, dt: float,
                 terrain: HeightField | None) -> None:
        self.controller = controller
        self.input: InputSource = source or NoInput()
        self.inputs = _alloc_inputs(controller, dt)
        self.inputs.terrain = terrain if Channel.TERRAIN in controller.channels else None
        rest = PoseBatch.rest(controller.skeleton, controller.batch_size, controller.device)
        self.pose = rest            # pose after the latest tick (device tensors)
        self.previous = rest.clone()  # pose after the tick before it
        self.stats = GroupStats()

    @property
    def name(self) -> str:
        return self.controller.name

    def tick(self, tick: int) -> None:
        """Sample input once, step the controller once, keep the last two poses."""
        t0 = time.perf_counter()
        self.inputs.tick = tick
        self.input.sample(tick, self.inputs)
        t1 = time.perf_counter()
        try:
            out = self.controller.step(self.inputs)
        except NeuropuppetError:
            raise
        except Exception as e:
            raise PluginError(f"controller {self.name!r} raised in step at tick {tick}: {type(e).__name__}: {e}") from e
        self.previous, self.pose = self.pose, self.previous
        self.pose.copy_(out)
        t2 = time.perf_counter()
        self.stats.input_seconds, self.stats.step_seconds = t1 - t0, t2 - t1

    def reset(self, indices: Sequence[int] | None = None) -> None:
        self.controller.reset(indices)

    @torch.no_grad()
    def interpolated(self, alpha: float) -> PoseArrays:
        """The pose `alpha` of the way from the previous tick to the latest, on the host (fresh arrays)."""
        a, b = self.previous, self.pose
        if alpha >= 1.0:
            return b.to_numpy()
        if b.root_position.device.type == "cpu":     # numpy on views: a few microseconds per array
            return PoseArrays(
                b.skeleton,
                _lerp_np(a.root_position.numpy(), b.root_position.numpy(), alpha),
                quat_nlerp(a.root_rotation.numpy(), b.root_rotation.numpy(), alpha),
                _lerp_np(a.local_positions.numpy(), b.local_positions.numpy(), alpha),
                quat_nlerp(a.local_rotations.numpy(), b.local_rotations.numpy(), alpha),
                {k: host_array(v) for k, v in b.extras.items()},
            )
        mixed = PoseBatch(           # on the device, then one copy to the host
            b.skeleton,
            torch.lerp(a.root_position, b.root_position, alpha),
            _nlerp(a.root_rotation, b.root_rotation, alpha),
            torch.lerp(a.local_positions, b.local_positions, alpha),
            _nlerp(a.local_rotations, b.local_rotations, alpha),
            b.extras,
        )
        return mixed.to_numpy()


def _nlerp(q0: torch.Tensor, q1: torch.Tensor, t: float) -> torch.Tensor:
    """Normalised lerp along the shorter arc (exact at t = 0 and 1; fine for one tick apart)."""
    sign = torch.where((q0 * q1).sum(-1, keepdim=True) < 0, -1.0, 1.0)
    q = torch.lerp(q0, q1 * sign, t)
    return q / q.norm(dim=-1, keepdim=True).clamp_min(1e-12)


def _lerp_np(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """a + (b - a) t in a's float type (one fresh array)."""
    out = b - a
    out *= np.float32(t)
    out += a
    return out


class Runtime:
    """Groups of characters stepped on one fixed-timestep clock (see module docstring)."""

    def __init__(self, tick_rate: float = 60.0, *, max_ticks_per_frame: int = 5,
                 terrain: HeightField | None = None) -> None:
        self.clock = FixedTimestep(tick_rate, max_ticks_per_frame)
        self.terrain = terrain if terrain is not None else HeightField.flat()  # controllers reading terrain get ground
        self.groups: list[CharacterGroup] = []
        self.tick_count = 0
        self.last_tick_seconds = 0.0

    @property
    def dt(self) -> float:
        return self.clock.dt

    @property
    def alpha(self) -> float:
        """Interpolation factor for rendering between the last two ticks."""
        return self.clock.alpha

    @property
    def paused(self) -> bool:
        return self.clock.paused

    @paused.setter
    def paused(self, value: bool) -> None:
        self.clock.paused = value

    def spawn(self, controller: str | Controller, count: int = 1, *, artifact: str | Path | None = None,
              input: InputSource | None = None, device: torch.device | str | None = None,
              **options: Any) -> CharacterGroup:
        """Add a group: a plugin name (created with `make`) or a ready controller instance."""
        ctrl = make(controller, count, artifact=artifact, device=device, **options) \
            if isinstance(controller, str) else controller
        group = CharacterGroup(ctrl, input, self.dt, self.terrain)
        self.groups.append(group)
        return group

    def tick(self) -> None:
        """Run exactly one simulation tick for every group."""
        t0 = time.perf_counter()
        with torch.inference_mode():
            for g in self.groups:
                g.tick(self.tick_count)
        self.tick_count += 1
        self.last_tick_seconds = time.perf_counter() - t0

    def advance(self, frame_seconds: float) -> int:
        """Account a frame's elapsed time and run the ticks it owes; returns how many ran."""
        n = self.clock.advance(frame_seconds)
        for _ in range(n):
            self.tick()
        return n

    def step(self) -> None:
        """Single-step while paused: the next `advance` runs exactly one tick."""
        self.clock.step()

    def run(self, ticks: int, *, realtime: bool = False) -> Iterator[int]:
        """Headless loop: yields after each of `ticks` ticks; `realtime` sleeps to the tick rate."""
        start = time.perf_counter()
        for i in range(ticks):
            if realtime:
                delay = start + i * self.dt - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            self.tick()
            yield self.tick_count
