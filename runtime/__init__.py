"""neuropuppet: a plugin-based, real-time runtime for neural character controllers.

Core API (stable):
    make(name, batch_size=1, artifact=None, device=None) -> Controller
    Runtime(tick_rate=60).spawn(name, count, input=...) -> CharacterGroup
    PoseBatch / PoseArrays       the shared pose every controller emits
    InputSpec / OutputSpec / TickInputs   declared inputs and outputs (neuropuppet.ports)
    GamepadState, Button, Axis
    load_artifact / save_artifact / ArtifactMetadata

Names are imported on first use, so `import neuropuppet` (and the CLI's --help) stays fast.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "artifacts": ("Artifact", "ArtifactMetadata", "load_artifact", "read_metadata", "save_artifact"),
    "channels": ("Axis", "Button", "GamepadState"),
    "checker": ("check_controller",),
    "ports": ("AudioBlock", "InputSpec", "OutputSpec", "TickInputs"),
    "clock": ("FixedTimestep",),
    "controller": ("PLUGIN_API_VERSION", "Controller"),
    "errors": ("ArtifactError", "AudioError", "ConfigError", "InputError", "MotionDataError", "NeuropuppetError",
               "PluginError"),
    "motion.skeleton": ("Skeleton",),
    "pose": ("PoseArrays", "PoseBatch"),
    "runtime": ("CharacterGroup", "Runtime", "make"),
    "terrain": ("HeightField",),
    "trainer": ("Trainer", "TrainResult"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if name == "Channel":
        raise AttributeError("neuropuppet.Channel was removed in plugin API 2: declare `inputs` "
                             "(neuropuppet.InputSpec, standard ones in neuropuppet.ports) instead of `channels`")
    if module is None:
        raise AttributeError(f"module 'neuropuppet' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)


if TYPE_CHECKING:
    from .artifacts import Artifact, ArtifactMetadata, load_artifact, read_metadata, save_artifact
    from .channels import Axis, Button, GamepadState
    from .ports import AudioBlock, InputSpec, OutputSpec, TickInputs
    from .clock import FixedTimestep
    from .controller import PLUGIN_API_VERSION, Controller
    from .errors import (ArtifactError, AudioError, ConfigError, InputError, MotionDataError, NeuropuppetError,
                         PluginError)
    from .motion.skeleton import Skeleton
    from .pose import PoseArrays, PoseBatch
    from .runtime import CharacterGroup, Runtime, make
    from .terrain import HeightField
    from .trainer import Trainer, TrainResult
