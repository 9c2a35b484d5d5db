"""The spectral features of one frame: mel log-power, onset strength (spectral flux), MFCC and RMS.

The conventions are librosa's (0.10/0.11), so that offline features computed with librosa on the same
frames match (tests/audio/test_features.py):

  window      periodic Hann of `n_fft` samples (scipy's `get_window("hann", n_fft, fftbins=True)`)
  power       |rfft(window * frame)|^2 (librosa `stft`, then `melspectrogram(power=2)`)
  mel         slaney mel scale and slaney area normalisation (librosa `filters.mel(htk=False,
              norm="slaney")`), fmin 0, fmax sr / 2
  log-power   10 log10(max(amin, mel)) with amin 1e-10 and ref 1 (librosa `power_to_db(ref=1.0,
              amin=1e-10, top_db=None)`: librosa's default top_db=80 clips at the whole signal's maximum
              minus 80 dB, which a causal extractor cannot know)
  onset       mean over bands of max(0, logmel[t] - logmel[t - 1]) (librosa `onset.onset_strength` with
              lag=1, max_size=1, aggregate=mean, on that log-power), where t - 1 is the previous tick
  mfcc        DCT-II with orthonormal scaling of the log-power, first `n_mfcc` rows (librosa
              `feature.mfcc(dct_type=2, norm="ortho", lifter=0)`)
  rms         sqrt(mean(frame^2)) over the frame, unwindowed (librosa `feature.rms(y=...)`)

The tables are built once (`SpectralTables`); `spectral_frame` does one frame's work in place.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..kernels import KernelCompiler

AMIN = 1e-10
"""Smallest power before the log (librosa's `amin`): silence reads -100 dB."""
_compiler = KernelCompiler(__file__)


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """Slaney's mel scale (librosa `hz_to_mel(htk=False)`): linear to 1 kHz, logarithmic above."""
    hz = np.asarray(hz, np.float64)
    f_sp, min_log_hz = 200.0 / 3.0, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    mel = hz / f_sp
    return np.where(hz >= min_log_hz, min_log_mel + np.log(np.maximum(hz, min_log_hz) / min_log_hz) / logstep, mel)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of `hz_to_mel`."""
    mel = np.asarray(mel, np.float64)
    f_sp, min_log_hz = 200.0 / 3.0, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, math.log(6.4) / 27.0
    return np.where(mel >= min_log_mel, min_log_hz * np.exp(logstep * (mel - min_log_mel)), f_sp * mel)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0,
                   fmax: float | None = None) -> np.ndarray:
    """[n_mels, n_fft // 2 + 1] triangular filters, slaney-normalised (librosa `filters.mel` defaults)."""
    fmax = sample_rate / 2.0 if fmax is None else float(fmax)
    bins = np.linspace(0.0, sample_rate / 2.0, 1 + n_fft // 2)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - bins[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    return weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]


def dct_ortho(n_out: int, n_in: int) -> np.ndarray:
    """[n_out, n_in]: the first n_out rows of the orthonormal DCT-II (scipy `dct(type=2, norm="ortho")`)."""
    k = np.arange(n_out)[:, None]
    n = np.arange(n_in)[None, :]
    basis = np.cos(np.pi * k * (2 * n + 1) / (2 * n_in)) * math.sqrt(2.0 / n_in)
    basis[0] /= math.sqrt(2.0)
    return basis


def periodic_hann(n: int) -> np.ndarray:
    """0.5 - 0.5 cos(2 pi i / n), i < n: the window librosa's stft uses."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


@dataclass(frozen=True)
class SpectralTables:
    """Everything one frame's spectral work reads, built once: window, mel filters as per-band bin ranges
    (`band_lo[b]`, `band_hi[b]` and the weights in between: the filters are sparse), DCT rows."""

    n_fft: int
    n_mels: int
    n_mfcc: int
    window: np.ndarray
    filters: np.ndarray
    band_lo: np.ndarray
    band_hi: np.ndarray
    dct: np.ndarray

    @classmethod
    def build(cls, sample_rate: int, n_fft: int, n_mels: int, n_mfcc: int) -> "SpectralTables":
        filters = mel_filterbank(sample_rate, n_fft, n_mels)
        nonzero = filters > 0
        lo = np.where(nonzero.any(1), nonzero.argmax(1), 0)
        hi = np.where(nonzero.any(1), filters.shape[1] - nonzero[:, ::-1].argmax(1), 0)
        return cls(n_fft, n_mels, n_mfcc, periodic_hann(n_fft), np.ascontiguousarray(filters),
                   lo.astype(np.int64), hi.astype(np.int64), np.ascontiguousarray(dct_ortho(n_mfcc, n_mels)))


@_compiler.jit(fastmath=False)
def spectral_frame(spectrum, frame, filters, band_lo, band_hi, dct, logmel, previous, mfcc):
    """One frame: `logmel` (mel log-power, dB) and `mfcc` written in place; returns (onset strength, rms).

    spectrum: rfft of the windowed frame; frame: the unwindowed samples (for RMS); previous: the last
    frame's log-power (the onset's reference), overwritten with this frame's.
    """
    n_mels = logmel.shape[0]
    for b in range(n_mels):
        acc = 0.0
        for k in range(band_lo[b], band_hi[b]):
            z = spectrum[k]
            acc += filters[b, k] * (z.real * z.real + z.imag * z.imag)
        logmel[b] = 10.0 * math.log10(max(acc, AMIN))
    flux = 0.0
    for b in range(n_mels):
        rise = logmel[b] - previous[b]
        if rise > 0.0:
            flux += rise
        previous[b] = logmel[b]
    for c in range(mfcc.shape[0]):
        acc = 0.0
        for b in range(n_mels):
            acc += dct[c, b] * logmel[b]
        mfcc[c] = acc
    energy = 0.0
    for i in range(frame.shape[0]):
        energy += frame[i] * frame[i]
    return flux / n_mels, math.sqrt(energy / frame.shape[0])


__all__ = ["AMIN", "SpectralTables", "spectral_frame", "mel_filterbank", "dct_ortho", "periodic_hann",
           "hz_to_mel", "mel_to_hz"]
