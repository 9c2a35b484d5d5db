"""Which way to blend experts is faster: per-sample blended weights, or the blend of the experts' outputs?

`python -m neuropuppet.nn.benchmark` times one `ExpertLinear` forward both ways (`forward`: one GEMM
over the side-by-side experts, then a per-sample blend of their outputs; `forward_blended_weights`:
each sample's blended weight matrix, then a batched matrix-vector product) for PFNN's first layer
(342 -> 512, 4 experts) and a MANN-sized one (480 -> 512, 8 experts), at several batch sizes, on the
CPU (2 threads, the project's budget) and on CUDA when present. Prints p50 milliseconds and the ratio.
"""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np
import torch

from .experts import ExpertLinear

SHAPES = {"pfnn 342->512 K=4": (342, 512, 4), "mann 480->512 K=8": (480, 512, 8)}
BATCHES = (1, 16, 128, 1024)


def _p50(fn: Callable[[], Any], reps: int, sync: Callable[[], None]) -> float:
    for _ in range(5):
        fn()
    sync()
    t = np.empty(reps)
    for i in range(reps):
        t0 = time.perf_counter()
        fn()
        sync()
        t[i] = time.perf_counter() - t0
    return float(np.median(t) * 1e3)


def run(reps: int = 200) -> dict[str, Any]:
    """Measure and print; returns {device: {shape: {batch: (outputs_ms, weights_ms)}}}."""
    torch.set_num_threads(min(2, torch.get_num_threads()))
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    results: dict[str, Any] = {}
    for dev in devices:
        sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)
        results[dev.type] = {}
        print(f"expert blend on {dev} ({torch.get_num_threads()} threads): p50 ms, blend of outputs | blended weights")
        for label, (n_in, n_out, k) in SHAPES.items():
            layer = ExpertLinear(n_in, n_out, k).to(dev).eval()
            row = {}
            for n in BATCHES:
                x = torch.randn(n, n_in, device=dev)
                c = torch.softmax(torch.randn(n, k, device=dev), -1)
                with torch.inference_mode():
                    outs = _p50(lambda: layer(x, c), max(10, reps // max(1, n // 64)), sync)
                    weights = _p50(lambda: layer.forward_blended_weights(x, c), max(10, reps // max(1, n // 64)), sync)
                row[n] = (outs, weights)
                print(f"  {label:20s} N={n:5d}  {outs:8.3f} | {weights:8.3f}   weights / outputs {weights / outs:6.2f}")
            results[dev.type][label] = row
    return results


if __name__ == "__main__":
    run()
