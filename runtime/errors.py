"""Errors the runtime reports to users: each carries a message meant to be read, not a traceback."""
from __future__ import annotations


class NeuropuppetError(Exception):
    """Base class of every error neuropuppet raises on bad input or a broken plugin."""


class PluginError(NeuropuppetError):
    """A plugin could not be found, imported, validated or constructed."""


class ArtifactError(NeuropuppetError):
    """An artifact file is missing, truncated, corrupted or does not fit its controller."""


class ConfigError(NeuropuppetError):
    """A YAML configuration has a syntax error, an unknown key or a value of the wrong type."""


class MotionDataError(NeuropuppetError):
    """Motion data (BVH, labels, terrain) is malformed; the message names file, line and reason."""


class InputError(NeuropuppetError):
    """Input given to a controller is malformed (wrong shape, NaN, out of range)."""


class AudioError(NeuropuppetError):
    """An audio file is missing, empty, truncated, damaged or not in a format the decoder reads."""
