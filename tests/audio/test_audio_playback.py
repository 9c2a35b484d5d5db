"""MixerClock under SDL's dummy driver: a position that advances, holds while paused, never goes back."""
from __future__ import annotations

import time

import pytest

from neuropuppet.audio import AudioDeviceError, MixerClock, load_audio
from neuropuppet.errors import AudioError

pytestmark = pytest.mark.usefixtures("mixer_closed")


def wait_until(condition, limit: float = 10.0) -> None:
    end = time.perf_counter() + limit
    while not condition():
        assert time.perf_counter() < end, "the mixer stopped advancing"
        time.sleep(0.005)


@pytest.fixture
def clip(tone_file):
    return load_audio(tone_file("wav", seconds=0.6, rate=44100), sample_rate=None)


def test_plays_at_the_mixer_rate_from_a_temporary_wav(clip):
    import pygame
    with MixerClock(clip, frequency=22050) as clock:
        assert pygame.mixer.get_init()[0] == clock.sample_rate == 22050
        assert clock.device_clip.sample_rate == 22050 and clock.device_clip.frames == round(0.6 * 22050)
        wav = clock._wav
        assert wav.is_file()
        assert clock.driver == "dummy" and clock.latency == pytest.approx(512 / 22050)
    assert not wav.exists() and pygame.mixer.get_init() is None   # close() removed it and closed the mixer


def test_position_advances_holds_while_paused_and_resumes(clip):
    with MixerClock(clip) as clock:
        assert clock.position() == 0.0
        clock.start()
        wait_until(lambda: clock.position() > 0.1)
        clock.pause()
        held = clock.position()
        time.sleep(0.15)
        assert clock.position() == held and clock.paused
        clock.resume()
        wait_until(lambda: clock.position() > held + 0.1)
        assert not clock.ended


def test_position_never_goes_back_and_counts_silence_after_the_end(clip):
    with MixerClock(clip) as clock:
        clock.start()
        seen = [clock.position()]
        while not clock.ended:
            seen.append(clock.position())
            assert seen[-1] <= clip.duration
            time.sleep(0.001)
        assert all(b >= a for a, b in zip(seen, seen[1:]))
        at_end = clock.position()
        assert at_end >= clip.duration - clock.latency - 0.05
        wait_until(lambda: clock.position() > at_end + 0.05)      # the scene goes on past the track
        clock.pause()
        held = clock.position()
        time.sleep(0.05)
        assert clock.position() == held
        clock.stop()
        assert clock.position() == held
        with pytest.raises(AudioError, match="stopped"):
            clock.start()


def test_an_already_open_mixer_is_used_and_left_open(clip):
    import pygame
    pygame.mixer.init(48000, -16, 2, 1024)
    with MixerClock(clip) as clock:
        assert clock.sample_rate == 48000 and clock.device_clip.sample_rate == 48000
    assert pygame.mixer.get_init() is not None


def test_no_audio_device_is_one_clear_error(clip, monkeypatch):
    monkeypatch.setenv("SDL_AUDIODRIVER", "no-such-driver")
    with pytest.raises(AudioDeviceError, match="no audio device could be opened.*SDL_AUDIODRIVER=no-such-driver"):
        MixerClock(clip)
