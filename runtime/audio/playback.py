"""Music through the sound device (pygame-ce's mixer) as the simulation's master clock.

    clock = MixerClock(clip)          # opens the device (AudioDeviceError when none can be opened)
    clock.start()
    runtime.master_clock = clock      # the runtime now runs the ticks up to clock.position()

How the clip is played: written once as a 16-bit mono WAV at the mixer's own rate to a temporary file and
streamed with `pygame.mixer.music`. `music` is the one pygame player that reports a position
(`music.get_pos`; a `Sound` on a `Channel` reports none), and a file on disk is read by SDL's audio thread
in C (a Python file object would make that thread take the GIL for every read, so a long tick would stall
the sound). The file holds exactly the samples the simulation's clip was resampled from, at the device
rate: SDL_mixer neither decodes nor resamples anything differently from what the controllers get.

Where the position comes from: `music.get_pos()` counts the bytes SDL_mixer has mixed since `play`
(nothing while paused) plus the milliseconds since the last mix, so it is ahead of what the listener hears
by what is queued in the device. `position()` subtracts `latency`: by default the two mixer buffers
(`buffer` frames each) that SDL2's ALSA and PulseAudio back-ends queue, one with the dummy driver
(which plays nothing); hardware and OS latency beyond that is not reported by SDL2: measure it and pass
`latency=` to correct for it. The position never goes back (get_pos steps back up to 1 ms at a mix), stays
put while paused, and once the track is over (get_pos is then -1 or, in pygame-ce 2.5, jumps ahead by the
track's length, so it is no longer read) counts wall-clock seconds of silence from the end, so a scene goes
on past the end of the music. With SDL_AUDIODRIVER=dummy all of this works without a sound card (the dummy
device consumes the buffers at its own pace, which is what the clock then follows).
"""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from ..errors import AudioError
from .decode import AudioClip

DEFAULT_FREQUENCY = 44100
DEFAULT_BUFFER = 512
_PYGAME_DEFAULT_BUFFER = 512   # what pygame.init() opens the mixer with when it was opened elsewhere


class AudioDeviceError(AudioError):
    """No sound device could be opened (a caller may fall back to the deterministic clock)."""


class MixerClock:
    """Plays `clip` and reports how many seconds of it the listener has heard (see module docstring).

    frequency / buffer: how the mixer is opened when nobody opened it yet (an already open mixer, e.g. by
    `pygame.init()`, is used as it is). latency: seconds between a sample being mixed and being heard.
    One at a time: pygame has a single music stream.
    """

    def __init__(self, clip: AudioClip, *, frequency: int = DEFAULT_FREQUENCY, buffer: int = DEFAULT_BUFFER,
                 latency: float | None = None) -> None:
        self.clip = clip
        self._wav: Path | None = None
        self._mixer = _open_mixer(frequency, buffer)
        rate, buffer_frames, driver = self._mixer.rate, self._mixer.buffer, self._mixer.driver
        self.latency = float(latency) if latency is not None else \
            buffer_frames / rate * (1 if driver == "dummy" else 2)
        try:
            self.device_clip = clip.resampled(rate)
            self._wav = _write_temp_wav(self.device_clip)
            self._music.load(str(self._wav))
        except AudioError:
            self._discard()
            raise
        except Exception as e:  # pygame.error from load
            self._discard()
            raise AudioError(f"{clip.path}: the mixer cannot load its samples ({e})") from None
        self._started = self._paused = self._stopped = False
        self._last = 0.0
        self._silence: _Stopwatch | None = None

    @property
    def _music(self):
        import pygame
        return pygame.mixer.music

    @property
    def sample_rate(self) -> int:
        """The rate the mixer plays at."""
        return self._mixer.rate

    @property
    def driver(self) -> str:
        return self._mixer.driver

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def ended(self) -> bool:
        """The whole clip has been mixed (the position now counts silence)."""
        if self._started and not self._stopped:
            self.position()
        return self._silence is not None

    def start(self) -> None:
        """Start playing from the beginning."""
        if self._stopped:
            raise AudioError(f"{self.clip.path}: playback was stopped; make a new MixerClock to play again")
        if not self._started:
            self._music.play()
            self._started = True

    def position(self) -> float:
        """Seconds of the clip the listener has heard (0 before `start`)."""
        if not self._started or self._stopped:
            return self._last
        if self._silence is None:
            ms = self._music.get_pos()
            if ms >= 0 and (self._paused or self._music.get_busy()):    # asked in this order: an end between
                pos = min(ms / 1000.0 - self.latency, self.clip.duration)  # the two calls is seen as an end
                self._last = max(self._last, pos)
                return self._last
            # the track is over: get_pos is then -1 or unreliable (pygame-ce 2.5 jumps it by the track's length)
            self._silence = _Stopwatch(max(self._last, self.clip.duration - self.latency), running=not self._paused)
        self._last = max(self._last, self._silence.elapsed())
        return self._last

    def pause(self) -> None:
        if self._started and not self._paused and not self._stopped:
            self._music.pause()
            if self._silence is not None:
                self._silence.pause()
            self._paused = True

    def resume(self) -> None:
        if self._paused and not self._stopped:
            self._music.unpause()
            if self._silence is not None:
                self._silence.resume()
            self._paused = False

    def stop(self) -> None:
        """Stop the sound; the position stays where it was."""
        if self._started and not self._stopped:
            self.position()
            self._music.stop()
        self._stopped = True

    def close(self) -> None:
        """Stop, release the music and its temporary file, and close the mixer if this clock opened it."""
        self.stop()
        self._discard()

    def __enter__(self) -> "MixerClock":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _discard(self) -> None:
        try:
            import pygame
            if pygame.mixer.get_init():
                pygame.mixer.music.unload()
        finally:
            if self._wav is not None:
                self._wav.unlink(missing_ok=True)
                self._wav = None
            self._mixer.close()


