"""The runtime: character groups stepped on one fixed-timestep simulation clock.

    import neuropuppet as npp
    rt = npp.Runtime(tick_rate=60)
    hero = rt.spawn("pfnn", layers=["lookat"], inputs={"gamepad": npp.input.GamepadInput(read_pad),
                                                        "gaze_target": npp.input.targets.CircleTarget()})
    while playing:
        rt.advance(frame_seconds)             # runs 0..max_ticks_per_frame ticks
        pose = hero.interpolated(rt.alpha)    # numpy PoseArrays between the last two ticks

A group is N characters of one stack (a body controller, its layers, its pose modifiers), each
controller stepped in one batched call per tick. Every declared input has a source: given with
`inputs={name: source}` / `input=source`, else a world source of the runtime (`provide`): terrain,
camera_yaw and a resting gamepad always, audio once attached. One clock: `runtime.time` (tick * dt) is what every source
samples; with a `master_clock` (music playback) the ticks follow its position instead of frame time.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch

from . import plugins
from .artifacts import load_artifact, pick_device
from .clock import FixedTimestep
from .controller import Controller, is_layer
from .errors import InputError, NeuropuppetError, PluginError
from .input.source import CombinedInput, InputSource, NoInput, as_source, provided_names
from .modifiers import build_modifier
from .motion.rotations import quat_nlerp
from .pose import PoseArrays, PoseBatch, host_array
from .ports import CAMERA_YAW, InputSpec, OutputSpec, TickInputs, allocate_inputs, merge_specs
from .stack import Layer, LayerSpec, claim_conflicts, composite_skeleton
from .terrain import HeightField

log = logging.getLogger(__name__)


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


def declared_inputs(controller: Any) -> tuple[InputSpec, ...]:
    return tuple(getattr(controller, "inputs", ()) or ())


def declared_outputs(controller: Any) -> tuple[OutputSpec, ...]:
    return tuple(getattr(controller, "outputs", ()) or ())


@dataclass
class GroupStats:
    """Wall-clock seconds of the last tick's input sampling and controller steps (host side)."""

    input_seconds: float = 0.0
    step_seconds: float = 0.0


class PoseCopy:
    """`dst.copy_(src)` for the runtime's two pose buffers, on numpy views on the CPU.

    A plan per destination buffer pairs each of its tensors with the source's; it holds while the source
    (and destination) hand over the same tensor objects with the same extras, as a controller that writes
    into its own buffers does, and is made again otherwise. Off the CPU, or when shapes or dtypes differ
    (torch casts or broadcasts), it is `PoseBatch.copy_`.
    """

    def __init__(self) -> None:
        # id(dst) -> (ids of the tensors, src's extras names, (dst, src) numpy view pairs or None, the tensors)
        self._plans: dict[int, tuple[tuple[int, ...], tuple[str, ...], list[tuple[np.ndarray, np.ndarray]] | None,
                                     tuple[torch.Tensor, ...]]] = {}

    def __call__(self, dst: PoseBatch, src: PoseBatch) -> None:
        ids = tuple(map(id, (src.root_position, src.root_rotation, src.local_positions, src.local_rotations,
                             dst.root_position, dst.root_rotation, dst.local_positions, dst.local_rotations,
                             *src.extras.values(), *dst.extras.values())))
        plan = self._plans.get(id(dst))
        if plan is not None and plan[0] == ids and plan[1] == tuple(src.extras):   # the plan holds the tensors:
            # their ids are not reused while it lives
            if plan[2] is None:
                dst.copy_(src)
                return
            for d, s in plan[2]:
                np.copyto(d, s)
            return
        dst.copy_(src)                              # allocates dst's extras the first time
        if len(self._plans) > 8:
            self._plans.clear()
        self._plans[id(dst)] = self._plan(dst, src)

    @staticmethod
    def _plan(dst: PoseBatch, src: PoseBatch) -> Any:
        pairs = [(getattr(dst, k), getattr(src, k))
                 for k in ("root_position", "root_rotation", "local_positions", "local_rotations")]
        pairs += [(dst.extras[k], v) for k, v in src.extras.items()]
        tensors = (src.root_position, src.root_rotation, src.local_positions, src.local_rotations,
                   dst.root_position, dst.root_rotation, dst.local_positions, dst.local_rotations,
                   *src.extras.values(), *dst.extras.values())
        host = len(dst.extras) == len(src.extras) and all(
            d.device.type == "cpu" and s.device.type == "cpu" and d.shape == s.shape and d.dtype == s.dtype
            and not d.requires_grad and not s.requires_grad for d, s in pairs)
        return (tuple(map(id, tensors)), tuple(src.extras),
                [(d.numpy(), s.numpy()) for d, s in pairs] if host else None, tensors)


