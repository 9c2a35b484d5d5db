"""Causal tempo and beat phase from the running onset envelope (one value per tick).

Each tick:
  accent    a = max(0, onset strength - its running mean) * (1 + r), r = the rise of RMS since the last
            tick over its running mean (clipped to 0..8). The onset strength (librosa's spectral flux)
            counts dB of rise per mel band, so a quiet broadband hi-hat scores like a kick; weighting by
            the rise in loudness keeps an off-beat hi-hat from pulling the tempo to double or the phase
            half a beat off. The envelope kept is a minus its running mean (time constant 1 s).
  tempo     a running autocorrelation A[L] = lambda A[L] + e[t] e[t - L] (lambda = exp(-dt / memory_s):
            the last few seconds count), smoothed over neighbouring lags (0.25, 0.5, 0.25: a period between
            two whole ticks scores on both), weighted by a log-normal tempo prior (centre `bpm_prior`, one
            octave wide: librosa's `beat.tempo` prior) over lags of `bpm_min`..`bpm_max`, the best lag
            refined by a parabola through its neighbours. Confidence: A at that lag over A[0] (0..1).
  phase     the envelope of the last `phase_beats` periods folded at that period (a comb: beats k periods
            back weigh 0.7^k); the best offset, refined by a parabola, is how many ticks ago the last beat
            was. A tick's envelope stands for onsets anywhere in the tick, so the beat is put half a tick
            earlier (plus `onset_delay_s`); phase = time since it / period, in [0, 1), 0 on a beat.

It can only lock after `lock_s` seconds of sound (a few beats must be heard before their period means
anything): before that, and while the confidence is under `min_confidence`, tempo and phase read 0.
Two seconds of silence forget the lock. Known limit: the prior's octave choice reads tempi above
about 170 BPM (120 x sqrt 2) as half, and below about 85 BPM as double when the off-beats are loud.
"""
from __future__ import annotations

import math

import numpy as np

from ..kernels import KernelCompiler

_compiler = KernelCompiler(__file__)
_DECAY = 0.7
"""Weight ratio of successive periods back in the phase comb."""
_MAX_RISE = 8.0
"""Largest loudness-rise weight (a sound after silence rises by far more than the running mean)."""


@_compiler.jit(fastmath=False)
def _interpolate(history, at):
    """history read at a fractional index (linear interpolation; history is long enough)."""
    i = int(math.floor(at))
    f = at - i
    return history[i] * (1.0 - f) + history[i + 1] * f


@_compiler.jit(fastmath=False)
def _comb(history, now, offset, period, phase_beats):
    """The envelope `offset` ticks back from `now` and at whole periods before, weighted 0.7^k."""
    score = 0.0
    weight = 1.0
    for k in range(phase_beats):
        score += weight * _interpolate(history, now - offset - k * period)
        weight *= _DECAY
    return score


@_compiler.jit(fastmath=False)
def beat_update(history, head, acf, smooth, prior, lag_min, lag_max, forget, phase_beats):
    """Update `acf` with the value the caller wrote at history[head]; return (period in ticks, confidence,
    ticks since the last beat in the envelope); (0, 0, 0) before any envelope.

    history: float64 [2 H]: the envelope written twice (at i and i + H) so that the H values ending at
    `head + H` are contiguous: history[head + H - k] is the value k ticks ago. smooth: scratch like acf.
    """
    size = history.shape[0] // 2
    now = head + size
    e = history[now]
    for lag in range(lag_max + 3):
        acf[lag] = forget * acf[lag] + e * history[now - lag]
    if acf[0] <= 0.0:
        return 0.0, 0.0, 0.0
    for lag in range(1, lag_max + 2):
        smooth[lag] = 0.25 * acf[lag - 1] + 0.5 * acf[lag] + 0.25 * acf[lag + 1]
    best = lag_min
    for lag in range(lag_min, lag_max + 1):
        if smooth[lag] * prior[lag] > smooth[best] * prior[best]:
            best = lag
    a, b, c = smooth[best - 1], smooth[best], smooth[best + 1]
    bend = a - 2.0 * b + c
    shift = 0.5 * (a - c) / bend if bend < 0.0 else 0.0
    period = best + min(0.5, max(-0.5, shift))
    confidence = max(0.0, min(1.0, b / acf[0]))
    offsets = int(math.ceil(period))
    best_offset, best_score = 0, -1e300
    for offset in range(offsets):
        score = _comb(history, now, offset, period, phase_beats)
        if score > best_score:
            best_score, best_offset = score, offset
    # the comb is periodic: offset -1 is offset period - 1
    left = _comb(history, now, best_offset - 1.0 if best_offset > 0 else period - 1.0, period, phase_beats)
    right = _comb(history, now, best_offset + 1.0, period, phase_beats)
    bend = left - 2.0 * best_score + right
    shift = 0.5 * (left - right) / bend if bend < 0.0 else 0.0
    return period, confidence, best_offset + min(0.5, max(-0.5, shift))