class _Mixer:
    """The pygame mixer as this clock found or opened it."""

    def __init__(self, rate: int, buffer: int, driver: str, owned: bool) -> None:
        self.rate, self.buffer, self.driver, self.owned = rate, buffer, driver, owned

    def close(self) -> None:
        if self.owned:
            import pygame
            pygame.mixer.quit()
            self.owned = False


def _open_mixer(frequency: int, buffer: int) -> _Mixer:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame
    except ImportError:  # pragma: no cover - pygame-ce is a dependency
        raise AudioError("audio playback needs pygame-ce (pip install pygame-ce)") from None
    have = pygame.mixer.get_init()
    owned = have is None
    if owned:
        try:
            pygame.mixer.init(frequency=int(frequency), size=-16, channels=2, buffer=int(buffer))
        except pygame.error as e:
            driver = os.environ.get("SDL_AUDIODRIVER")
            hint = f" (SDL_AUDIODRIVER={driver})" if driver else " (set SDL_AUDIODRIVER=dummy to run silent)"
            raise AudioDeviceError(f"no audio device could be opened: {e}{hint}") from None
        have = pygame.mixer.get_init()
    rate = int(have[0])
    driver = pygame.mixer.get_driver() if hasattr(pygame.mixer, "get_driver") else ""
    return _Mixer(rate, int(buffer) if owned else _PYGAME_DEFAULT_BUFFER, driver, owned)


def _write_temp_wav(clip: AudioClip) -> Path:
    import soundfile as sf
    fd, name = tempfile.mkstemp(prefix="neuropuppet-audio-", suffix=".wav")
    os.close(fd)
    try:
        with sf.SoundFile(name, "w", clip.sample_rate, 1, subtype="PCM_16") as out:
            for block in clip.blocks():                  # block by block: a streamed clip is never whole in memory
                out.write(np.clip(block, -1.0, 1.0))
    except Exception as e:
        Path(name).unlink(missing_ok=True)
        raise AudioError(f"{clip.path}: cannot write the playback buffer to {name} ({e})") from None
    return Path(name)


class _Stopwatch:
    """Wall-clock seconds from `base` on, that stop while paused."""

    def __init__(self, base: float, running: bool = True) -> None:
        self.base = base
        self._since: float | None = time.perf_counter() if running else None

    def elapsed(self) -> float:
        return self.base + (time.perf_counter() - self._since if self._since is not None else 0.0)

    def pause(self) -> None:
        if self._since is not None:
            self.base, self._since = self.elapsed(), None

    def resume(self) -> None:
        if self._since is None:
            self._since = time.perf_counter()


__all__ = ["MixerClock", "AudioDeviceError", "DEFAULT_FREQUENCY", "DEFAULT_BUFFER"]
