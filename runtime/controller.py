"""The controller plugin protocol.

A controller plugin is a class registered under the entry-point group `neuropuppet.controllers`.
The class declares, as class attributes:

  name          the plugin name users type (`neuropuppet play NAME`)
  api_version   the plugin-API version it was written for (`PLUGIN_API_VERSION`)
  channels      which inputs it reads each tick (`Channel` members)
  description   one line for `neuropuppet plugins`

and implements:

  default_artifact() -> Path | None     classmethod: the artifact shipped with the plugin, if any
  from_artifact(artifact, *, batch_size, device, **options) -> instance
                                         classmethod: build N characters from a loaded artifact
                                         (artifact is None for controllers that need none)
  skeleton                               the `Skeleton` its poses use
  device, batch_size
  reset(indices=None)                    put characters (all, or those indices) back to their start
  step(inputs) -> PoseBatch              advance one tick; returns the pose on `device`. The
                                         returned buffers may be reused by the next step.

Per-character state (phase, trajectory, recurrent hidden state) lives in tensors on `device`.
Batch size 1 is the common case; crowds use larger N in the same call.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Sequence, runtime_checkable

import torch

from .channels import Channel, TickInputs
from .motion.skeleton import Skeleton
from .pose import PoseBatch

if TYPE_CHECKING:
    from .artifacts import Artifact

PLUGIN_API_VERSION = 1
"""Bumped when the controller or trainer protocol changes incompatibly."""


@runtime_checkable
class Controller(Protocol):
    """What the runtime calls on a controller (see module docstring)."""

    name: ClassVar[str]
    api_version: ClassVar[int]
    channels: ClassVar[frozenset[Channel]]
    description: ClassVar[str]

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


CONTROLLER_ATTRIBUTES = ("name", "api_version", "channels", "default_artifact", "from_artifact", "reset", "step")


def missing_controller_attributes(cls: type) -> list[str]:
    """Names of protocol members the class lacks (empty when it looks like a controller)."""
    return [a for a in CONTROLLER_ATTRIBUTES if not hasattr(cls, a)]
