"""The controller plugin protocol (plugin API version 2).

A controller plugin is a class registered under the entry-point group `neuropuppet.controllers`.
The class declares, as class attributes (an instance may refine `inputs`/`outputs` once built, e.g.
an audio width read from its artifact):

  name          the plugin name users type (`neuropuppet play NAME`)
  api_version   the plugin-API version it was written for (`PLUGIN_API_VERSION`)
  description   one line for `neuropuppet plugins`
  inputs        tuple of `InputSpec`: what it reads each tick, by name and shape
                (standard ones in `neuropuppet.ports`: GAMEPAD, CAMERA_YAW, GAZE_TARGET, TERRAIN, AUDIO)
  outputs       tuple of `OutputSpec`: named channels it emits in `PoseBatch.extras` beside the pose
                (contacts with their joints, eyelid closure, gaze, expert weights, phase, its own)
  controls      optional tuple of (input, what it does) pairs: the on-screen help
  layer_joints  optional: the joints (by name, in its own skeleton) it writes when used as a layer
                over a body; present = usable as a layer. Its step then sees `inputs["pose_below"]`
                (a `neuropuppet.stack.PoseBelow`). `layer_reads`: joints whose world transforms it
                needs from the pose below (default: its layer_joints and their parents).
  default_modifiers  optional tuple of pose modifiers applied after it by default: names ("foot_lock") or
                     mappings with options ({"name": "foot_lock", "release_frames": 10})

and implements:

  default_artifact() -> Path | None     classmethod: the artifact shipped with the plugin, if any
  from_artifact(artifact, *, batch_size, device, **options) -> instance
                                         classmethod: build N characters from a loaded artifact
                                         (artifact is None for controllers that need none)
  skeleton                               the `Skeleton` its poses use
  device, batch_size
  reset(indices=None)                    put characters (all, or those indices) back to their start
  step(inputs) -> PoseBatch              advance one tick; returns the pose on `device`, declared
                                         outputs in `extras`. The returned buffers may be reused.

Per-character state (phase, trajectory, recurrent hidden state) lives in tensors on `device`.
Batch size 1 is the common case; crowds use larger N in the same call. `neuropuppet check NAME`
(`neuropuppet.checker.check_controller`) verifies a plugin against this protocol.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Sequence, runtime_checkable

import torch

from .errors import InputError
from .motion.skeleton import Skeleton
from .pose import PoseBatch
from .ports import InputSpec, OutputSpec, TickInputs

if TYPE_CHECKING:
    from .artifacts import Artifact

PLUGIN_API_VERSION = 2
"""Bumped when the controller or trainer protocol changes incompatibly (2: declared inputs/outputs, layers)."""

API_CHANGES = {
    1: "version 2 replaced `channels` (the Channel enum) with declared `inputs` (neuropuppet.ports.InputSpec) "
       "and `outputs` (OutputSpec), reads inputs by name (`inputs['gamepad']`) and gives sources "
       "`sample(inputs)` on `inputs.time`; see the README's 'Writing a controller plugin'",
}


@runtime_checkable
class Controller(Protocol):
    """What the runtime calls on a controller (see module docstring)."""

    name: ClassVar[str]
    api_version: ClassVar[int]
    description: ClassVar[str]
    inputs: tuple[InputSpec, ...]
    outputs: tuple[OutputSpec, ...]

    skeleton: Skeleton
    device: torch.device
    batch_size: int

    @classmethod
    def default_artifact(cls) -> Path | None: ...

    @classmethod
    def from_artifact(cls, artifact: "Artifact | None", *, batch_size: int = 1,
                      device: torch.device | str | None = None, **options: Any) -> "Controller": ...

    def reset(self, indices: Sequence[int] | None = None) -> None: ...

    def step(self, inputs: TickInputs) -> PoseBatch: ...


CONTROLLER_ATTRIBUTES = ("name", "api_version", "inputs", "outputs", "default_artifact", "from_artifact", "reset",
                         "step")


def missing_controller_attributes(cls: type) -> list[str]:
    """Names of protocol members the class lacks (empty when it looks like a controller)."""
    return [a for a in CONTROLLER_ATTRIBUTES if not hasattr(cls, a)]


def declaration_problems(cls: type) -> list[str]:
    """What is wrong with a controller class's declarations (wrong types in inputs/outputs/layer_joints)."""
    problems = []
    for attr, kind in (("inputs", InputSpec), ("outputs", OutputSpec)):
        value = getattr(cls, attr, ())
        if not isinstance(value, (tuple, list)) or not all(isinstance(v, kind) for v in value):
            problems.append(f"`{attr}` must be a tuple of {kind.__name__}, got {value!r:.80}")
        else:
            names = [v.name for v in value]
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                problems.append(f"`{attr}` declares {dup[0]!r} twice")
    joints = getattr(cls, "layer_joints", ())
    if not isinstance(joints, (tuple, list)) or not all(isinstance(j, str) for j in joints):
        problems.append(f"`layer_joints` must be a tuple of joint names, got {joints!r:.80}")
    return problems


def is_layer(controller: Any) -> bool:
    """True when the controller (class or instance) can be stacked over a body (declares layer_joints)."""
    return bool(getattr(controller, "layer_joints", ()))


def character_indices(indices: Any, batch_size: int, who: str = "controller") -> list[int]:
    """`reset(indices)`'s indices as a list of ints in [0, batch_size) (read once: a generator works;
    negative indices count from the end). InputError naming `who` for a boolean mask or an index out of range."""
    items = indices.tolist() if hasattr(indices, "tolist") else list(indices)
    items = items if isinstance(items, list) else [items]
    if any(isinstance(i, bool) for i in items):
        raise InputError(f"{who}: reset() takes character indices, not a boolean mask")
    idx = [int(i) for i in items]
    if any(not -batch_size <= i < batch_size for i in idx):
        raise InputError(f"{who}: reset() index out of range for {batch_size} characters: {idx}")
    return [i % batch_size for i in idx]


class Procedural:
    """Base for controllers that need no artifact (procedural layers, examples): `default_artifact()` is None
    and `from_artifact(None, batch_size=, device=, **options)` calls `cls(batch_size, device, **options)`."""

    @classmethod
    def default_artifact(cls) -> Path | None:
        return None

    @classmethod
    def from_artifact(cls, artifact: Any, *, batch_size: int = 1, device: torch.device | str | None = None,
                      **options: Any) -> Any:
        return cls(batch_size, device or "cpu", **options)    # type: ignore[call-arg]
