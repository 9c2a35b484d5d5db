"""Causal, streaming music features: one feature vector per tick from the audio heard so far.

    extractor = FeatureExtractor(dt=1 / 60)            # 22050 Hz analysis
    for block in blocks:                               # each tick's AudioBlock, [time, time + dt)
        vector = extractor.feed(block)                 # float32 [extractor.width], see FEATURE_LAYOUT
    runtime.spawn("gestures", 8, inputs={"audio_features": AudioFeatureSource(clip)})   # [N, F] input

Every tick the extractor appends the block's samples to a ring buffer (the playback position advances
by exactly the block's samples, so a fractional hop such as 22050 / 60 = 367.5 samples alternates 367 and
368 and never drifts) and analyses the frames that *end* at the position: nothing after it is read, so
appending future audio never changes a past tick's features. Before the first samples the history is
silence (zeros). The layout of the vector (`feature_layout(n_mfcc)`, a `neuropuppet.features.Layout`):

  pitch            MIDI note number of the latest voiced tick's f0 (held through unvoiced ticks; 0
                   before the first); YIN over the last `pitch_frame` samples (46 ms), see features_pitch
  voicing          YIN voicing confidence in [0, 1]
  voiced           1 when this tick's frame is voiced, else 0
  onset            onset strength: librosa's spectral flux (mean over 128 mel bands of the rise in
                   log-power since the previous tick, half-wave rectified; dB per tick)
  beat_phase       fraction of the beat period since the last beat at the position, in [0, 1) (0 on a
                   beat; the next is expected in (1 - phase) x period); 0 until the tracker locks
  tempo            beats per minute, 0 until the tracker locks (after `lock_s`, 3 s of sound: a few beats
                   must be heard first); see features_beat
  beat_confidence  normalised autocorrelation of the onset envelope at the beat period, 0..1
  rms              root mean square of the last `n_fft` samples (linear, full scale 1)
  mfcc             `n_mfcc` MFCCs of the last `n_fft` samples (librosa conventions: features_spectral)

The spectral features (onset, rms, mfcc) use the `n_fft` = 2048 samples (93 ms) ending at the position;
offline, librosa's `center=False` frames ending at the same sample give the same values (the frame a
tick analyses is centred 46 ms before the position: that is its latency). `FEATURE_GROUPS` names the
feature sets of the reference study ("pitch", "beat", "rms", "mfcc").

`AudioFeatureSource(clip)` is the input source: it slices the clip on `inputs.time` like `AudioSource`
(the same [time, time + dt) samples), computes the features once per tick and writes them to every
character of the group (input `audio_features`, [N, F]).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import torch

from ..errors import AudioError, InputError
from ..features import Layout
from ..ports import AudioBlock, InputSpec, TickInputs, audio_features
from .decode import DEFAULT_SAMPLE_RATE, AudioClip
from .features_beat import BeatTracker
from .features_pitch import SILENCE_RMS, PitchTracker
from .features_spectral import AMIN, SpectralTables, spectral_frame
from .source import AudioSource

FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "pitch": ("pitch", "voicing", "voiced"),
    "beat": ("onset", "beat_phase", "tempo", "beat_confidence"),
    "rms": ("rms",),
    "mfcc": ("mfcc",),
}
"""The feature sets of the reference study, by the layout blocks they take."""


def feature_layout(n_mfcc: int = 20) -> Layout:
    """The blocks of one tick's feature vector (module docstring), in order."""
    return Layout.build([("pitch", 1), ("voicing", 1), ("voiced", 1), ("onset", 1), ("beat_phase", 1),
                         ("tempo", 1), ("beat_confidence", 1), ("rms", 1), ("mfcc", n_mfcc)])


FEATURE_LAYOUT = feature_layout()


