"""Music for the controllers and the listener: decode, the per-tick audio input, playback as master clock, mux.

    session = attach_audio(runtime, "song.ogg", realtime=True)   # controllers read inputs["audio"]
    ...
    session.close()

decode    load_audio(path, sample_rate) -> AudioClip (mono float32; AudioError on any unusable file)
stream    StreamedClip: what load_audio returns for files over STREAM_SECONDS (decoded block by block)
source    AudioSource(clip): the "audio" input, each tick's AudioBlock on simulation time
playback  MixerClock(clip): pygame mixer playback whose position masters runtime.master_clock
session   attach_audio(runtime, path, realtime=...) -> AudioSession
mux       mux_audio(video, clip, seconds): the AAC track of a rendered MP4
"""
from __future__ import annotations

from .decode import DEFAULT_SAMPLE_RATE, STREAM_SECONDS, AudioClip, load_audio
from .mux import mux_audio
from .playback import AudioDeviceError, MixerClock
from .session import AudioSession, attach_audio
from .source import AudioSource
from .stream import StreamedClip

__all__ = ["AudioClip", "StreamedClip", "STREAM_SECONDS", "load_audio", "DEFAULT_SAMPLE_RATE", "AudioSource",
           "MixerClock", "AudioDeviceError", "AudioSession", "attach_audio", "mux_audio"]