class BeatTracker:
    """Tempo (BPM), beat phase and confidence from one onset strength and RMS per tick of `dt` seconds."""

    def __init__(self, dt: float, *, bpm_min: float = 60.0, bpm_max: float = 200.0, bpm_prior: float = 120.0,
                 memory_s: float = 4.0, lock_s: float = 3.0, min_confidence: float = 0.1,
                 onset_delay_s: float = 0.0, phase_beats: int = 4, mean_s: float = 1.0) -> None:
        if not dt > 0 or not 0 < bpm_min < bpm_max or not memory_s > 0 or phase_beats < 1:
            raise ValueError(f"beat tracker: dt {dt}, tempo range {bpm_min}..{bpm_max} BPM, memory {memory_s} s "
                             f"and {phase_beats} phase beats must be positive")
        self.dt = float(dt)
        self.lag_min = max(2, int(math.floor(60.0 / (bpm_max * dt))))
        self.lag_max = max(self.lag_min + 1, int(math.ceil(60.0 / (bpm_min * dt))))
        self.forget = math.exp(-dt / memory_s)
        self.lock_s, self.min_confidence = float(lock_s), float(min_confidence)
        self.onset_delay_s, self.phase_beats, self.mean_s = float(onset_delay_s), int(phase_beats), float(mean_s)
        lags = np.arange(self.lag_max + 3, dtype=np.float64)
        bpm = 60.0 / (np.maximum(lags, 1.0) * dt)
        self._prior = np.exp(-0.5 * np.log2(bpm / bpm_prior) ** 2)
        self._size = self.lag_max * (self.phase_beats + 1) + 4
        self._history = np.zeros(2 * self._size)
        self._acf = np.zeros(self.lag_max + 3)
        self._smooth = np.zeros(self.lag_max + 3)
        self.reset()

    def reset(self) -> None:
        """Forget the envelope, the autocorrelation and the lock."""
        self._history[:] = 0.0
        self._acf[:] = 0.0
        self._head = 0
        self._ticks = 0
        self._flux_mean = self._rise_mean = self._accent_mean = self._last_rms = 0.0
        self.heard_s = 0.0           # seconds of sound since the start or the last long silence
        self._silent_s = 0.0
        self.period_s = 0.0          # latest estimate, locked or not
        self.confidence = 0.0
        self.locked = False
        self.phase = 0.0
        self.next_beat_s = 0.0       # seconds from the current position to the next expected beat

    @property
    def tempo(self) -> float:
        """Beats per minute when locked, else 0."""
        return 60.0 / self.period_s if self.locked and self.period_s > 0 else 0.0

    def update(self, onset_strength: float, rms: float, audible: bool, ticks: int = 1) -> None:
        """One tick's onset strength and RMS (`ticks` > 1: ticks were skipped; they add a level envelope)."""
        for _ in range(max(1, ticks) - 1):
            self._step(None, rms)
        self._step(onset_strength, rms)
        step_s = self.dt * max(1, ticks)
        if audible:
            self.heard_s += step_s
            self._silent_s = 0.0
        else:
            self._silent_s += step_s
            if self._silent_s >= 2.0:
                self.heard_s = 0.0
        self.locked = self.heard_s >= self.lock_s and self.confidence >= self.min_confidence and self.period_s > 0
        if not self.locked:
            self.phase, self.next_beat_s = 0.0, 0.0

    def _step(self, onset_strength: float | None, rms: float) -> None:
        self._ticks += 1
        rate = max(self.dt / self.mean_s, 1.0 / self._ticks)   # a plain average at first, then a running one
        if onset_strength is None:                             # a skipped tick: the envelope at its mean
            e = 0.0
        else:
            novelty = max(0.0, onset_strength - self._flux_mean)
            self._flux_mean += rate * (onset_strength - self._flux_mean)
            rise = max(0.0, rms - self._last_rms)
            self._last_rms = rms
            weight = min(_MAX_RISE, rise / self._rise_mean) if self._rise_mean > 1e-9 else 0.0
            self._rise_mean += rate * (rise - self._rise_mean)
            accent = novelty * (1.0 + weight)
            e = accent - self._accent_mean
            self._accent_mean += rate * (accent - self._accent_mean)
        self._head = (self._head + 1) % self._size
        self._history[self._head] = self._history[self._head + self._size] = e
        period, confidence, since = beat_update(self._history, self._head, self._acf, self._smooth, self._prior,
                                                self.lag_min, self.lag_max, self.forget, self.phase_beats)
        self.confidence = confidence
        self.period_s = period * self.dt
        if period > 0:
            elapsed = (since + 0.5) * self.dt + self.onset_delay_s
            self.phase = (elapsed / self.period_s) % 1.0
            self.next_beat_s = (1.0 - self.phase) * self.period_s


__all__ = ["BeatTracker", "beat_update"]
