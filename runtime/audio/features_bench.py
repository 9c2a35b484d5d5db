"""Per-tick cost of the streaming music features: `python -m neuropuppet.audio.features [SECONDS]`.

Feeds a generated mix (a harmonic melody with glides over a kick and hi-hat pattern at 120 BPM, at
22050 Hz) tick by tick at 60 Hz, as `AudioFeatureSource` does, and times each stage of every tick:

  write     appending the block's samples to the ring buffer
  spectral  windowed rfft, mel log-power, onset strength, MFCC, RMS
  pitch     YIN (rfft/irfft pair, difference function, period search)
  beat      the tempo/phase tracker's update
  all       one whole `FeatureExtractor.push` (timed in a second pass, without the per-stage timers)

The first second of ticks is a warm-up (numba kernels compile or load from their disk cache on the
first tick) and is not counted. Figures are p50 / p99 / mean in microseconds.
"""
from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

from ..benchmarks import percentiles_us
from .features import FeatureExtractor

RATE = 22050


def bench_mix(seconds: float, rate: int = RATE, seed: int = 0) -> np.ndarray:
    """Mono float32: a melody of harmonic notes (some gliding) over kicks on the beat and off-beat hi-hats."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    note = np.floor(t / 0.25)
    midi = 60 + (rng.integers(-7, 8, int(note.max()) + 1))[note.astype(int)] + 2 * np.sin(2 * np.pi * 0.5 * t)
    phase = 2 * np.pi * np.cumsum(440.0 * 2 ** ((midi - 69) / 12)) / rate
    y = 0.15 * (np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase))
    for beat in np.arange(0.0, seconds, 0.5):
        i = int(beat * rate)
        m = min(2000, n - i)
        tt = np.arange(m) / rate
        y[i:i + m] += 0.6 * np.sin(2 * np.pi * (50 + 100 * np.exp(-40 * tt)) * tt) * np.exp(-25 * tt)
        j = int((beat + 0.25) * rate)
        k = min(600, max(0, n - j))
        y[j:j + k] += 0.1 * rng.standard_normal(k) * np.exp(-300 * np.arange(k) / rate)
    return y.astype(np.float32)


def _blocks(samples: np.ndarray, dt: float, rate: int) -> list[np.ndarray]:
    """The samples of [k dt, (k + 1) dt), as `AudioSource` cuts them."""
    edges = np.floor(np.arange(int(len(samples) / rate / dt) + 1) * dt * rate + 1e-6).astype(int)
    return [samples[a:b] for a, b in zip(edges[:-1], edges[1:])]


def run(seconds: float = 20.0, dt: float = 1.0 / 60.0) -> dict[str, Any]:
    """Time every stage and whole ticks over `seconds` of generated music; print and return the figures."""
    extractor = FeatureExtractor(dt)
    blocks = _blocks(bench_mix(seconds, extractor.sample_rate), dt, extractor.sample_rate)
    warm = int(round(1.0 / dt))
    stages = {"write": extractor.write, "spectral": extractor.spectral, "pitch": extractor.pitch,
              "beat": extractor.beat}
    times: dict[str, list[float]] = {name: [] for name in [*stages, "all"]}
    clock = time.perf_counter
    for i, block in enumerate(blocks):
        t0 = clock()
        extractor.write(block)
        t1 = clock()
        extractor.spectral()
        t2 = clock()
        extractor.pitch()
        t3 = clock()
        extractor.beat()
        t4 = clock()
        if i >= warm:
            for name, spent in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                times[name].append(spent)
    extractor.reset()
    for i, block in enumerate(blocks):
        t0 = clock()
        extractor.push(block)
        spent = clock() - t0
        if i >= warm:
            times["all"].append(spent)
    figures = {name: percentiles_us(values) for name, values in times.items()}
    result = {"ticks": len(blocks) - warm, "dt": dt, "sample_rate": extractor.sample_rate, "width": extractor.width,
              "tempo_bpm": extractor.tempo, **figures}
    print(f"music features per tick: {result['ticks']} ticks at {1 / dt:.0f} Hz, {extractor.sample_rate} Hz audio, "
          f"{extractor.width} features (tempo read {extractor.tempo:.1f} BPM, true 120)")
    for name, f in figures.items():
        print(f"  {name:9s} p50 {f['p50_us']:7.1f} us   p99 {f['p99_us']:7.1f} us   mean {f['mean_us']:7.1f} us")
    return result


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    run(float(args[0]) if args else 20.0)
    return 0


__all__ = ["run", "bench_mix", "main"]