class CharacterGroup:
    """N characters of one stack: body controller, layers, modifiers, their sources and last two poses."""

    def __init__(self, controller: Controller, sources: Sequence[InputSource] | InputSource | None,
                 dt: float, terrain: HeightField | None = None, *, layers: Sequence[tuple[LayerSpec, Any]] = (),
                 modifiers: Sequence[Any] | None = None, world: dict[str, InputSource] | None = None,
                 named: dict[str, InputSource] | None = None) -> None:
        self.controller = controller
        self.batch_size, self.device = int(controller.batch_size), torch.device(controller.device)
        self.name = "+".join([controller.name, *(spec.name for spec, _ in layers)])
        for spec, layer in layers:
            if layer.batch_size != self.batch_size or torch.device(layer.device) != self.device:
                raise InputError(f"layer {spec.name!r}: built for {layer.batch_size} characters on {layer.device}, "
                                 f"the body has {self.batch_size} on {self.device}")
            if not is_layer(layer):
                raise InputError(f"{spec.name!r} cannot be a layer: it declares no layer_joints")
        # one skeleton per character: the body's plus the joints its layers add
        self.skeleton, maps = composite_skeleton(controller.skeleton, [(spec.name, layer.skeleton, spec.joint_map)
                                                                        for spec, layer in layers])
        order = sorted(range(len(layers)), key=lambda i: layers[i][0].priority)
        self.layers = [Layer(layers[i][0], layers[i][1], self.skeleton, maps[i]) for i in order]
        claim_conflicts(self.layers)
        self._extras_names: list[dict[str, str]] = []
        self.outputs: dict[str, OutputSpec] = {}
        for who, ctrl in [(controller.name, controller)] + [(layer.name, layer.controller) for layer in self.layers]:
            names = {}
            for spec in declared_outputs(ctrl):
                name = spec.name if spec.name not in self.outputs else f"{who}.{spec.name}"
                names[spec.name] = name
                self.outputs[name] = spec
            self._extras_names.append(names)
        # inputs: the union of every controller's declarations, each with one source
        self.input_specs = merge_specs([(controller.name, declared_inputs(controller))] +
                                       [(layer.name, declared_inputs(layer.controller)) for layer in self.layers])
        self.inputs = allocate_inputs(tuple(self.input_specs.values()), self.batch_size, self.device, dt)
        self.sources = self._resolve_sources(sources, named or {}, world or {})
        if terrain is not None and "terrain" in self.input_specs and self.inputs.get("terrain") is None:
            self.inputs.set("terrain", terrain)      # before the first tick's sources run (a pre-tick step sees it)
        rest = PoseBatch.rest(self.skeleton, self.batch_size, self.device)
        self._rest = rest.clone()     # the rest of the joints layers add, restored under them every tick
        self.pose = rest              # composed pose after the latest tick (device tensors)
        self.previous = rest.clone()  # after the tick before it
        self._copy_pose = PoseCopy()
        self.modifiers = self._bind_modifiers(modifiers)
        self.stats = GroupStats()

    # -- set-up ----------------------------------------------------------------------------------
    def _resolve_sources(self, given: Sequence[InputSource] | InputSource | None, named: dict[str, InputSource],
                         world: dict[str, InputSource]) -> list[InputSource]:
        """One source per declared input: `named` (strict: the name must be declared), then the sources
        given (each for the declared inputs it provides), then the runtime's world sources."""
        by_name: dict[str, InputSource] = {}
        for name, src in named.items():
            if name not in self.input_specs:
                raise InputError(f"{self.name}: a source was given for input {name!r}, which no controller of "
                                 f"the stack declares (declared: {', '.join(self.input_specs) or 'none'})")
            by_name[name] = as_source(src)
        if isinstance(given, dict):
            raise InputError("give named sources with inputs={name: source}, not input=")
        if given is not None:
            for src in (given if isinstance(given, (list, tuple)) else [given]):
                src = as_source(src)
                for name in provided_names(src):
                    if name in self.input_specs:
                        by_name.setdefault(name, src)
        own = list(by_name.values())
        for name, spec in self.input_specs.items():
            if name not in by_name and name in world:
                by_name[name] = world[name]
        missing = [s for n, s in self.input_specs.items() if n not in by_name and s.required]
        if missing:
            who = {s.name: c.name for c in [self.controller] + [lay.controller for lay in self.layers]
                   for s in declared_inputs(c)}
            m = missing[0]
            raise InputError(f"{self.name}: input {m.describe()} (declared by {who.get(m.name, '?')!r}: "
                             f"{m.description or 'no description'}) has no source; give one with "
                             f"inputs={{{m.name!r}: source}} (Python) or an 'inputs:' entry in the scene")
        unique: list[InputSource] = []
        for src in by_name.values():
            if all(src is not u for u in unique):
                unique.append(src)
        self._own = [u for u in unique if any(u is o for o in own)]
        return unique

    @property
    def input(self) -> InputSource | None:
        """The group's own source (the one given at spawn; several: combined); world sources excluded."""
        if not self._own:
            return None
        return self._own[0] if len(self._own) == 1 else CombinedInput(*self._own)

    @input.setter
    def input(self, source: InputSource) -> None:
        """Replace the group's own sources by `source` (e.g. a `Recorder` wrapping them)."""
        source = as_source(source)
        world = [s for s in self.sources if all(s is not o for o in self._own)]
        self._own = [source]
        self.sources = [source] + world

    def _bind_modifiers(self, modifiers: Sequence[Any] | None) -> list[Any]:
        defaults = modifiers is None
        items = list(getattr(self.controller, "default_modifiers", ()) or ()) if defaults else list(modifiers)
        out = []
        for item in items:
            m = build_modifier(item)
            try:
                m.bind(self)
            except InputError as e:
                if not defaults:
                    raise InputError(f"{self.name}: modifier {getattr(m, 'name', item)!r}: {e}") from None
                log.info("%s: default modifier %s not applied: %s", self.name, getattr(m, "name", item), e)
                continue
            out.append(m)
        return out

    def layer(self, name: str) -> Layer:
        """The layer called `name` (InputError listing the layers when absent)."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise InputError(f"{self.name}: no layer {name!r} (layers: {', '.join(l.name for l in self.layers) or 'none'})")

    # -- one tick --------------------------------------------------------------------------------
    def tick(self, tick: int, sim_time: float | None = None) -> None:
        """Sample every source once, step the body and each layer once, compose, modify; keep two poses."""
        t0 = time.perf_counter()
        inputs = self.inputs
        inputs.tick = tick
        inputs.time = tick * inputs.dt if sim_time is None else sim_time
        for src in self.sources:
            src.sample(inputs)
        t1 = time.perf_counter()
        out = self._step(self.controller, inputs)
        self.previous, self.pose = self.pose, self.previous
        pose = self.pose
        if not self.layers:
            self._copy_pose(pose, out)
        else:
            self._write_body(out)
            for k, layer in enumerate(self.layers, start=1):
                layer.advance_weight(inputs.dt)
                inputs.values["pose_below"] = layer.fill_below(pose)
                layer_out = self._step(layer.controller, inputs)
                layer.blend_into(pose, layer_out)
                self._write_extras(layer_out.extras, self._extras_names[k])
            inputs.values.pop("pose_below", None)
        for m in self.modifiers:
            m.apply(pose, inputs)
        t2 = time.perf_counter()
        self.stats.input_seconds, self.stats.step_seconds = t1 - t0, t2 - t1

    def _step(self, controller: Any, inputs: TickInputs) -> PoseBatch:
        try:
            return controller.step(inputs)
        except NeuropuppetError:
            raise
        except Exception as e:
            raise PluginError(f"controller {controller.name!r} raised in step at tick {inputs.tick}: "
                              f"{type(e).__name__}: {e}") from e

    def _write_body(self, out: PoseBatch) -> None:
        pose, j = self.pose, out.local_rotations.shape[1]
        pose.root_position.copy_(out.root_position)
        pose.root_rotation.copy_(out.root_rotation)
        pose.local_positions[:, :j].copy_(out.local_positions)
        pose.local_rotations[:, :j].copy_(out.local_rotations)
        if j < self.skeleton.num_joints:          # joints the layers add start from rest: a faded layer's rest
            pose.local_positions[:, j:].copy_(self._rest.local_positions[:, j:])
            pose.local_rotations[:, j:].copy_(self._rest.local_rotations[:, j:])
        self._write_extras(out.extras, self._extras_names[0])

    def _write_extras(self, extras: dict[str, torch.Tensor], names: dict[str, str]) -> None:
        mine = self.pose.extras
        for k, v in extras.items():
            name = names.get(k, k)
            have = mine.get(name)
            if have is None or have.shape != v.shape or have.device != v.device:
                mine[name] = v.clone()
            else:
                have.copy_(v)

    @torch.inference_mode()
    def reset(self, indices: Sequence[int] | None = None) -> None:
        """Put characters (all, or `indices`) back to their start: body, layers and modifiers (in inference
        mode, like the ticks, so a controller may update state made by a tick in place)."""
        self.controller.reset(indices)
        for layer in self.layers:
            layer.controller.reset(indices)
        for m in self.modifiers:
            m.reset(indices)

    # -- hand-off to the host ----------------------------------------------------------------------
    @torch.no_grad()
    def interpolated(self, alpha: float) -> PoseArrays:
        """The pose `alpha` of the way from the previous tick to the latest, on the host (fresh arrays).

        Declared continuous outputs are interpolated like the pose ("cyclic" ones along their wrap),
        discrete ones and undeclared extras are the latest tick's.
        """
        a, b = self.previous, self.pose
        if alpha >= 1.0:
            return b.to_numpy(self.outputs)
        if b.root_position.device.type == "cpu":     # numpy on views: a few microseconds per array
            return PoseArrays(
                b.skeleton,
                _lerp_np(a.root_position.numpy(), b.root_position.numpy(), alpha),
                quat_nlerp(a.root_rotation.numpy(), b.root_rotation.numpy(), alpha),
                _lerp_np(a.local_positions.numpy(), b.local_positions.numpy(), alpha),
                quat_nlerp(a.local_rotations.numpy(), b.local_rotations.numpy(), alpha),
                {k: self._extra_np(k, a.extras.get(k), v, alpha) for k, v in b.extras.items()},
                self.outputs,
            )
        mixed = PoseBatch(           # on the device, then one copy to the host
            b.skeleton,
            torch.lerp(a.root_position, b.root_position, alpha),
            _nlerp(a.root_rotation, b.root_rotation, alpha),
            torch.lerp(a.local_positions, b.local_positions, alpha),
            _nlerp(a.local_rotations, b.local_rotations, alpha),
            {k: self._extra_torch(k, a.extras.get(k), v, alpha) for k, v in b.extras.items()},
        )
        return mixed.to_numpy(self.outputs)

    def _extra_np(self, name: str, a: torch.Tensor | None, b: torch.Tensor, alpha: float) -> np.ndarray:
        spec = self.outputs.get(name)
        if spec is None or spec.interpolation == "none" or a is None or a.shape != b.shape:
            return host_array(b)
        x, y = a.numpy().astype(np.float32, copy=False), b.numpy().astype(np.float32, copy=False)
        if spec.interpolation == "cyclic":
            return np.mod(x + (np.mod(y - x + 0.5, 1.0) - 0.5) * np.float32(alpha), 1.0).astype(np.float32)
        return _lerp_np(x, y, alpha).astype(np.float32, copy=False)

    def _extra_torch(self, name: str, a: torch.Tensor | None, b: torch.Tensor, alpha: float) -> torch.Tensor:
        spec = self.outputs.get(name)
        if spec is None or spec.interpolation == "none" or a is None or a.shape != b.shape:
            return b
        x, y = a.float(), b.float()
        if spec.interpolation == "cyclic":
            return torch.remainder(x + (torch.remainder(y - x + 0.5, 1.0) - 0.5) * alpha, 1.0)
        return torch.lerp(x, y, alpha)


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


class TerrainSource:
    """The runtime's terrain as the host input "terrain"."""

    provides = ("terrain",)

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime

    def sample(self, inputs: TickInputs) -> None:
        if "terrain" in inputs:
            inputs.set("terrain", self.runtime.terrain)