def feature_columns(groups: str | tuple[str, ...] | list[str], layout: Layout = FEATURE_LAYOUT) -> np.ndarray:
    """Column indices of the feature vector that the named groups (FEATURE_GROUPS keys, "all") or blocks take."""
    names = (groups,) if isinstance(groups, str) else tuple(groups)
    blocks: list[str] = []
    for name in names:
        if name == "all":
            blocks += list(layout.names)
        elif name in FEATURE_GROUPS:
            blocks += FEATURE_GROUPS[name]
        elif name in layout:
            blocks.append(name)
        else:
            raise KeyError(f"no feature group or block {name!r} (groups: {', '.join(FEATURE_GROUPS)}, all; "
                           f"blocks: {', '.join(layout.names)})")
    seen = list(dict.fromkeys(blocks))
    return np.concatenate([np.arange(layout[b].start, layout[b].stop) for b in seen])


@dataclass(frozen=True)
class FeatureSettings:
    """What the extractor computes; sample counts are at `sample_rate`."""

    sample_rate: int = DEFAULT_SAMPLE_RATE
    n_fft: int = 2048             # spectral frame (librosa's default n_fft): onset, rms, mfcc
    n_mels: int = 128             # mel bands (librosa's default)
    n_mfcc: int = 20              # 13 to 20 in common use
    pitch_frame: int = 1024       # YIN frame (46 ms at 22050 Hz): window 512, periods up to 511
    fmin: float = 65.0            # lowest f0 (about C2)
    fmax: float = 2093.0          # highest f0 (C7)
    voicing_threshold: float = 0.2  # YIN's dip threshold on d'
    bpm_min: float = 60.0
    bpm_max: float = 200.0
    bpm_prior: float = 120.0      # centre of the log-normal tempo prior (one octave wide)
    tempo_memory_s: float = 4.0   # time constant of the running autocorrelation
    lock_s: float = 3.0           # seconds of sound before tempo and phase are reported
    min_beat_confidence: float = 0.1
    onset_delay_s: float = 0.0    # extra lateness of the onset envelope to take off the beat phase (s)

    def __post_init__(self) -> None:
        if self.sample_rate <= 0 or self.n_fft < 64 or self.n_fft & (self.n_fft - 1):
            raise ValueError(f"features: n_fft {self.n_fft} must be a power of two >= 64 at a positive rate")
        if not 1 <= self.n_mfcc <= self.n_mels:
            raise ValueError(f"features: n_mfcc {self.n_mfcc} must be within 1..n_mels ({self.n_mels})")
        if self.pitch_frame > self.n_fft or self.pitch_frame & (self.pitch_frame - 1):
            raise ValueError(f"features: pitch_frame {self.pitch_frame} must be a power of two <= n_fft")


