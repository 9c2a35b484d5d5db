"""Conformance checker for controller plugins, after Gymnasium's environment checker (`check_env`).

    from neuropuppet.checker import check_controller
    check_controller(MyController)               # in a plugin's own tests: raises PluginError on a failure
    print(check_controller("pfnn", raise_on_error=False))    # or `neuropuppet check pfnn`

It checks, through the public protocol only (`neuropuppet.controller`), in this order:

  declarations        name, api_version, description, inputs/outputs (InputSpec/OutputSpec tuples, no name
                      twice), controls (pairs of strings), layer_joints/layer_reads and output joints in its skeleton
  construction        `neuropuppet.make` (or the given instance) has the skeleton, device and batch_size asked for
  step                a PoseBatch of shapes [N,3] [N,4] [N,J,3] [N,J,4], float32, on the controller's device,
                      unit quaternions, finite, on every tick
  outputs             every declared output in `extras`, shape [N, *shape], finite, within its declared range
                      (an extra that is not declared is a warning)
  determinism         two fresh instances fed the same recorded input give the same poses (within 1e-6)
  reset               reset([i]) puts character i at a fresh controller's first-tick pose for the same input
                      and leaves the others unchanged (a controller reading a shared host input, e.g. audio,
                      may keep what the group heard: then i must match characters all reset by index, and
                      the difference is a warning); reset() puts everyone at the fresh first-tick pose
  bad input           NaN, inf, huge and out-of-range input (pads outside [-1, 1], far targets) never give a
                      non-finite pose, and the pose recovers on the next normal ticks
  batch independence  changing character j's input changes no other character's pose
  runtime / layer     a body runs in a `Runtime` with its default modifiers; a layer is stacked over a body
                      (its own skeleton, moving) and writes only its layer_joints, never the pose below

Input is recorded once and replayed to every instance: the sources given in `inputs=`, else synthetic
values per declared InputSpec (`neuropuppet.input.synthetic`); a layer's "pose_below" comes from the
stack's own `Layer` machinery over a moving body.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import torch

from . import plugins
from .controller import (API_CHANGES, PLUGIN_API_VERSION, declaration_problems, is_layer,
                         missing_controller_attributes)
from .errors import InputError, NeuropuppetError, PluginError
from .motion.rotations_torch import quat_exp, quat_from_yaw
from .motion.skeleton import Skeleton
from .pose import PoseBatch
from .ports import AudioBlock, InputSpec, OutputSpec, TickInputs, allocate_inputs
from .stack import Layer, LayerSpec, PoseBelow, composite_skeleton

TICK_RATE = 60.0
DEFAULT_TICKS = 30
DETERMINISM_TOLERANCE = 1e-6
"""Largest difference allowed between two fresh instances fed the same input."""
EQUAL_TOLERANCE = 1e-5
"""Largest difference allowed for "unchanged" and "back at the start" (batched arithmetic may round differently)."""
UNIT_TOLERANCE = 1e-3
"""Largest | |q| - 1 | of a rotation."""
RANGE_TOLERANCE = 1e-5
RECOVERY_TICKS = 2
CORE_FIELDS = ("root_position", "root_rotation", "local_positions", "local_rotations")
CHECKS = ("declarations", "construction", "step", "outputs", "determinism", "reset", "bad input",
          "batch independence")


# -- the report ------------------------------------------------------------------------------------------------
@dataclass
class CheckResult:
    """One check: status "ok", "FAIL" or "skip"; details say what was wrong (FAIL) or why it did not run (skip)."""

    check: str
    status: str = "ok"
    details: list[str] = field(default_factory=list)


@dataclass
class CheckReport:
    """The outcome of `check_controller`: one result per check, in order, and warnings."""

    controller: str
    results: list[CheckResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """Lines "controller: check: what" that need no fix to conform, but probably deserve one."""

    @property
    def passed(self) -> list[str]:
        """Names of the checks that passed."""
        return [r.check for r in self.results if r.status == "ok"]

    @property
    def failed(self) -> list[str]:
        """One line per failure: "controller: check: what was wrong (expected vs got)"."""
        return [f"{self.controller}: {r.check}: {d}" for r in self.results if r.status == "FAIL" for d in r.details]

    @property
    def skipped(self) -> list[str]:
        """"check (why)" for each check that could not run."""
        return [f"{r.check} ({'; '.join(r.details)})" for r in self.results if r.status == "skip"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def lines(self) -> list[str]:
        """Each check as "ok", "FAIL" (one line per problem) or "skip", then the warnings."""
        out = []
        for r in self.results:
            if r.status == "FAIL":
                out += [f"FAIL  {self.controller}: {r.check}: {d}" for d in r.details]
            elif r.status == "skip":
                out.append(f"skip  {self.controller}: {r.check} ({'; '.join(r.details)})")
            else:
                out.append(f"ok    {self.controller}: {r.check}")
        return out + [f"warn  {w}" for w in self.warnings]

    def summary(self) -> str:
        failed = sum(r.status == "FAIL" for r in self.results)
        return (f"{self.controller}: {len(self.passed)} checks passed, {failed} failed, {len(self.skipped)} skipped, "
                f"{len(self.warnings)} warning{'s' * (len(self.warnings) != 1)}")

    def __str__(self) -> str:
        return "\n".join(self.lines() + [self.summary()])


def check_controller(controller: str | type | Any, *, batch_size: int = 3, device: torch.device | str = "cpu",
                     ticks: int = DEFAULT_TICKS, artifact: str | Path | None = None,
                     inputs: dict[str, Any] | None = None, raise_on_error: bool = True,
                     options: dict[str, Any] | None = None) -> CheckReport:
    """Check a controller plugin against the plugin protocol (see module docstring).

    controller: a plugin name (built with `neuropuppet.make`), a controller class (built the same way,
                registered in-process for the check), or a built instance: its attributes are checked,
                and fresh instances of its class (with `artifact`, default the class's own; its batch
                size and device) do the stepping, so the instance itself is never stepped.
    ticks:      ticks of recorded input each comparison runs (at least 2).
    artifact:   the artifact to build from (default: the plugin's shipped one).
    inputs:     sources for declared inputs by name (default: synthetic values per InputSpec).
    raise_on_error: raise `PluginError` listing every failure; else just return the report.
    options:    keyword options for the controller (`make(name, ..., **options)`), e.g. {"engine": "torch"}.
    """
    if int(batch_size) < 1:
        raise InputError(f"check_controller: batch_size must be at least 1, got {batch_size}")
    if int(ticks) < 2:
        raise InputError(f"check_controller: ticks must be at least 2, got {ticks}")
    report = _Checker(controller, int(batch_size), torch.device(device), int(ticks), artifact, inputs or {},
                      options or {}).run()
    if raise_on_error and not report.ok:
        raise PluginError(f"controller {report.controller!r} failed {len(report.failed)} conformance check"
                          f"{'s' * (len(report.failed) != 1)}:\n  " + "\n  ".join(report.failed))
    return report


# -- recorded input -----------------------------------------------------------------------------------------------
def _copy_value(value: Any) -> Any:
    """A tensor or PoseBelow with fresh tensors (what one step may modify); host objects as they are."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, PoseBelow):
        return dataclasses.replace(value, **{f.name: getattr(value, f.name).clone() for f in dataclasses.fields(value)
                                            if isinstance(getattr(value, f.name), torch.Tensor)})
    return value


def _fresh_inputs(recorded: TickInputs, tick: int | None = None) -> TickInputs:
    """A copy of one recorded tick a controller may read and scribble on; `tick` moves it (time follows)."""
    values = {k: _copy_value(v) for k, v in recorded.values.items()}
    if tick is None:
        return TickInputs(recorded.dt, recorded.tick, recorded.time, values)
    return TickInputs(recorded.dt, tick, tick * recorded.dt, values)


def _mix_rows(a: Any, b: Any, row: int) -> Any:
    """`a` with character `row` taken from `b` (tensors, PoseBelow); shared host objects stay `a`."""
    if isinstance(a, torch.Tensor):
        out = a.clone()
        out[row] = b[row]
        return out
    if isinstance(a, PoseBelow):
        return dataclasses.replace(a, **{f.name: _mix_rows(getattr(a, f.name), getattr(b, f.name), row)
                                        for f in dataclasses.fields(a) if isinstance(getattr(a, f.name), torch.Tensor)})
    return a


class _Shifted:
    """A given source sampled `seconds` later (a different input for one character of the batch)."""

    def __init__(self, source: Any, seconds: float) -> None:
        self.source, self.seconds = source, seconds
        self.provides = tuple(getattr(source, "provides", ()) or ())

    def sample(self, inputs: TickInputs) -> None:
        shift = round(self.seconds / inputs.dt)
        later = TickInputs(inputs.dt, inputs.tick + shift, inputs.time + shift * inputs.dt, inputs.values)
        self.source.sample(later)
        inputs.values.update(later.values)


class _Replay:
    """Replays a recording's values of `provides` on the tick the runtime is at (by simulation time)."""

    def __init__(self, recording: list[TickInputs], provides: Iterable[str]) -> None:
        self.recording = recording
        self.provides = tuple(provides)

    def sample(self, inputs: TickInputs) -> None:
        k = min(max(int(round(inputs.time / inputs.dt)), 0), len(self.recording) - 1)
        rec = self.recording[k]
        for name in self.provides:
            dst, value = inputs.get(name), rec.values.get(name)
            if isinstance(dst, torch.Tensor) and isinstance(value, torch.Tensor):
                dst.copy_(value)
            elif name in inputs:
                inputs.set(name, value)


def _body_motion(skeleton: Skeleton, n: int, device: torch.device, count: int, seed: int, dt: float
                 ) -> list[PoseBatch]:
    """A moving body on `skeleton`: roots walking in a row and turning, every joint swaying a little."""
    g = torch.Generator().manual_seed(seed)
    j = skeleton.num_joints
    axes = torch.nn.functional.normalize(torch.randn(n, j, 3, generator=g), dim=-1)
    amp, freq = 0.1 + 0.3 * torch.rand(n, j, 1, generator=g), 0.3 + torch.rand(n, j, 1, generator=g)
    phase = 2 * math.pi * torch.rand(n, j, 1, generator=g)
    yaw0, speed = 2 * math.pi * torch.rand(n, generator=g), 0.5 + torch.rand(n, generator=g)
    poses = []
    for k in range(count):
        t = k * dt
        pose = PoseBatch.rest(skeleton, n, "cpu")
        pose.local_rotations[:] = quat_exp(axes * (0.5 * amp * torch.sin(2 * math.pi * freq * t + phase)))
        pose.root_rotation[:] = quat_from_yaw(yaw0 + 0.3 * math.sin(t))
        pose.root_position[:, 0] = torch.arange(n, dtype=torch.float32)
        pose.root_position[:, 2] = speed * t
        poses.append(PoseBatch(skeleton, *(getattr(pose, f).to(device) for f in CORE_FIELDS)))
    return poses


class _PlayedBody:
    """A body controller that plays a list of poses (the checker's procedural body under a layer)."""

    name = "checker-body"
    api_version = PLUGIN_API_VERSION
    description = "plays a recorded moving body"
    inputs: tuple[InputSpec, ...] = ()
    outputs: tuple[OutputSpec, ...] = ()

    def __init__(self, poses: list[PoseBatch]) -> None:
        self.poses = poses
        self.skeleton = poses[0].skeleton
        self.batch_size, self.device = poses[0].batch_size, poses[0].root_position.device
        self.pose = poses[0].clone()

    @classmethod
    def default_artifact(cls) -> None:
        return None

    def reset(self, indices: Sequence[int] | None = None) -> None:
        pass

    def step(self, inputs: TickInputs) -> PoseBatch:
        return self.pose.copy_(self.poses[min(int(round(inputs.time / inputs.dt)), len(self.poses) - 1)])


# -- comparing poses ----------------------------------------------------------------------------------------------
Snapshot = dict[str, torch.Tensor]


def _snapshot(pose: PoseBatch) -> Snapshot:
    """Host float64 copies of the pose's tensors and extras (the controller may reuse its buffers)."""
    def host(t: torch.Tensor) -> torch.Tensor:
        return t.detach().to("cpu", torch.float64, copy=True)

    out = {f: host(getattr(pose, f)) for f in CORE_FIELDS if isinstance(getattr(pose, f), torch.Tensor)}
    out.update({f"extras[{k!r}]": host(v) for k, v in pose.extras.items() if isinstance(v, torch.Tensor)})
    return out


def _largest_difference(a: Snapshot, b: Snapshot, rows: Sequence[int]) -> tuple[str, float, int] | None:
    """(field, difference, character) of the largest difference over `rows` (NaN against NaN, inf against the
    same inf count as equal)."""
    worst: tuple[str, float, int] | None = None
    for name in a:
        x, y = a[name], b.get(name)
        if y is None or x.shape != y.shape or x.ndim == 0 or not rows:
            continue
        x, y = x[list(rows)], y[list(rows)]
        same = (x == y) | (torch.isnan(x) & torch.isnan(y))
        d = torch.where(same, 0.0, (x - y).abs().nan_to_num(nan=math.inf))
        d = d.reshape(len(rows), -1).amax(dim=1) if d.numel() else torch.zeros(len(rows), dtype=torch.float64)
        k = int(d.argmax())
        if worst is None or float(d[k]) > worst[1]:
            worst = (name, float(d[k]), int(rows[k]))
    return worst


def _non_finite(pose: PoseBatch, names: Iterable[str] = ()) -> list[str]:
    """Names of the core fields (and extras `names`) holding NaN or inf."""
    bad = [f for f in CORE_FIELDS if isinstance(getattr(pose, f, None), torch.Tensor)
           and not bool(torch.isfinite(getattr(pose, f)).all())]
    extras = getattr(pose, "extras", {}) or {}
    bad += [f"extras[{n!r}]" for n in names if isinstance(extras.get(n), torch.Tensor)
            and extras[n].is_floating_point() and not bool(torch.isfinite(extras[n]).all())]
    return bad


def _same_device(a: torch.device | str, b: torch.device | str) -> bool:
    a, b = torch.device(a), torch.device(b)
    if a.type != b.type:
        return False
    if a.type == "cuda" and (a.index is None) != (b.index is None):
        current = torch.cuda.current_device()
        return (a.index if a.index is not None else current) == (b.index if b.index is not None else current)
    return a.index == b.index


def _make_from_class(cls: type, batch_size: int, device: torch.device, artifact: str | Path | None,
                     options: dict[str, Any]) -> Any:
    """`neuropuppet.make` for a class: registered in-process for the call (under its name when that is free)."""
    from .runtime import make
    found = plugins.discover("controller")
    name = getattr(cls, "name", None)
    name = name if isinstance(name, str) and name else cls.__name__
    for key, info in found.items():
        if info.obj is cls:
            return make(key, batch_size, artifact=artifact, device=device, **options)
    key = name if name not in found else f"{name} (checked class)"
    plugins.register("controller", key, cls)
    try:
        return make(key, batch_size, artifact=artifact, device=device, **options)
    finally:
        plugins.unregister("controller", key)


def _display_name(target: Any) -> str:
    if isinstance(target, str):
        return target
    name = getattr(target, "name", None)
    return name if isinstance(name, str) and name else getattr(target, "__name__", type(target).__name__)


def _first_line(e: BaseException) -> str:
    return f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}".rstrip(": ")


