"""The audio input source: each tick's samples of a decoded clip, on simulation time."""
from __future__ import annotations

import math

from ..ports import AudioBlock, TickInputs
from .decode import AudioClip
from .stream import StreamedClip

_EPSILON_SAMPLES = 1e-6
"""Sample index of time t is floor(t * rate + epsilon): ticks whose times are sums of dt in floating point
still tile the clip exactly (tick k's end index is tick k+1's start index)."""


class AudioSource:
    """Sets `inputs["audio"]` to the `AudioBlock` of simulation time [inputs.time, inputs.time + inputs.dt).

    The block's samples are read-only: a view into an `AudioClip` (no copy), or a span of a `StreamedClip`
    (decoded on demand, see `neuropuppet.audio.stream`). It depends on `inputs.time` and
    `inputs.dt` only, so headless, render and windowed runs hand a controller the same samples for the
    same tick. Before 0 s the block is empty; at the end of the clip it is cut short and `ended` is set;
    past the end it is empty and `ended`.
    """

    provides = ("audio",)

    def __init__(self, clip: AudioClip | StreamedClip) -> None:
        self.clip = clip

    def index(self, t: float) -> int:
        """The sample index of time t seconds, within the clip [0, frames]."""
        return min(max(0, self._index(t)), self.clip.frames)

    def block(self, start: float, end: float) -> AudioBlock:
        """The clip's samples of [start, end) seconds."""
        clip = self.clip
        i0 = self.index(start)
        i1 = min(max(i0, self._index(end)), clip.frames)
        return AudioBlock(clip.read(i0, i1), clip.sample_rate, start, end, ended=self._index(end) >= clip.frames)

    def sample(self, inputs: TickInputs) -> None:
        inputs.set("audio", self.block(inputs.time, inputs.time + inputs.dt))

    def _index(self, t: float) -> int:
        return math.floor(t * self.clip.sample_rate + _EPSILON_SAMPLES)


__all__ = ["AudioSource"]
