"""neuropuppet: a plugin-based, real-time runtime for neural character controllers.

Core API (stable):
    make(name, batch_size=1, artifact=None, device=None) -> Controller
    Runtime(tick_rate=60).spawn(name, count, input=...) -> CharacterGroup
    PoseBatch / PoseArrays       the shared pose every controller emits
    Channel, TickInputs, GamepadState, Button, Axis
    load_artifact / save_artifact / ArtifactMetadata
"""
from .artifacts import Artifact, ArtifactMetadata, load_artifact, read_metadata, save_artifact
from .channels import Axis, Button, Channel, GamepadState, TickInputs
from .clock import FixedTimestep
from .controller import PLUGIN_API_VERSION, Controller
from .errors import (ArtifactError, ConfigError, InputError, MotionDataError, NeuropuppetError,
                     PluginError)
from .motion.skeleton import Skeleton
from .pose import PoseArrays, PoseBatch
from .runtime import CharacterGroup, Runtime, make
from .terrain import HeightField
from .trainer import Trainer, TrainResult

__version__ = "0.1.0"

__all__ = [
    "Artifact", "ArtifactMetadata", "load_artifact", "read_metadata", "save_artifact",
    "Axis", "Button", "Channel", "GamepadState", "TickInputs", "FixedTimestep",
    "PLUGIN_API_VERSION", "Controller", "Trainer", "TrainResult",
    "ArtifactError", "ConfigError", "InputError", "MotionDataError", "NeuropuppetError", "PluginError",
    "Skeleton", "PoseArrays", "PoseBatch", "CharacterGroup", "Runtime", "make", "HeightField",
]