class CameraYawSource:
    """`runtime.camera_yaw` (set by the window each frame; 0 headless) as the input "camera_yaw"."""

    provides = (CAMERA_YAW.name,)

    def __init__(self, runtime: "Runtime") -> None:
        self.runtime = runtime
        self._view: tuple[torch.Tensor | None, np.ndarray | None] = (None, None)

    def sample(self, inputs: TickInputs) -> None:
        dst = inputs.get(CAMERA_YAW.name)
        if dst is not None:
            if dst is not self._view[0]:
                self._view = (dst, dst.numpy() if dst.device.type == "cpu" else None)
            view = self._view[1]
            if view is not None:                    # a numpy view made once: no torch op per tick
                view.fill(float(self.runtime.camera_yaw))
            else:
                dst.fill_(float(self.runtime.camera_yaw))


class Runtime:
    """Groups of characters stepped on one fixed-timestep clock (see module docstring)."""

    def __init__(self, tick_rate: float = 60.0, *, max_ticks_per_frame: int = 5,
                 terrain: HeightField | None = None) -> None:
        self.clock = FixedTimestep(tick_rate, max_ticks_per_frame)
        self.terrain = terrain if terrain is not None else HeightField.flat()  # controllers reading terrain get ground
        self.groups: list[CharacterGroup] = []
        self.tick_count = 0
        self.last_tick_seconds = 0.0
        self.camera_yaw = 0.0                                  # the player's camera (the window sets it)
        self.camera_position = np.array([0.0, 1.6, -4.0])
        self.pointer_target: np.ndarray | None = None          # world point under the mouse (the window sets it)
        self.master_clock: Any = None                          # e.g. neuropuppet.audio.MixerClock
        self.on_tick: list[Callable[["Runtime"], None]] = []
        self.world_sources: dict[str, InputSource] = {"terrain": TerrainSource(self),
                                                      CAMERA_YAW.name: CameraYawSource(self),
                                                      "gamepad": NoInput()}    # a resting pad: stand still
        self._master_alpha = 0.0

    @property
    def dt(self) -> float:
        return self.clock.dt

    @property
    def time(self) -> float:
        """Simulation seconds: the start time of the next tick (tick_count * dt)."""
        return self.tick_count * self.clock.dt

    @property
    def alpha(self) -> float:
        """Interpolation factor for rendering between the last two ticks."""
        return self._master_alpha if self.master_clock is not None else self.clock.alpha

    @property
    def paused(self) -> bool:
        return self.clock.paused

    @paused.setter
    def paused(self, value: bool) -> None:
        if value != self.clock.paused and self.master_clock is not None:
            (self.master_clock.pause if value else self.master_clock.resume)()
        self.clock.paused = value

    def provide(self, name: str, source: InputSource) -> None:
        """A world source for input `name`: used by every group that declares it without a source of its own.
        Call it before spawning the groups that need it."""
        self.world_sources[name] = as_source(source)

    def spawn(self, controller: str | Controller, count: int = 1, *, layers: Sequence[Any] = (),
              artifact: str | Path | None = None, input: InputSource | Sequence[InputSource] | None = None,
              inputs: dict[str, InputSource] | None = None, modifiers: Sequence[Any] | None = None,
              device: torch.device | str | None = None, positions: Any = None, yaw: Any = None,
              **options: Any) -> CharacterGroup:
        """Add a group of `count` characters: a body (plugin name or ready controller), its layers (names,
        mappings or `LayerSpec`s), input sources (`input=` sources that say what they provide, or
        `inputs={name: source}`), pose modifiers (None: the body's `default_modifiers`), and where they
        stand: `positions` [N, 2] world (x, z) and `yaw` [N] (bodies with a `place()` method)."""
        body = make(controller, count, artifact=artifact, device=device, **options) \
            if isinstance(controller, str) else controller
        stack = []
        for item in layers:
            spec = LayerSpec.parse(item)
            layer = spec.controller if spec.controller is not None else make(
                spec.name, body.batch_size, artifact=spec.artifact, device=body.device, **spec.options)
            stack.append((spec, layer))
        group = CharacterGroup(body, input, self.dt, self.terrain, layers=stack, modifiers=modifiers,
                               world=self.world_sources, named=inputs)
        if positions is not None or yaw is not None:
            place = getattr(body, "place", None)
            if place is None:
                raise InputError(f"{group.name}: controller {body.name!r} cannot be placed (it has no place() method)")
            xz = np.zeros((group.batch_size, 2), np.float32) if positions is None else positions
            place(xz, yaw)
        self.groups.append(group)
        return group

    def tick(self) -> None:
        """Run exactly one simulation tick for every group, then the `on_tick` callbacks."""
        t0 = time.perf_counter()
        sim_time = self.time
        with torch.inference_mode():
            for g in self.groups:
                g.tick(self.tick_count, sim_time)
        self.tick_count += 1
        self.last_tick_seconds = time.perf_counter() - t0
        for fn in self.on_tick:
            fn(self)

    def advance(self, frame_seconds: float) -> int:
        """Account a frame's elapsed time and run the ticks it owes; returns how many ran.

        With a master clock the ticks follow its position instead: every tick whose end the playback
        has reached runs (at most max_ticks_per_frame; beyond that ticks are skipped, never delayed).
        """
        if self.master_clock is not None:
            return self._advance_to_master()
        n = self.clock.advance(frame_seconds)
        for _ in range(n):
            self.tick()
        return n

    def _advance_to_master(self) -> int:
        if self.clock.paused:
            self.clock.advance(0.0)     # single steps are refused with a master: audio cannot step
            return 0
        position = float(self.master_clock.position())
        rate = self.clock.rate
        owed = int(math.floor(position * rate + 1e-9)) - self.tick_count
        ran = 0
        if owed > self.clock.max_ticks_per_frame:
            skipped = owed - self.clock.max_ticks_per_frame
            self.tick_count += skipped
            self.clock.dropped_seconds += skipped * self.dt
            owed = self.clock.max_ticks_per_frame
        for _ in range(max(0, owed)):
            self.tick()
            ran += 1
        self._master_alpha = float(np.clip(position * rate - self.tick_count, 0.0, 1.0 - 1e-6))
        return ran

    def step(self) -> None:
        """Single-step while paused: the next `advance` runs exactly one tick (not with a master clock)."""
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