class FeatureExtractor:
    """The streaming extractor: `feed(block)` once per tick, in order; `values` holds the latest vector.

    dt: seconds per tick (the tempo tracker counts ticks). The vector `values` (float32 [width]) is
    rewritten in place every tick. A block at another sample rate than `settings.sample_rate` is an
    AudioError (resample the clip first: `AudioFeatureSource` does).
    """

    def __init__(self, dt: float = 1.0 / 60.0, settings: FeatureSettings | None = None, **overrides: Any) -> None:
        settings = replace(settings or FeatureSettings(), **overrides)
        if not dt > 0:
            raise ValueError(f"features: dt must be positive, got {dt}")
        self.dt, self.settings = float(dt), settings
        self.sample_rate = settings.sample_rate
        self.layout = feature_layout(settings.n_mfcc)
        self.width = self.layout.size
        self._tables = SpectralTables.build(settings.sample_rate, settings.n_fft, settings.n_mels, settings.n_mfcc)
        self._pitch = PitchTracker(settings.sample_rate, settings.pitch_frame, settings.fmin, settings.fmax,
                                   settings.voicing_threshold)
        self._beat = BeatTracker(self.dt, bpm_min=settings.bpm_min, bpm_max=settings.bpm_max,
                                 bpm_prior=settings.bpm_prior, memory_s=settings.tempo_memory_s,
                                 lock_s=settings.lock_s, min_confidence=settings.min_beat_confidence,
                                 onset_delay_s=settings.onset_delay_s)
        n = settings.n_fft
        self._ring = np.zeros(2 * n)                     # each sample written at i and i + n: the last n are
        self._windowed = np.zeros(n)                     # always ring[head:head + n], contiguous
        self._spectrum = np.zeros(n // 2 + 1, np.complex128)
        self._logmel = np.zeros(settings.n_mels)
        self._previous = np.zeros(settings.n_mels)
        self.values = np.zeros(self.width, np.float32)
        self._mfcc = self.values[self.layout["mfcc"]]
        self._at = {name: self.layout.start(name) for name in self.layout.names}
        self.reset()

    # -- state ----------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the start: silent history, no pitch held, the beat tracker unlocked."""
        self._ring[:] = 0.0
        self._head = 0
        self.position = 0                                  # samples heard
        self._previous[:] = 10.0 * math.log10(AMIN)        # the silent frame before the first
        self._pitch_midi = 0.0
        self.f0_hz = 0.0
        self._beat.reset()
        self.values[:] = 0.0

    @property
    def time(self) -> float:
        """Seconds of audio heard (the position the latest vector describes)."""
        return self.position / self.sample_rate

    @property
    def tempo(self) -> float:
        """Beats per minute (0 until the tracker locks)."""
        return self._beat.tempo

    @property
    def next_beat_s(self) -> float:
        """Seconds from the position to the next expected beat (0 until the tracker locks)."""
        return self._beat.next_beat_s

    @property
    def beat_locked(self) -> bool:
        return self._beat.locked

    # -- per tick -------------------------------------------------------------------------------------
    def feed(self, block: AudioBlock, ticks: int = 1) -> np.ndarray:
        """This tick's block -> the feature vector (`values`). ticks > 1: the block covers that many ticks
        (a catch-up after skipped ticks)."""
        if block.sample_rate != self.sample_rate and len(block.samples):
            raise AudioError(f"features: a block at {block.sample_rate} Hz reached an extractor of "
                             f"{self.sample_rate} Hz (resample the clip: clip.resampled({self.sample_rate}))")
        return self.push(block.samples, ticks)

    def push(self, samples: np.ndarray, ticks: int = 1) -> np.ndarray:
        """Mono samples at `sample_rate` that follow the last ones -> the feature vector (`values`)."""
        self.write(samples)
        self.spectral()
        self.pitch()
        self.beat(ticks)
        return self.values

    def write(self, samples: np.ndarray) -> None:
        """Append samples to the history (non-finite samples read as 0)."""
        n = self.settings.n_fft
        samples = np.asarray(samples)
        count = len(samples)
        self.position += count
        if count == 0:
            return
        if count > n:
            samples, count = samples[-n:], n
        head = self._head
        first = min(count, n - head)
        ring = self._ring
        ring[head:head + first] = samples[:first]
        ring[head + n:head + n + first] = samples[:first]
        if first < count:
            rest = count - first
            ring[:rest] = samples[first:]
            ring[n:n + rest] = samples[first:]
        self._head = (head + count) % n
        if not np.isfinite(ring[head:head + count]).all():     # the span written, its wrapped part mirrored
            np.nan_to_num(ring, copy=False, nan=0.0, posinf=0.0, neginf=0.0)

    def frame(self, length: int | None = None) -> np.ndarray:
        """The last `length` (default n_fft) samples heard, oldest first (a view: do not write)."""
        n = self.settings.n_fft
        end = self._head + n
        return self._ring[end - (length or n):end]

    def spectral(self) -> None:
        """onset, rms and mfcc of the latest frame."""
        frame = self.frame()
        np.multiply(frame, self._tables.window, out=self._windowed)
        spectrum = np.fft.rfft(self._windowed)
        t = self._tables
        onset, rms = spectral_frame(spectrum, frame, t.filters, t.band_lo, t.band_hi, t.dct, self._logmel,
                                    self._previous, self._mfcc)
        self.values[self._at["onset"]] = onset
        self.values[self._at["rms"]] = rms

    def pitch(self) -> None:
        """pitch, voicing and voiced of the latest pitch frame."""
        f0, confidence, voiced = self._pitch.estimate(self.frame(self.settings.pitch_frame))
        self.f0_hz = f0
        if voiced:
            self._pitch_midi = 69.0 + 12.0 * math.log2(f0 / 440.0)
        v = self.values
        v[self._at["pitch"]] = self._pitch_midi
        v[self._at["voicing"]] = confidence
        v[self._at["voiced"]] = 1.0 if voiced else 0.0

    def beat(self, ticks: int = 1) -> None:
        """beat_phase, tempo and beat_confidence after this tick's onset strength."""
        v = self.values
        rms = float(v[self._at["rms"]])
        self._beat.update(float(v[self._at["onset"]]), rms, rms >= SILENCE_RMS, ticks)
        v[self._at["beat_phase"]] = self._beat.phase
        v[self._at["tempo"]] = self._beat.tempo
        v[self._at["beat_confidence"]] = self._beat.confidence

    def describe(self) -> dict[str, Any]:
        """Settings and layout, for artifacts and reports."""
        return {"dt": self.dt, "settings": asdict(self.settings), "layout": self.layout.to_dict()}


class AudioFeatureSource:
    """The input source of music features: writes `inputs[name]` ([N, width]) from the clip on `inputs.time`.

    It slices the clip like `AudioSource` (the samples of [time, time + dt)), feeds them to its extractor
    once per tick (groups sharing one source share the work: a second `sample` for the same tick reuses
    the vector) and copies the vector to every character. The clip is resampled once to the extractor's
    rate. Ticks the runtime skipped (falling behind a master clock) are fed as one longer block; a jump
    back in time (a restart, a seek) resets the extractor and fills its history with the audio before.
    An extractor built for another dt than the runtime's is rebuilt with the same settings.
    """

    def __init__(self, clip: AudioClip, extractor: FeatureExtractor | None = None, name: str = "audio_features",
                 **settings: Any) -> None:
        self.name = name
        self.provides = (name,)
        self._settings = replace(FeatureSettings(), **settings) if extractor is None else extractor.settings
        self.extractor = extractor
        self.clip = clip.resampled(self._settings.sample_rate)
        self._audio = AudioSource(self.clip)
        self._width = feature_layout(self._settings.n_mfcc).size
        self._end: float | None = None
        self._last: tuple[float, float] | None = None
        self._tensor: torch.Tensor | None = None

    @property
    def width(self) -> int:
        return self._width

    @property
    def spec(self) -> InputSpec:
        """The input this source writes (what a controller declares to read it)."""
        return audio_features(self.width, self.name)

    def sample(self, inputs: TickInputs) -> None:
        start, dt = inputs.time, inputs.dt
        if self._last != (start, dt):
            self._advance(start, dt)
            self._last = (start, dt)
        target = inputs[self.name]
        if target.shape[-1] != self.width:
            raise InputError(f"input {self.name!r} is [{', '.join(map(str, target.shape))}] but the music features "
                             f"are {self.width} wide (declare audio_features({self.width}))")
        target.copy_(self._tensor.expand_as(target))

    def _advance(self, start: float, dt: float) -> None:
        ex = self.extractor
        if ex is None or abs(ex.dt - dt) > 1e-12:
            ex = self.extractor = FeatureExtractor(dt, self._settings)
            self._tensor, self._end = None, None
        if self._tensor is None:
            self._tensor = torch.from_numpy(ex.values)
        end = start + dt
        half_sample = 0.5 / self.clip.sample_rate
        if self._end is not None and abs(start - self._end) <= half_sample:
            ex.feed(self._audio.block(start, end))
        elif self._end is not None and start > self._end:
            ex.feed(self._audio.block(self._end, end), ticks=max(1, round((end - self._end) / dt)))
        else:                                           # the first tick, or a jump back: history from the clip
            ex.reset()
            history = self._audio.block(start - ex.settings.n_fft / self.clip.sample_rate, start)
            ex.write(history.samples)
            ex.spectral()                               # the onset's reference frame
            ex.position = self._audio.index(start)        # samples before start (none read)
            ex.feed(self._audio.block(start, end))
        self._end = end


__all__ = ["FeatureExtractor", "FeatureSettings", "AudioFeatureSource", "feature_layout", "feature_columns",
           "FEATURE_LAYOUT", "FEATURE_GROUPS"]


if __name__ == "__main__":                          # python -m neuropuppet.audio.features [SECONDS]: the benchmark
    import sys

    from .features_bench import main
    sys.exit(main())
