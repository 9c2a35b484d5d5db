"""Which way to blend experts is faster, per batch size: blend of the experts' outputs or blended weights?

`neuropuppet bench nn` (or `python -m neuropuppet.nn.benchmark`) times a whole `ExpertMLP` forward with
every layer blending outputs (one GEMM over the side-by-side experts, then a per-sample blend of their K
outputs) and with every layer blending weights (each sample's blended weight matrices, then batched
matrix-vector products), for PFNN's network (342-512-512-311, 4 experts) and MANN's (480-512-512-363, 8
experts), at batch sizes 1 .. 1024, on the CPU (2 threads, the project's budget) and on CUDA when present.
Prints p50 milliseconds, their ratio, the crossover measured (`measure_crossover`: batches below it are
faster with blended weights) and the one `ExpertLinear.forward` uses (`experts.BLEND_WEIGHTS_BELOW`).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import numpy as np
import torch

from .experts import BLEND_WEIGHTS_BELOW, ExpertMLP

SHAPES = {"pfnn 342-512-512-311 K=4": (342, 311, 512, 4), "mann 480-512-512-363 K=8": (480, 363, 512, 8)}
BATCHES = (1, 2, 4, 16, 64, 256, 1024)
WEIGHTS_UP_TO = 256       # larger batches are not timed blending weights (N x in x out floats per layer)
ALWAYS_WEIGHTS = 1 << 30  # a crossover above any batch


def paired_times(fns: Sequence[Callable[[], Any]], reps: int, sync: Callable[[], None] = lambda: None,
                 warmup: int = 3, block: int = 1) -> np.ndarray:
    """Seconds [reps * block, len(fns)] of each of `fns`, called in turn within every repetition (so that load
    from other processes falls on all of them alike), `sync` after each call (CUDA). `block` > 1: within a
    repetition each function runs `block` times in a row (warm caches, as a loop running only it), each call
    timed; 1: one call each in turn (each call finds the caches the others left)."""
    for _ in range(warmup):
        for fn in fns:
            fn()
    sync()
    t = np.empty((reps * block, len(fns)))
    for i in range(reps):
        for j, fn in enumerate(fns):
            for k in range(i * block, (i + 1) * block):
                t0 = time.perf_counter()
                fn()
                sync()
                t[k, j] = time.perf_counter() - t0
    return t


def paired_p50_ms(fns: Sequence[Callable[[], Any]], reps: int, sync: Callable[[], None] = lambda: None,
                  warmup: int = 3) -> list[float]:
    """Median milliseconds of each of `fns` (`paired_times`)."""
    return [float(v) for v in np.median(paired_times(fns, reps, sync, warmup), axis=0) * 1e3]


def strategy_times(mlp: ExpertMLP, batches: Sequence[int] = BATCHES, reps: int = 60,
                   sync: Callable[[], None] = lambda: None) -> dict[int, tuple[float, float]]:
    """{batch: (p50 ms blending outputs, p50 ms blending weights)} of `mlp.forward` on its device, the two
    timed in turn; weights NaN above WEIGHTS_UP_TO (their [N, in, out] matrices are huge). Keeps the crossover."""
    dev = next(mlp.parameters()).device
    kind = "cuda" if dev.type == "cuda" else "cpu"
    saved = mlp.layers[0].weights_below_cuda if kind == "cuda" else mlp.layers[0].weights_below_cpu
    k = mlp.num_experts
    n_in = mlp.layers[0].in_features
    out: dict[int, tuple[float, float]] = {}

    def call(x: torch.Tensor, c: torch.Tensor, weights_below: int) -> Callable[[], Any]:
        def f() -> Any:
            mlp.set_crossover(weights_below, kind)
            return mlp(x, c)
        return f

    try:
        with torch.inference_mode():
            for n in batches:
                x = torch.randn(n, n_in, device=dev)
                c = torch.softmax(torch.randn(n, k, device=dev), -1)
                r = max(5, reps // max(1, n // 16))
                if n <= WEIGHTS_UP_TO:
                    o, w = paired_p50_ms([call(x, c, 0), call(x, c, ALWAYS_WEIGHTS)], r, sync)
                else:
                    o, w = paired_p50_ms([call(x, c, 0)], r, sync)[0], float("nan")
                out[n] = (o, w)
    finally:
        mlp.set_crossover(saved, kind)
    return out


def crossover(times: dict[int, tuple[float, float]]) -> int:
    """The smallest measured batch from which blending outputs is never slower (0: from the smallest on)."""
    batches = sorted(times)
    wins = [not (w < o) for o, w in (times[n] for n in batches)]     # NaN weights: outputs wins
    for i, n in enumerate(batches):
        if all(wins[i:]):
            return 0 if i == 0 else n
    return ALWAYS_WEIGHTS


def measure_crossover(mlp: ExpertMLP, batches: Sequence[int] = BATCHES, reps: int = 60) -> int:
    """Measure `crossover(strategy_times(...))` for `mlp` on its device (a value for `set_crossover`)."""
    dev = next(mlp.parameters()).device
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)
    return crossover(strategy_times(mlp, batches, reps, sync))


def print_times(label: str, times: dict[int, tuple[float, float]], stored: int) -> None:
    """One line per batch (p50 ms both ways, ratio) and the crossover measured beside the stored one."""
    for n, (o, w) in times.items():
        ratio = f"{w / o:6.2f}" if np.isfinite(w) else f"   n/a (not timed above N={WEIGHTS_UP_TO})"
        print(f"  {label:28s} N={n:5d}  outputs {o:8.3f} | weights {w:8.3f}   weights / outputs {ratio}")
    found = crossover(times)
    print(f"  {label:28s} crossover measured: blend weights below N={found}  (stored, used by forward: {stored})")


def run(reps: int = 60) -> dict[str, Any]:
    """Measure and print; returns {device: {shape: {"times": {batch: (outputs_ms, weights_ms)}, "crossover": n}}}."""
    torch.set_num_threads(min(2, torch.get_num_threads()))
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    results: dict[str, Any] = {}
    for dev in devices:
        sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)
        results[dev.type] = {}
        print(f"expert MLP forward on {dev} ({torch.get_num_threads()} threads): p50 ms, blend of outputs | blended weights")
        for label, (n_in, n_out, hidden, k) in SHAPES.items():
            torch.manual_seed(0)
            mlp = ExpertMLP(n_in, n_out, hidden, k).to(dev).eval()
            times = strategy_times(mlp, BATCHES, reps, sync)
            print_times(label, times, BLEND_WEIGHTS_BELOW[dev.type])
            results[dev.type][label] = {"times": times, "crossover": crossover(times)}
    return results


if __name__ == "__main__":
    run()
