"""Attach a music file to a runtime: its audio input for every controller, and (in a window) its clock."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .decode import DEFAULT_SAMPLE_RATE, AudioClip, load_audio
from .playback import AudioDeviceError, MixerClock
from .source import AudioSource

log = logging.getLogger(__name__)


@dataclass
class AudioSession:
    """A music file attached to a runtime.

    clip: what controllers read (mono, `sample_rate`); playback_clip: the file's own rate, what the
    speakers play and `mux_audio` writes; clock: the master `MixerClock`, or None when the run is
    deterministic (headless, render, or no sound device with `fallback`); warning: why it fell back.
    """

    runtime: Any
    clip: AudioClip
    playback_clip: AudioClip
    source: AudioSource
    clock: MixerClock | None = None
    warning: str | None = None

    def start(self) -> None:
        """Start the music (attach_audio does unless given start=False)."""
        if self.clock is not None:
            self.clock.start()

    def close(self) -> None:
        """Stop the music and give the runtime back to frame time."""
        if self.clock is not None:
            if self.runtime.master_clock is self.clock:
                self.runtime.master_clock = None
            self.clock.close()
            self.clock = None

    def __enter__(self) -> "AudioSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def attach_audio(runtime: Any, path: str | Path, *, realtime: bool, sample_rate: int = DEFAULT_SAMPLE_RATE,
                 start: bool = True, fallback: bool = False, **mixer_options: Any) -> AudioSession:
    """Decode `path`, provide it as the runtime's "audio" input, and with `realtime` play it as the master clock.

    Call it before the runtime's first tick and before spawning the groups that read audio. `start=False`
    leaves the music stopped until `session.start()` (e.g. once a window is up, so the first frame does
    not begin seconds behind the music). Without a sound device it raises `AudioDeviceError`, or with
    `fallback` logs a warning, keeps the deterministic clock and sets `session.warning`.
    mixer_options go to `MixerClock` (frequency, buffer, latency).
    """
    playback_clip = load_audio(path, sample_rate=None)
    clip = playback_clip.resampled(sample_rate)
    clock, warning = None, None
    if realtime:
        try:
            clock = MixerClock(playback_clip, **mixer_options)
        except AudioDeviceError as e:
            if not fallback:
                raise
            warning = f"{e}; playing {Path(path).name} silent on the simulation clock"
            log.warning(warning)
    source = AudioSource(clip)
    runtime.provide("audio", source)
    session = AudioSession(runtime, clip, playback_clip, source, clock, warning)
    if clock is not None:
        runtime.master_clock = clock
        if start:
            clock.start()
    return session


__all__ = ["AudioSession", "attach_audio"]
