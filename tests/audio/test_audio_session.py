"""attach_audio: the audio input for the runtime's groups, the master clock in real time, a clean close."""
from __future__ import annotations

import pytest

import neuropuppet as npp
from neuropuppet.audio import AudioDeviceError, AudioSource, MixerClock, attach_audio
from neuropuppet.errors import AudioError

pytestmark = pytest.mark.usefixtures("mixer_closed")


def test_realtime_sets_the_master_clock_and_close_gives_it_back(tone_file):
    import pygame
    runtime = npp.Runtime()
    session = attach_audio(runtime, tone_file("mp3", rate=48000), realtime=True, sample_rate=16000)
    assert isinstance(runtime.master_clock, MixerClock) and runtime.master_clock is session.clock
    assert isinstance(runtime.world_sources["audio"], AudioSource)
    assert runtime.world_sources["audio"].clip is session.clip
    assert session.clip.sample_rate == 16000 and session.playback_clip.sample_rate == 48000
    assert session.clock.clip is session.playback_clip          # the speakers play the file's own rate
    runtime.paused = True                                       # the runtime pauses its master
    assert session.clock.paused
    runtime.paused = False
    assert not session.clock.paused
    session.close()
    assert runtime.master_clock is None and session.clock is None and pygame.mixer.get_init() is None
    session.close()                                             # twice is harmless


def test_start_false_leaves_the_music_waiting(tone_file):
    runtime = npp.Runtime()
    with attach_audio(runtime, tone_file("ogg"), realtime=True, start=False) as session:
        assert runtime.advance(0.5) == 0 and session.clock.position() == 0.0
        session.start()


def test_no_device_raises_or_falls_back(tone_file, monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    path = tone_file("wav")
    runtime = npp.Runtime()
    with pytest.raises(AudioDeviceError):
        attach_audio(runtime, path, realtime=True)
    assert "audio" not in runtime.world_sources and runtime.master_clock is None
    session = attach_audio(runtime, path, realtime=True, fallback=True)
    assert session.clock is None and runtime.master_clock is None
    assert "no audio device" in session.warning and path.name in session.warning
    assert runtime.advance(1 / 60 + 1e-6) == 1                  # frame time drives the ticks again


def test_a_bad_file_attaches_nothing(tmp_path):
    runtime = npp.Runtime()
    bad = tmp_path / "song.wav"
    bad.write_text("not music")
    with pytest.raises(AudioError, match="song.wav: not an audio file"):
        attach_audio(runtime, bad, realtime=True)
    assert "audio" not in runtime.world_sources and runtime.master_clock is None
