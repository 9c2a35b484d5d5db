"""Causal onset detection from the audio blocks of successive ticks: spectral flux against a running average.

Each tick's `AudioBlock` is appended to a short history (the last ~46 ms); the log-magnitude spectrum
of that history is compared with the previous tick's, and the positive part of the change, averaged
over frequency bins, is the spectral flux (Bello et al. 2005, "A tutorial on onset detection in
music signals"). A tick is an onset when its flux rises above the running mean by `sensitivity`
running mean deviations (plus a floor, so that near-silence never triggers), and no onset was found
in the last `refractory_s` seconds. Only samples already handed over are used: nothing looks ahead.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WINDOW_SECONDS = 0.046
"""Length of the analysed history (1024 samples at 22050 Hz): long enough to resolve a kick drum."""
LOG_GAIN = 100.0
"""Compression of the magnitudes before differencing: log(1 + LOG_GAIN |X|)."""


@dataclass
class Onset:
    """What one tick's block gave: flux, strength (flux over the running mean, in threshold units: 1 at
    the threshold) and whether the tick is an onset."""

    flux: float
    strength: float
    onset: bool


class OnsetDetector:
    """Spectral-flux onsets, one `feed` per tick (see module docstring).

    sensitivity: running mean deviations above the running mean that make an onset (lower: more onsets).
    floor: flux an onset needs at least (in mean log-magnitude units per bin; silence stays quiet).
    average_s: time constant of the running mean and deviation. refractory_s: shortest time between onsets.
    """

    def __init__(self, sensitivity: float = 3.0, floor: float = 0.05, average_s: float = 1.0,
                 refractory_s: float = 0.2) -> None:
        self.sensitivity, self.floor = float(sensitivity), float(floor)
        self.average_s, self.refractory_s = float(average_s), float(refractory_s)
        self.reset()

    def reset(self) -> None:
        """Forget the history, the running average and the last onset."""
        self.sample_rate = 0                          # the next block starts a fresh history
        self._history = np.zeros(0, np.float32)
        self._previous: np.ndarray | None = None
        self.mean = 0.0
        self.deviation = 0.0
        self._since_onset = np.inf
        self._seen = 0                                # samples heard since the start (or a change of rate)
        self._ticks = 0                               # ticks of flux in the running statistics

    def _start(self, sample_rate: int) -> None:
        self.sample_rate = int(sample_rate)
        n = 1 << max(6, int(round(np.log2(WINDOW_SECONDS * sample_rate))))
        self._history = np.zeros(n, np.float32)
        self._window = np.hanning(n).astype(np.float32)
        self._previous = None
        self._seen = 0
        self._ticks = 0

    def feed(self, samples: np.ndarray | None, sample_rate: int, dt: float) -> Onset:
        """This tick's block (mono samples at `sample_rate`, `dt` seconds of simulation) -> its `Onset`."""
        self._since_onset += dt
        if samples is None or len(samples) == 0 or not sample_rate > 0:
            return Onset(0.0, 0.0, False)             # no new audio (before the music, after it): nothing new
        if sample_rate != self.sample_rate:
            self._start(sample_rate)
        n = len(self._history)
        new = np.nan_to_num(np.asarray(samples, np.float32)[-n:], nan=0.0, posinf=0.0, neginf=0.0)
        self._history = np.concatenate([self._history[len(new):], new])
        self._seen += len(new)
        spectrum = np.log1p(LOG_GAIN * np.abs(np.fft.rfft(self._history * self._window)))
        previous, self._previous = self._previous, spectrum
        if previous is None:
            return Onset(0.0, 0.0, False)
        flux = float(np.maximum(spectrum - previous, 0.0).mean())
        margin = self.sensitivity * self.deviation + self.floor
        strength = max(0.0, flux - self.mean) / margin
        warm = self._seen >= n                        # a whole window heard: the statistics mean something
        onset = warm and strength >= 1.0 and self._since_onset >= self.refractory_s
        if onset:
            self._since_onset = 0.0
        self._ticks += 1                              # the statistics learn after the decision: a plain
        rate = max(dt / self.average_s, 1.0 / self._ticks)   # average at first, then a running one
        self.deviation += rate * (abs(flux - self.mean) - self.deviation)
        self.mean += rate * (flux - self.mean)
        return Onset(flux, strength, onset)
