"""Causal pitch: YIN (de Cheveigne and Kawahara 2002) over the last ~46 ms of samples.

The frame is the `frame` samples ending at the playback position (1024 at 22050 Hz); the difference
function compares its first `frame // 2` samples with the same span shifted by tau = 1 .. frame // 2:

  d(tau)  = e(0) + e(tau) - 2 r(tau)      e(tau) = sum of x^2 over [tau, tau + W),  r(tau) = sum x[j] x[j + tau]
  d'(tau) = d(tau) tau / sum_{k=1..tau} d(k)   (cumulative mean normalised difference, d'(0) = 1)

The period is the first tau in [sr / fmax, sr / fmin] where d' dips under `threshold`, followed down to
its local minimum (else the global minimum, which is then unvoiced), refined by a parabola through its
neighbours. Voicing confidence is 1 - d'(period) clipped to [0, 1]; a tick is voiced when d' < threshold
and the frame is not silent. r comes from one FFT of the frame size: with W = frame / 2 and tau <= frame / 2
the circular correlation does not wrap.

Unlike librosa's pyin (a probabilistic YIN whose voicing and octave choices come from a Viterbi pass
over the whole signal, so not causal), each tick decides on its own frame; the tests check that it
stays within 50 cents of pyin on the voiced frames of a synthetic melody.
"""
from __future__ import annotations

import math

import numpy as np

from ..kernels import KernelCompiler

SILENCE_RMS = 1e-4
"""Frames quieter than this RMS (-80 dB full scale) are unvoiced whatever their periodicity."""
_compiler = KernelCompiler(__file__)


def yin_sizes(sample_rate: int, frame: int, fmin: float, fmax: float) -> tuple[int, int, int]:
    """(window W, shortest period, longest period) in samples; ValueError when fmin/fmax do not fit."""
    window = frame // 2
    shortest = max(2, int(math.floor(sample_rate / fmax)))
    longest = min(frame - window - 1, int(math.ceil(sample_rate / fmin)))
    if not 0 < fmin < fmax or shortest + 2 > longest:
        raise ValueError(f"pitch range {fmin}-{fmax} Hz does not fit a {frame}-sample frame at {sample_rate} Hz "
                         f"(periods {shortest}..{longest} samples)")
    return window, shortest, longest


@_compiler.jit(fastmath=False)
def yin_period(frame, correlation, shortest, longest, threshold, scratch):
    """(period in samples, refined; d' at it; voiced flag) of `frame` given r(tau) = `correlation[tau]`.

    scratch: float64 [longest + 2], overwritten with d'.
    """
    n = frame.shape[0]
    window = n // 2
    energy0 = 0.0
    for j in range(window):
        energy0 += frame[j] * frame[j]
    if math.sqrt(energy0 / window) < SILENCE_RMS:
        return 0.0, 1.0, False
    # e(tau) slides: add x[tau + W - 1], drop x[tau - 1]
    energy = energy0
    running = 0.0
    scratch[0] = 1.0
    for tau in range(1, longest + 2):
        energy += frame[tau + window - 1] * frame[tau + window - 1] - frame[tau - 1] * frame[tau - 1]
        d = max(0.0, energy0 + energy - 2.0 * correlation[tau])
        running += d
        scratch[tau] = d * tau / running if running > 0.0 else 1.0
    best = -1
    tau = shortest
    while tau <= longest:
        if scratch[tau] < threshold:
            while tau + 1 <= longest and scratch[tau + 1] < scratch[tau]:
                tau += 1
            best = tau
            break
        tau += 1
    voiced = best >= 0
    if not voiced:
        best = shortest
        for t in range(shortest, longest + 1):
            if scratch[t] < scratch[best]:
                best = t
    a, b, c = scratch[best - 1], scratch[best], scratch[best + 1]
    bend = a - 2.0 * b + c
    shift = 0.5 * (a - c) / bend if bend > 0.0 else 0.0
    shift = min(0.5, max(-0.5, shift))
    return best + shift, b, voiced


class PitchTracker:
    """Per tick: f0 (Hz, 0 when unvoiced), voicing confidence and voiced flag of the latest frame.

    Buffers are allocated once; `estimate(frame)` runs one rfft/irfft pair of the frame's size.
    """

    def __init__(self, sample_rate: int, frame: int, fmin: float, fmax: float, threshold: float) -> None:
        self.sample_rate, self.frame, self.threshold = int(sample_rate), int(frame), float(threshold)
        self.window, self.shortest, self.longest = yin_sizes(self.sample_rate, self.frame, fmin, fmax)
        self._head = np.zeros(self.frame)                    # the frame's first W samples, zero-padded
        self._spectrum = np.zeros(self.frame // 2 + 1, np.complex128)
        self._scratch = np.zeros(self.longest + 2)

    def estimate(self, frame: np.ndarray) -> tuple[float, float, bool]:
        """(f0 Hz, confidence in [0, 1], voiced) of `frame` (float64 [self.frame])."""
        w = self.window
        self._head[:w] = frame[:w]
        spectrum = np.fft.rfft(frame)
        np.conjugate(np.fft.rfft(self._head), out=self._spectrum)
        np.multiply(self._spectrum, spectrum, out=self._spectrum)
        correlation = np.fft.irfft(self._spectrum, self.frame)
        period, dip, voiced = yin_period(frame, correlation, self.shortest, self.longest, self.threshold,
                                         self._scratch)
        confidence = min(1.0, max(0.0, 1.0 - dip))
        if not voiced or period <= 0.0:
            return 0.0, confidence if period > 0.0 else 0.0, False
        return self.sample_rate / period, confidence, True


__all__ = ["PitchTracker", "yin_period", "yin_sizes", "SILENCE_RMS"]
