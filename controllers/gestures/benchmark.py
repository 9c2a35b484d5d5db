"""`neuropuppet bench gestures`: per-tick cost of the music features and the pianist, and the crowd that
fits one 60 Hz tick, beside a plain LSTM of the same size measured in the same run.

Figures (p50 / p99, milliseconds; CPU, and CUDA too when available):
  features        one tick of `FeatureExtractor` (pitch, onset, beat, RMS, MFCC) on generated music
  network_1       one performer's controller step (features already there: the LSTM tick and the pose)
  tick_1          one performer's whole runtime tick: the shared `AudioFeatureSource` (features of this
                  tick), the controller step, the pose hand-off inside the group (goal < 0.3 ms)
  lstm_1          a plain `nn.LSTM` step + linear read-out of the artifact's sizes, batch 1 (the floor)
  crowd           the most performers in one group, sharing one music stream (features once per tick),
                  whose tick median stays within 16.7 ms (goal >= 1000), found by doubling then
                  bisection (`neuropuppet.benchmarks.largest_count_within`); the same for the plain LSTM; and the ratios tick / LSTM
The artifact is the shipped default, or `run(artifact=PATH)`.
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.audio import AudioClip, load_audio
from neuropuppet.audio.features import AudioFeatureSource, FeatureExtractor
from neuropuppet.audio.features_bench import bench_mix
from neuropuppet.benchmarks import largest_count_within, percentiles_us, time_calls
from neuropuppet.errors import ArtifactError
from neuropuppet.ports import AudioBlock
from neuropuppet.runtime import Runtime

from .controller import GesturesController

TICK_BUDGET_S = 1.0 / 60.0
RATE = 22050
MUSIC_SECONDS = 120.0


def _ms(samples: list[float]) -> dict[str, float]:
    us = percentiles_us(samples)
    return {"p50_ms": us["p50_us"] / 1e3, "p99_ms": us["p99_us"] / 1e3}


class PlainLSTM(torch.nn.Module):
    """The floor: one LSTM step and a linear read-out, the sizes of the artifact's network."""

    def __init__(self, inputs: int, hidden: int, layers: int, outputs: int) -> None:
        super().__init__()
        self.rnn = torch.nn.LSTM(inputs, hidden, layers, batch_first=True)
        self.out = torch.nn.Linear(hidden, outputs)

    def forward(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        y, (h1, c1) = self.rnn(x.unsqueeze(1), (h, c))
        h.copy_(h1)
        c.copy_(c1)
        return self.out(y[:, 0])


def _as_clip(music: np.ndarray) -> AudioClip:
    """The generated music as a decoded clip (through a temporary WAV file, as a user's file would come)."""
    import soundfile
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.wav"
        soundfile.write(path, music, RATE, subtype="FLOAT")
        return load_audio(path)


def _feature_ticks(music: np.ndarray, ticks: int) -> list[float]:
    ex = FeatureExtractor(1.0 / 60.0)
    edges = np.floor(np.arange(ticks + 1) * RATE / 60.0 + 1e-6).astype(int)
    times = []
    for k in range(ticks):
        block = AudioBlock(music[edges[k]:edges[k + 1]], RATE, k / 60.0, (k + 1) / 60.0)
        t0 = time.perf_counter()
        ex.feed(block)
        times.append(time.perf_counter() - t0)
    return times[60:]                                  # the first second warms up (compiled kernels load)


def _device_figures(artifact_path: Path, device: torch.device, clip: AudioClip, ticks: int,
                    max_performers: int) -> dict[str, Any]:
    sync = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    art = load_artifact(artifact_path, controller="gestures", device=device)
    extra = art.metadata.extra
    hidden, layers = int(extra["hidden"]), int(extra["layers"])
    width = int(extra.get("input_size", extra["feature_width"]))
    joints = len(extra["joints"])

    def runtime_of(n: int) -> Runtime:
        rt = Runtime(tick_rate=60)
        rt.provide("audio_features", AudioFeatureSource(clip))
        rt.spawn(GesturesController.from_artifact(art, batch_size=n, device=device))
        return rt

    def tick_cost(n: int, reps: int) -> list[float]:
        rt = runtime_of(n)

        def tick() -> None:
            rt.tick()
            sync()
        return time_calls(tick, reps, warmup=30)

    one = runtime_of(1)
    group = one.groups[0]
    for _ in one.run(30):
        pass
    inputs = group.inputs
    network = time_calls(lambda: (group.controller.step(inputs), sync()), ticks, warmup=30)
    tick_1 = tick_cost(1, ticks)

    lstm = PlainLSTM(width, hidden, layers, joints * 6).to(device).eval()

    def lstm_cost(n: int, reps: int) -> list[float]:
        x = torch.randn(n, width, device=device)
        h = torch.zeros(layers, n, hidden, device=device)
        c = torch.zeros(layers, n, hidden, device=device)
        return time_calls(lambda: (lstm(x, h, c), sync()), reps, warmup=30)

    with torch.inference_mode():
        lstm_1 = lstm_cost(1, ticks)
        median = lambda samples: float(np.median(samples))           # noqa: E731
        crowd = largest_count_within(lambda n: median(tick_cost(n, 40)), TICK_BUDGET_S, max_performers)
        crowd_lstm = largest_count_within(lambda n: median(lstm_cost(n, 40)), TICK_BUDGET_S, max_performers)
    out = {"network_1": _ms(network), "tick_1": _ms(tick_1), "lstm_1": _ms(lstm_1), "crowd": crowd,
           "crowd_lstm": crowd_lstm, "sizes": {"inputs": width, "hidden": hidden, "layers": layers, "joints": joints}}
    out["ratio_tick_1_to_lstm_1"] = out["tick_1"]["p50_ms"] / max(out["lstm_1"]["p50_ms"], 1e-9)
    out["ratio_crowd_to_lstm"] = crowd / max(crowd_lstm, 1)
    return out


def run(artifact: str | Path | None = None, ticks: int = 2000, max_performers: int = 8192) -> dict[str, Any]:
    """Measure, print and return the figures (module docstring)."""
    torch.set_grad_enabled(False)
    path = Path(artifact) if artifact is not None else GesturesController.default_artifact()
    if path is None:
        raise ArtifactError("bench gestures: no shipped artifact in controllers/gestures/default; train one with "
                            "`neuropuppet train gestures` or pass run(artifact=PATH)")
    music = bench_mix(MUSIC_SECONDS, RATE)
    clip = _as_clip(music)
    results: dict[str, Any] = {"threads": torch.get_num_threads(), "artifact": str(path)}
    feats = _feature_ticks(music, min(ticks + 60, int(MUSIC_SECONDS * 60)))
    results["features"] = _ms(feats)
    print(f"gestures: artifact {path.name}, {results['threads']} threads")
    print(f"  music features, one tick:   p50 {results['features']['p50_ms']:.3f} ms  "
          f"p99 {results['features']['p99_ms']:.3f} ms")
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    for dev in devices:
        r = _device_figures(path, dev, clip, ticks, max_performers)
        results[dev.type] = r
        s = r["sizes"]
        print(f"  [{dev.type}] LSTM {s['inputs']} -> {s['hidden']} x {s['layers']} -> {s['joints']} joints")
        for key, label in (("network_1", "controller step, 1 performer"),
                           ("tick_1", "features + network, 1 performer (goal < 0.3 ms)"),
                           ("lstm_1", "plain LSTM step, batch 1")):
            print(f"    {label:<50} p50 {r[key]['p50_ms']:.3f} ms  p99 {r[key]['p99_ms']:.3f} ms")
        print(f"    ratio tick / plain LSTM (p50)                      {r['ratio_tick_1_to_lstm_1']:.2f}")
        print(f"    performers within one 16.7 ms tick, one music stream (goal >= 1000): {r['crowd']}"
              f"   plain LSTM: {r['crowd_lstm']}   ratio {r['ratio_crowd_to_lstm']:.2f}")
    return results


__all__ = ["run", "PlainLSTM"]


if __name__ == "__main__":
    import sys
    run(sys.argv[1] if len(sys.argv) > 1 else None)
