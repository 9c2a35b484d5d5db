"""Input: sources that fill each tick's `TickInputs`, recording and replay, devices."""
from .recording import Recorder, Replay
from .source import (CombinedInput, GamepadInput, GazeTargets, InputSource, NoInput, PerCharacterGamepads,
                     ScriptedGamepad)

__all__ = ["InputSource", "NoInput", "GamepadInput", "ScriptedGamepad", "PerCharacterGamepads", "GazeTargets",
           "CombinedInput", "Recorder", "Replay"]
