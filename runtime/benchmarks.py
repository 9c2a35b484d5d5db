"""Benchmarks of the runtime itself: per-tick overhead and artifact backend latency."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from .artifacts import ArtifactMetadata, load_artifact, save_artifact
from .channels import GamepadState
from .input.source import ScriptedGamepad
from .null_controller import NullController
from .runtime import Runtime


def percentiles_us(samples: list[float] | np.ndarray) -> dict[str, float]:
    """p50, p99 and mean of call times given in seconds, in microseconds."""
    a = np.asarray(samples) * 1e6
    return {"p50_us": float(np.percentile(a, 50)), "p99_us": float(np.percentile(a, 99)), "mean_us": float(a.mean())}


def percentiles_ms(samples: list[float] | np.ndarray) -> dict[str, float]:
    """p50 and p99 of call times given in seconds, in milliseconds."""
    a = np.asarray(samples) * 1e3
    return {"p50_ms": float(np.percentile(a, 50)), "p99_ms": float(np.percentile(a, 99))}


def time_calls(fn: Callable[[], Any], n: int, warmup: int = 50) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def largest_count_within(cost: Callable[[int], float], budget_s: float, max_n: int) -> int:
    """Largest n <= max_n with cost(n) <= budget_s seconds (cost increasing in n): doubling, then bisection
    to within 1/16 of n. 0 when even one is over budget."""
    lo, n = 0, 1
    while n <= max_n and cost(n) <= budget_s:
        lo, n = n, n * 2
    hi = min(n, max_n + 1)
    while hi - lo > max(1, lo // 16):
        mid = (lo + hi) // 2
        if cost(mid) <= budget_s:
            lo = mid
        else:
            hi = mid
    return lo


def runtime_overhead(ticks: int = 20_000) -> dict[str, Any]:
    """Ticks per second and per-tick cost of the runtime around a controller that computes nothing.

    tick:    one full `Runtime.tick()` (input sampling, controller call, pose double-buffer hand-off)
    step:    the null controller's own step (2 tensor ops) inside it, subtracted to give `overhead`
    handoff: `CharacterGroup.interpolated(alpha)`, the per-frame copy a renderer or game reads
    """
    torch.set_grad_enabled(False)
    pad = GamepadState()
    pad.axes[1] = 1.0
    rt = Runtime(60)
    group = rt.spawn(NullController(1), input=ScriptedGamepad(lambda t: pad))
    tick_times = time_calls(rt.tick, ticks)
    step_times = []
    for _ in range(2000):
        rt.tick()
        step_times.append(group.stats.step_seconds)
    t0 = time.perf_counter()
    for _ in rt.run(ticks):
        pass
    ticks_per_second = ticks / (time.perf_counter() - t0)
    handoff = time_calls(lambda: group.interpolated(0.5), 5000)
    tick, step = percentiles_us(tick_times), percentiles_us(step_times)
    return {
        "ticks_per_second": ticks_per_second,
        "tick": tick,
        "controller_step": step,
        "overhead_p50_us": tick["p50_us"] - step["p50_us"],
        "overhead_p99_us": tick["p99_us"] - step["p50_us"],
        "handoff": percentiles_us(handoff),
    }


class _MLP(torch.nn.Module):
    def __init__(self, sizes: tuple[int, ...] = (342, 512, 512, 311)) -> None:
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.nn.functional.elu(x)
        return x


def backend_latency(calls: int = 2000, batch: int = 1) -> dict[str, Any]:
    """Per-call latency of the same 342-512-512-311 MLP: eager, TorchScript artifact, torch.export artifact."""
    torch.manual_seed(0)
    model = _MLP().eval()
    meta = ArtifactMetadata("bench-mlp", "1", {"x": [-1, 342]}, {"y": [-1, 311]})
    x = torch.randn(batch, 342)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp, torch.inference_mode():
        out["eager"] = percentiles_us(time_calls(lambda: model(x), calls))
        for suffix, name in ((".pt", "torchscript"), (".pt2", "export")):
            path = save_artifact(model, Path(tmp) / f"mlp{suffix}", meta)
            art = load_artifact(path, warmup_batch=batch)
            out[name] = percentiles_us(time_calls(lambda: art(x), calls))
            out[name]["load_ms"] = art.load_seconds * 1e3
            out[name]["max_abs_diff_vs_eager"] = float((art(x) - model(x)).abs().max())
    return out


def run() -> dict[str, Any]:
    """Run both benchmarks and print a summary."""
    r = runtime_overhead()
    print("runtime (null controller, 1 character, headless):")
    print(f"  ticks per second        {r['ticks_per_second']:12.0f}")
    print(f"  tick            p50/p99 {r['tick']['p50_us']:8.1f} / {r['tick']['p99_us']:8.1f} us")
    print(f"  controller step p50/p99 {r['controller_step']['p50_us']:8.1f} / {r['controller_step']['p99_us']:8.1f} us")
    print(f"  runtime overhead p50/p99 {r['overhead_p50_us']:7.1f} / {r['overhead_p99_us']:8.1f} us  (goal < 50 us)")
    print(f"  pose hand-off   p50/p99 {r['handoff']['p50_us']:8.1f} / {r['handoff']['p99_us']:8.1f} us  (per frame)")
    b = backend_latency()
    print("artifact backends (342-512-512-311 MLP, batch 1, per call):")
    for name, v in b.items():
        extra = f"  load {v['load_ms']:.0f} ms, max |diff| vs eager {v['max_abs_diff_vs_eager']:.1e}" if "load_ms" in v else ""
        print(f"  {name:12s} p50/p99 {v['p50_us']:8.1f} / {v['p99_us']:8.1f} us{extra}")
    return {"runtime": r, "backends": b}