class _Abort(Exception):
    """Stops the checks that need what just failed."""


class _UsageError(InputError):
    """The checker was called wrongly (not the controller's fault): raised to the caller."""


# -- the checks ---------------------------------------------------------------------------------------------------
class _Checker:
    def __init__(self, target: Any, batch_size: int, device: torch.device, ticks: int,
                 artifact: str | Path | None, sources: dict[str, Any], options: dict[str, Any]) -> None:
        from .input.source import as_source
        self.target, self.n, self.device, self.ticks = target, batch_size, device, ticks
        self.artifact, self.options = artifact, dict(options)
        self.given = {name: as_source(src) for name, src in sources.items()}
        self.dt = 1.0 / TICK_RATE
        self.report = CheckReport(_display_name(target))
        self._results = {name: CheckResult(name) for name in CHECKS}
        self._seen_warnings: set[str] = set()
        self._seen_failures: set[tuple[str, Any]] = set()
        self.cls: type | None = None
        self.instance: Any = None
        self.layer = False

    # -- bookkeeping ---------------------------------------------------------------------------------------------
    def fail(self, check: str, what: str, key: Any = None) -> None:
        """Record a failure; with `key`, only its first occurrence (e.g. the first tick a problem shows)."""
        r = self._results[check]
        r.status = "FAIL"
        if key is not None:
            if (check, key) in self._seen_failures:
                return
            self._seen_failures.add((check, key))
        if what not in r.details:
            r.details.append(what)

    def warn(self, check: str, what: str) -> None:
        line = f"{self.report.controller}: {check}: {what}"
        if line not in self._seen_warnings:
            self._seen_warnings.add(line)
            self.report.warnings.append(line)

    def skip(self, checks: Iterable[str], why: str) -> None:
        for check in checks:
            r = self._results[check]
            if r.status == "ok" and not r.details:
                r.status, r.details = "skip", [why]

    def failed(self, check: str) -> bool:
        return self._results[check].status == "FAIL"

    def run(self) -> CheckReport:
        order: list[tuple[str, Callable[[], Any]]] = [
            ("declarations", self.check_declarations), ("construction", self.check_construction),
            ("step", self.check_step), ("determinism", self.check_determinism), ("reset", self.check_reset),
            ("bad input", self.check_bad_input), ("batch independence", self.check_batch_independence),
            ("in a runtime", self.check_in_runtime)]
        for i, (check, fn) in enumerate(order):
            check = self.last_check if check == "in a runtime" else check
            if self._results[check].status == "skip":
                continue
            try:
                fn()
            except _Abort as why:        # what the remaining checks need failed
                self.skip(["outputs", *(c for c, _ in order[i + 1:] if c in self._results), self.last_check],
                          str(why))
                break
            except _UsageError:
                raise
            except Exception as e:      # a check reports, never crashes
                self.fail(check, f"raised {_first_line(e)}")
                if check == "determinism":
                    self.skip(["reset", "batch independence"], "needs a deterministic controller")
        self.report.results = list(self._results.values())
        return self.report

    @property
    def last_check(self) -> str:
        """"layer" for a layer, "runtime" for a body (created on first use, in last place)."""
        name, other = ("layer", "runtime") if self.layer else ("runtime", "layer")
        if name not in self._results:
            self._results.pop(other, None)
            self._results[name] = CheckResult(name)
        return name

    def new_instance(self) -> Any:
        """A fresh controller, built like the one checked."""
        if isinstance(self.target, str):
            from .runtime import make
            return make(self.target, self.n, artifact=self.artifact, device=self.device, **self.options)
        return _make_from_class(self.cls, self.n, self.device, self.artifact, self.options)

    def step(self, controller: Any, inputs: TickInputs) -> PoseBatch:
        with torch.inference_mode():
            return controller.step(inputs)

    # -- declarations ---------------------------------------------------------------------------------------------
    def resolve(self) -> type:
        target = self.target
        if isinstance(target, str):
            found = plugins.discover("controller")
            if target not in found:
                self.fail("declarations", f"no controller plugin named {target!r} (installed: "
                                          f"{', '.join(sorted(found)) or 'none'})")
                raise _Abort("no such plugin")
            info = plugins.check(found[target])
            if not isinstance(info.obj, type):
                self.fail("declarations", info.error or f"entry point {info.target} is not a class")
                raise _Abort("the plugin could not be imported")
            return info.obj
        if isinstance(target, type):
            return target
        self.instance = target
        return type(target)

    def check_declarations(self) -> None:
        cls = self.cls = self.resolve()
        fail = lambda what: self.fail("declarations", what)  # noqa: E731
        missing = missing_controller_attributes(cls)
        if missing:
            fail(f"{cls.__qualname__} lacks {', '.join(missing)} (the protocol is in neuropuppet.controller)")
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            fail(f"`name` must be a non-empty string, got {name!r}")
        elif isinstance(self.target, str) and name != self.target:
            self.warn("declarations", f"the class's name is {name!r} but its entry point is {self.target!r} "
                                      f"(artifacts are checked against the class's name)")
        api = getattr(cls, "api_version", None)
        if api != PLUGIN_API_VERSION:
            fail(f"api_version is {api!r}, expected {PLUGIN_API_VERSION} (PLUGIN_API_VERSION)"
                 + (f": {API_CHANGES[api]}" if api in API_CHANGES else ""))
        description = getattr(cls, "description", None)
        if not isinstance(description, str) or not description.strip():
            fail(f"`description` must be a one-line string for `neuropuppet plugins`, got {description!r}")
        for problem in declaration_problems(cls):
            fail(problem)
        controls = getattr(cls, "controls", ())
        if not isinstance(controls, (tuple, list)) or not all(
                isinstance(c, (tuple, list)) and len(c) == 2 and all(isinstance(s, str) for s in c) for c in controls):
            fail(f"`controls` must be (input, what it does) pairs of strings, got {controls!r:.80}")
        self.layer = is_layer(cls)
        self.last_check
        if self.failed("declarations") and missing:
            raise _Abort("the class lacks protocol members")
        if api != PLUGIN_API_VERSION:       # make() refuses it: nothing more to learn
            raise _Abort(f"written for plugin API {api!r}")

    def check_instance_declarations(self, c: Any) -> None:
        """What an instance may refine (inputs, outputs) and what needs its skeleton (joint names)."""
        fail = lambda what: self.fail("declarations", what)  # noqa: E731
        if getattr(c, "inputs", None) is not getattr(self.cls, "inputs", None) or \
                getattr(c, "outputs", None) is not getattr(self.cls, "outputs", None):
            for problem in declaration_problems(c):
                fail(f"the instance's {problem}")
        sk = c.skeleton
        for attr in ("layer_joints", "layer_reads"):
            names = getattr(c, attr, ()) or ()
            bad = [j for j in names if j not in sk.names]
            if bad:
                fail(f"`{attr}` names {', '.join(map(repr, bad))}, which its skeleton lacks "
                     f"(joints: {', '.join(sk.names[:16])}{', ...' if sk.num_joints > 16 else ''})")
        for spec in self.outputs(c):
            bad = [j for j in spec.joints if j not in sk.names]
            if bad:
                fail(f"output {spec.name!r} belongs to joints {', '.join(map(repr, bad))}, which its skeleton lacks")
        self.layer = is_layer(c)
        self.last_check

    @staticmethod
    def outputs(c: Any) -> tuple[OutputSpec, ...]:
        return tuple(o for o in (getattr(c, "outputs", ()) or ()) if isinstance(o, OutputSpec))

    @staticmethod
    def input_specs(c: Any) -> tuple[InputSpec, ...]:
        return tuple(s for s in (getattr(c, "inputs", ()) or ()) if isinstance(s, InputSpec))

    # -- construction ------------------------------------------------------------------------------------------
    def check_construction(self) -> None:
        if self.instance is not None:     # its batch and device; fresh ones from its class do the stepping
            n, dev = getattr(self.instance, "batch_size", None), getattr(self.instance, "device", None)
            self.n = n if isinstance(n, int) and not isinstance(n, bool) and n >= 1 else self.n
            try:
                self.device = torch.device(dev) if dev is not None else self.device
            except (RuntimeError, TypeError):
                pass
            self.check_attributes(self.instance, "the given instance: ")
        try:
            c = self.new_instance()
        except Exception as e:
            self.fail("construction", f"neuropuppet.make could not build it: {_first_line(e)}")
            raise _Abort("construction failed") from None
        self.check_attributes(c, "")
        if not isinstance(c, self.cls):
            self.warn("construction", f"building {self.cls.__qualname__} gave a {type(c).__qualname__}; the "
                                      f"checks ran on what was built")
        if self.failed("construction"):
            raise _Abort("construction failed")
        self.main = c
        self.check_instance_declarations(c)
        self.prepare_inputs(c)

    def check_attributes(self, c: Any, who: str) -> None:
        fail = lambda what: self.fail("construction", who + what)  # noqa: E731
        sk = getattr(c, "skeleton", None)
        if not isinstance(sk, Skeleton):
            fail(f"`skeleton` is {type(sk).__name__}, expected a neuropuppet.Skeleton")
        n = getattr(c, "batch_size", None)
        if not isinstance(n, int) or isinstance(n, bool) or n != self.n:
            fail(f"`batch_size` is {n!r}, expected {self.n} (the batch_size asked for)")
        dev = getattr(c, "device", None)
        try:
            if dev is None or not _same_device(dev, self.device):
                fail(f"`device` is {dev!r}, expected {self.device} (the device asked for)")
        except (RuntimeError, TypeError):
            fail(f"`device` is {dev!r}, not a torch device")

    # -- recorded input ------------------------------------------------------------------------------------------
    def prepare_inputs(self, c: Any) -> None:
        """Record the normal input, the input with one character changed, and (layers) the pose below."""
        self.specs = self.input_specs(c)
        declared = {s.name for s in self.specs}
        unknown = sorted(set(self.given) - declared)
        if unknown:
            raise _UsageError(f"check_controller: a source was given for {unknown[0]!r}, which "
                              f"{self.report.controller!r} does not declare (inputs: "
                              f"{', '.join(sorted(declared)) or 'none'})")
        from .input.synthetic import synthetic_source
        normal, other = {}, {}
        for k, spec in enumerate(self.specs):
            if spec.name in self.given:
                normal[spec.name] = self.given[spec.name]
                other[spec.name] = _Shifted(self.given[spec.name], 1.7)
                continue
            src = synthetic_source(spec, seed=101 + k)
            if src is None:
                if spec.required:
                    self.fail("step", f"input {spec.describe()} is required and the checker has no synthetic value "
                                      f"for it: pass inputs={{{spec.name!r}: source}}")
                    raise _Abort(f"no source for input {spec.name!r}")
                continue
            normal[spec.name], other[spec.name] = src, synthetic_source(spec, seed=7001 + k)
        self.replay_names = tuple(normal)
        count = self.ticks + 2
        self.probe = None
        body = other_body = None
        if self.layer:
            try:
                composite, maps = composite_skeleton(c.skeleton, [(self.report.controller, c.skeleton, {})])
                self.probe = Layer(LayerSpec(self.report.controller), c, composite, maps[0])
            except NeuropuppetError as e:
                self.fail("declarations", f"cannot be stacked as a layer: {e}")
                raise _Abort("cannot be stacked as a layer") from None
            self.body = body = _body_motion(c.skeleton, self.n, self.device, count, 11, self.dt)
            other_body = _body_motion(c.skeleton, self.n, self.device, count, 12, self.dt)
        self.recording = self.record(normal, body, count)
        changed = self.record(other, other_body, count)
        self.row = self.n // 2
        self.perturbed = [TickInputs(r.dt, r.tick, r.time, {k: _mix_rows(v, o.values.get(k), self.row)
                                                           for k, v in r.values.items()})
                          for r, o in zip(self.recording, changed)]

    def record(self, sources: dict[str, Any], body: list[PoseBatch] | None, count: int) -> list[TickInputs]:
        unique: list[Any] = []
        for src in sources.values():
            if all(src is not u for u in unique):
                unique.append(src)
        unique.sort(key=lambda s: any(s is g for g in self.given.values()))   # given sources last: they win
        out = []
        for k in range(count):
            inputs = allocate_inputs(self.specs, self.n, self.device, self.dt)
            inputs.tick, inputs.time = k, k * self.dt
            for src in unique:
                src.sample(inputs)
            if body is not None:
                inputs.values["pose_below"] = _copy_value(self.probe.fill_below(body[k]))
            out.append(TickInputs(self.dt, k, k * self.dt, {n: _copy_value(v) for n, v in inputs.values.items()}))
        return out

    # -- step and outputs ----------------------------------------------------------------------------------------
    def validate(self, c: Any, pose: Any, tick: int) -> bool:
        """Record what is wrong with one step's result; False when it is not a usable PoseBatch."""
        at = f" (tick {tick})"
        if not isinstance(pose, PoseBatch):
            self.fail("step", f"step returned {type(pose).__name__}, expected a neuropuppet.PoseBatch{at}", "type")
            return False
        n, j = self.n, c.skeleton.num_joints
        usable = True
        expected = {"root_position": (n, 3), "root_rotation": (n, 4), "local_positions": (n, j, 3),
                    "local_rotations": (n, j, 4)}
        for name, shape in expected.items():
            t = getattr(pose, name, None)
            if not isinstance(t, torch.Tensor):
                self.fail("step", f"{name} is {type(t).__name__}, expected a torch.Tensor{at}",
                          ("type", name))
                usable = False
                continue
            if tuple(t.shape) != shape:
                self.fail("step", f"{name} has shape {list(t.shape)}, expected {list(shape)} (N={n} characters, "
                                  f"J={j} joints of its skeleton){at}", ("shape", name))
                usable = False
                continue
            if t.dtype != torch.float32:
                self.fail("step", f"{name} is {t.dtype}, expected torch.float32{at}", ("dtype", name))
            if not _same_device(t.device, c.device):
                self.fail("step", f"{name} is on {t.device}, expected the controller's device {c.device}{at}",
                          ("device", name))
            finite = torch.isfinite(t)
            if not bool(finite.all()):
                self.fail("step", f"{name} holds {int((~finite).sum())} non-finite values (NaN or inf), expected "
                                  f"finite{at}", ("finite", name))
            elif name.endswith("rotation") or name.endswith("rotations"):
                err = float((t.double().norm(dim=-1) - 1.0).abs().max())
                if err > UNIT_TOLERANCE:
                    self.fail("step", f"{name} holds quaternions that are not unit length (| |q| - 1 | up to "
                                      f"{err:.3g}, expected below {UNIT_TOLERANCE}){at}", ("unit", name))
        sk = getattr(pose, "skeleton", None)
        if sk is not c.skeleton and getattr(sk, "names", None) != c.skeleton.names:
            self.fail("step", f"the PoseBatch's skeleton is not the controller's `skeleton` "
                              f"({len(getattr(sk, 'names', ()))} joints against {j}){at}", "skeleton")
        self.validate_outputs(c, pose, at)
        return usable

    def validate_outputs(self, c: Any, pose: PoseBatch, at: str) -> None:
        extras = pose.extras if isinstance(pose.extras, dict) else {}
        declared = self.outputs(c)
        for spec in declared:
            v = extras.get(spec.name)
            want = [self.n, *spec.shape]
            if not isinstance(v, torch.Tensor):
                self.fail("outputs", f"declared output {spec.name!r} is missing from extras, expected a tensor of "
                                     f"shape {want} (extras: {', '.join(map(repr, extras)) or 'none'}){at}",
                          ("missing", spec.name))
                continue
            if list(v.shape) != want:
                self.fail("outputs", f"output {spec.name!r} has shape {list(v.shape)}, expected {want}{at}",
                          ("shape", spec.name))
                continue
            if not _same_device(v.device, c.device):
                self.fail("outputs", f"output {spec.name!r} is on {v.device}, expected {c.device}{at}",
                          ("device", spec.name))
            if v.dtype != torch.float32:
                self.warn("outputs", f"output {spec.name!r} is {v.dtype}; renderers and recorders read float32")
            x = v.detach().double()
            if not bool(torch.isfinite(x).all()):
                self.fail("outputs", f"output {spec.name!r} holds non-finite values (NaN or inf), expected finite{at}",
                          ("finite", spec.name))
            elif spec.range is not None and x.numel():
                lo, hi = spec.range
                got = (float(x.min()), float(x.max()))
                if got[0] < lo - RANGE_TOLERANCE or got[1] > hi + RANGE_TOLERANCE:
                    self.fail("outputs", f"output {spec.name!r} spans [{got[0]:.4g}, {got[1]:.4g}], outside its "
                                         f"declared range [{lo:g}, {hi:g}]{at}", ("range", spec.name))
        names = {s.name for s in declared}
        for name in extras:
            if name not in names:
                self.warn("outputs", f"extras[{name!r}] is not declared in `outputs` (renderers, recorders and "
                                     f"exporters cannot tell what it means)")

    def check_step(self) -> None:
        c, self.snaps = self.main, []
        for k in range(self.ticks):
            recorded = self.recording[k]
            inputs = _fresh_inputs(recorded)
            try:
                pose = self.step(c, inputs)
            except Exception as e:
                self.fail("step", f"step raised {_first_line(e)} (tick {k})")
                raise _Abort("step raised") from None
            if not self.validate(c, pose, k):
                raise _Abort("step does not return a usable PoseBatch")
            self.snaps.append(_snapshot(pose))
            self.note_input_writes(recorded, inputs)

    def note_input_writes(self, recorded: TickInputs, seen: TickInputs) -> None:
        for name, value in recorded.values.items():
            after = seen.values.get(name)
            if name == "pose_below":
                changed = [f.name for f in dataclasses.fields(value) if isinstance(getattr(value, f.name), torch.Tensor)
                           and not torch.equal(getattr(value, f.name), getattr(after, f.name))]
                if changed:
                    self.fail("layer", f"step wrote into inputs['pose_below'].{changed[0]}: the pose below belongs to "
                                       f"the stack (its root is the body's own pose), expected it left as given")
            elif isinstance(value, torch.Tensor) and not torch.equal(value.nan_to_num(), after.nan_to_num()):
                self.warn("step", f"step wrote into its input {name!r} in place (the other controllers of a stack "
                                  f"read the same buffer)")

    def run_recording(self, c: Any, recording: list[TickInputs], ticks: int) -> list[Snapshot]:
        return [_snapshot(self.step(c, _fresh_inputs(recording[k]))) for k in range(ticks)]

    # -- determinism, reset, independence --------------------------------------------------------------------------
    def check_determinism(self) -> None:
        self.twin = self.new_instance()
        for k, snap in enumerate(self.run_recording(self.twin, self.recording, self.ticks)):
            worst = _largest_difference(self.snaps[k], snap, range(self.n))
            if worst is not None and worst[1] > DETERMINISM_TOLERANCE:
                name, d, row = worst
                self.fail("determinism", f"two fresh instances fed the same recorded input differ at tick {k}: "
                                         f"{name} of character {row} by {d:.3g}, expected within "
                                         f"{DETERMINISM_TOLERANCE:g}")
                self.skip(["reset", "batch independence"], "needs a deterministic controller")
                return

    def check_reset(self) -> None:
        if self._results["reset"].status == "skip":
            return
        i, k = self.n - 1, self.ticks
        others = [r for r in range(self.n) if r != i]
        try:
            self.main.reset([i])
        except Exception as e:
            hint = (" (step replaced a state tensor by one made under torch.inference_mode, where the runtime steps; "
                    "reset runs outside it, like CharacterGroup.reset: update state in place, or clone it)"
                    if "inference tensor" in str(e) else "")
            self.fail("reset", f"reset([{i}]) raised {_first_line(e)}{hint}")
            return
        after = _snapshot(self.step(self.main, _fresh_inputs(self.recording[k])))
        kept = _snapshot(self.step(self.twin, _fresh_inputs(self.recording[k])))
        self.spare = self.new_instance()
        reference = _snapshot(self.step(self.spare, _fresh_inputs(self.recording[k])))
        worst = self.pose_difference(after, reference, i)
        if worst is not None:
            shared = self.shared_state_reference(i, after)
            if shared is None:
                self.fail("reset", f"after reset([{i}]) character {i} is not back at its start: its {worst[0]} "
                                   f"differs from a fresh controller's first tick on the same input by {worst[1]:.3g}, "
                                   f"expected equal (within {EQUAL_TOLERANCE:g})")
            else:
                reference = shared
                self.warn("reset", f"after reset([{i}]) character {i}'s {worst[0]} differs from a fresh controller's "
                                   f"first tick (by {worst[1]:.3g}) but equals that of characters all reset by index: "
                                   f"state the group shares (e.g. the music heard so far) outlives reset([{i}]); fine "
                                   f"if that state belongs to the world, a bug if it belongs to the character")
        outputs = {name: v for name, v in after.items() if name not in CORE_FIELDS}
        worst = _largest_difference(outputs, reference, [i])
        if worst is not None and worst[1] > EQUAL_TOLERANCE:
            self.warn("reset", f"after reset([{i}]) character {i}'s {worst[0]} differs from a fresh controller's "
                               f"first tick by {worst[1]:.3g}: if it is per-character state, reset should clear it")
        worst = _largest_difference(after, kept, others)
        if worst is not None and worst[1] > EQUAL_TOLERANCE:
            self.fail("reset", f"reset([{i}]) also changed character {worst[2]}: its {worst[0]} differs by "
                               f"{worst[1]:.3g} from an instance that was not reset, expected unchanged")
        self.check_reset_all()

    def check_reset_all(self) -> None:
        """reset() puts every character at a fresh controller's first-tick pose (what restarting a scene does)."""
        k = self.ticks + 1
        try:
            self.main.reset()
        except Exception as e:
            self.fail("reset", f"reset() raised {_first_line(e)}")
            return
        try:
            after = _snapshot(self.step(self.main, _fresh_inputs(self.recording[k])))
        except Exception as e:
            self.fail("reset", f"step raised {_first_line(e)} on the tick after reset(), expected a pose")
            return
        fresh = _snapshot(self.step(self.new_instance(), _fresh_inputs(self.recording[k])))
        for row in range(self.n):
            worst = self.pose_difference(after, fresh, row)
            if worst is not None:
                self.fail("reset", f"after reset() character {row} is not back at its start: its {worst[0]} differs "
                                   f"from a fresh controller's first tick on the same input by {worst[1]:.3g}, "
                                   f"expected equal (within {EQUAL_TOLERANCE:g})")
                return

    @staticmethod
    def pose_difference(a: Snapshot, b: Snapshot, row: int) -> tuple[str, float, int] | None:
        """The largest difference of character `row`'s pose (not its outputs) when above EQUAL_TOLERANCE."""
        worst = _largest_difference({f: v for f, v in a.items() if f in CORE_FIELDS}, b, [row])
        return worst if worst is not None and worst[1] > EQUAL_TOLERANCE else None

    def shared_state_reference(self, i: int, after: Snapshot) -> Snapshot | None:
        """For a controller reading a host input the whole group shares (audio; terrain aside): character i's
        pose after `reset(range(N))` of an instance that heard the same input, when it explains reset([i])'s
        pose (state the group shares, such as the onsets of the music heard so far, outlives a reset by
        index); None otherwise."""
        if not any(s.kind == "host" and s.name != "terrain" for s in self.specs):
            return None
        k = self.ticks
        ref = self.new_instance()
        self.run_recording(ref, self.recording, k)
        ref.reset(list(range(self.n)))
        snap = _snapshot(self.step(ref, _fresh_inputs(self.recording[k])))
        return snap if self.pose_difference(after, snap, i) is None else None

    def check_batch_independence(self) -> None:
        if self._results["batch independence"].status == "skip":
            return
        if self.n < 2:
            self.skip(["batch independence"], "needs batch_size >= 2")
            return
        j = self.row
        others = [r for r in range(self.n) if r != j]
        c = self.new_instance()
        for k, snap in enumerate(self.run_recording(c, self.perturbed, self.ticks)):
            worst = _largest_difference(self.snaps[k], snap, others)
            if worst is not None and worst[1] > EQUAL_TOLERANCE:
                self.fail("batch independence", f"changing only character {j}'s input changed character {worst[2]}'s "
                                                f"{worst[0]} by {worst[1]:.3g} at tick {k}, expected unchanged (a "
                                                f"character must not depend on another's input)")
                return

    # -- bad input ---------------------------------------------------------------------------------------------------
    BAD_INPUTS: tuple[tuple[str, Callable[[torch.Tensor], torch.Tensor]], ...] = (
        ("NaN", lambda t: torch.full_like(t, math.nan)),
        ("+inf", lambda t: torch.full_like(t, math.inf)),
        ("-inf", lambda t: torch.full_like(t, -math.inf)),
        ("huge values (1e6)", lambda t: torch.where(t < 0, -1e6, 1e6).to(t.dtype)),
        ("out-of-range values (pads outside [-1, 1], x4 + 2)", lambda t: t * 4.0 + 2.0),
    )

    @staticmethod
    def bad_value(value: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return fn(value)
        if isinstance(value, AudioBlock):
            samples = fn(torch.from_numpy(np.array(value.samples, np.float32))).numpy()
            return dataclasses.replace(value, samples=samples)
        return value

    def check_bad_input(self) -> None:
        c = getattr(self, "spare", None) or self.new_instance()
        names = [s.name for s in self.outputs(c)]
        base = self.recording[-1]
        tick = self.ticks + 1
        for kind, fn in self.BAD_INPUTS:
            bad = TickInputs(self.dt, tick, tick * self.dt, {k: v if k == "pose_below" else self.bad_value(v, fn)
                                                             for k, v in base.values.items()})
            tick += 1
            try:
                with np.errstate(all="ignore"):       # numpy's warnings about the values it was given
                    pose = self.step(c, _fresh_inputs(bad))
            except NeuropuppetError as e:
                self.warn("bad input", f"step raised {_first_line(e)} on {kind} input (the runtime's sources "
                                       f"sanitise their values, but a controller should cope)")
                continue
            except Exception as e:
                self.fail("bad input", f"step raised {_first_line(e)} on {kind} input, expected a finite pose")
                c = self.new_instance()
                continue
            bad_fields = _non_finite(pose, names)
            if bad_fields:
                self.fail("bad input", f"{kind} in its inputs gave non-finite {', '.join(bad_fields)}, expected a "
                                       f"finite pose")
            for m in range(1, RECOVERY_TICKS + 1):
                pose = self.step(c, _fresh_inputs(base, tick))
                tick += 1
                still = _non_finite(pose, names)
                if still and m == RECOVERY_TICKS:
                    self.fail("bad input", f"after {kind} input, {', '.join(still)} stayed non-finite {m} normal "
                                           f"ticks later, expected it to recover (its state was poisoned)")
                    c = self.new_instance()      # the next kind starts clean: one poisoning is reported once

    # -- in a runtime -----------------------------------------------------------------------------------------------
    def check_in_runtime(self) -> None:
        from .runtime import Runtime
        check = self.last_check
        c = self.new_instance()
        rt = Runtime(tick_rate=TICK_RATE)
        replay = {name: _Replay(self.recording, [name]) for name in self.replay_names}
        if not self.layer:
            group = rt.spawn(c, inputs=replay)
            for _ in rt.run(self.ticks):
                pass
            self.check_group(check, group)
            return
        stacked = rt.spawn(_PlayedBody(self.body), layers=[LayerSpec(self.report.controller, controller=c)],
                           inputs=replay, modifiers=[])
        alone = rt.spawn(_PlayedBody(self.body), modifiers=[])
        sk = stacked.skeleton
        owned = {sk.index(j) for j in c.layer_joints}
        free = [j for j in range(sk.num_joints) if j not in owned]
        moved = False
        for k in rt.run(self.ticks):
            a, b = stacked.pose, alone.pose
            for name in ("root_position", "root_rotation"):
                d = float((getattr(a, name) - getattr(b, name)).abs().max())
                if d > DETERMINISM_TOLERANCE:
                    self.fail(check, f"stacked over a body it changed the body's {name} by {d:.3g} (tick {k - 1}), "
                                     f"expected only its layer_joints written")
            for name in ("local_rotations", "local_positions"):
                d = (getattr(a, name)[:, free] - getattr(b, name)[:, free]).abs().amax(dim=(0, 2))
                if d.numel() and float(d.max()) > DETERMINISM_TOLERANCE:
                    joint = sk.names[free[int(d.argmax())]]
                    self.fail(check, f"stacked over a body it changed joint {joint!r} ({name} by {float(d.max()):.3g},"
                                     f" tick {k - 1}), which is not among its layer_joints "
                                     f"({', '.join(c.layer_joints)})")
            moved = moved or not torch.equal(a.local_rotations[:, sorted(owned)], b.local_rotations[:, sorted(owned)])
            if self.failed(check):
                return
        self.check_group(check, stacked)
        if not moved:
            self.warn(check, f"stacked over a moving body it never changed its layer_joints in {self.ticks} ticks")

    def check_group(self, check: str, group: Any) -> None:
        if not group.pose.is_finite():
            self.fail(check, f"in a Runtime the composed pose is not finite ({', '.join(_non_finite(group.pose))})")
        missing = [s.name for s in self.outputs(group.controller if not self.layer else group.layers[0].controller)
                   if s.name not in group.outputs]
        if missing:
            self.fail(check, f"in a Runtime the group does not list output {missing[0]!r}")
        arrays = group.interpolated(0.5)
        bad = [k for k, v in arrays.extras.items() if not np.isfinite(v).all()]
        if bad:
            self.fail(check, f"in a Runtime the interpolated output {bad[0]!r} is not finite")


__all__ = ["check_controller", "CheckReport", "CheckResult", "DEFAULT_TICKS"]
