"""`neuropuppet bench gaze`: the gaze layer's tick and crowd size, both shipped networks, beside plain cells.

For the full network (gaze.pt, an LSTM) and the LOD one (gaze_lod.pt, a small GRU), on the CPU:
  alone        one character's controller step (the default engine, "native" on the CPU: the compiled
               tick; and engine "torch"), p50/p99
  layer        one character's layer work inside a running pfnn + gaze stack, as `CharacterGroup.tick`
               does it: weight fade, the pose below (gather + FK of the read chain), the step, the blend
  cell         one tick of a plain torch.nn.LSTMCell / GRUCell of the network's size (5 inputs, H units)
               for one character, the same run: the floor an eager recurrent layer cannot beat
  crowd        the most characters whose median tick stays within one 60 Hz tick (16.7 ms): the controller
               alone (default engine), the layer work in a stack, and the plain cell
Ratios are each figure over the plain cell's, measured in the same run (the machine is shared: absolute
figures move with its load, ratios much less). Goals (issue 11 item 6): under 0.1 ms for one character;
at least 1000 LOD characters per tick.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import torch

from neuropuppet.benchmarks import largest_count_within, percentiles_ms, time_calls
from neuropuppet.input.patterns import demo_input
from neuropuppet.input.source import FunctionInput
from neuropuppet.ports import TickInputs

TICK_BUDGET_S = 1.0 / 60.0
GOAL_TICK_MS = 0.1
GOAL_LOD_CROWD = 1000
NETWORKS = (("lstm", False), ("lod", True))


def _target(n: int, t: float) -> np.ndarray:
    """A target circling in front of the characters (jumping side every second)."""
    side = 1.0 if int(t) % 2 else -1.0
    return np.tile(np.array([side * 1.2 + 0.3 * np.sin(3 * t), 1.5, 2.5], np.float32), (n, 1))


def alone_tick(n: int, lod: bool, engine: str = "auto") -> tuple[Callable[[], Any], Any]:
    """One controller step of n characters alone (a head on a neck), the target moving."""
    import neuropuppet as npp
    c = npp.make("gaze", n, device="cpu", lod=lod, engine=engine)
    clock = {"i": 0}

    def tick() -> Any:
        i = clock["i"]
        clock["i"] = i + 1
        return c.step(TickInputs(1 / 60, i, i / 60, {"gaze_target": torch.from_numpy(_target(n, i / 60))}))
    return tick, c


def layer_tick(n: int, lod: bool) -> tuple[Callable[[], Any], Any]:
    """The gaze layer's share of a pfnn + gaze stack's tick for n characters (the body ticks between)."""
    import neuropuppet as npp
    rt = npp.Runtime()
    g = rt.spawn("pfnn", count=n, input=demo_input(), layers=[{"name": "gaze", "options": {"lod": lod}}],
                 inputs={"gaze_target": FunctionInput("gaze_target", lambda t: _target(1, t)[0])})
    for _ in range(5):
        rt.tick()
    layer = g.layer("gaze")
    inputs = g.inputs

    def tick() -> Any:
        layer.advance_weight(inputs.dt)
        inputs.values["pose_below"] = layer.fill_below(g.pose)
        out = layer.controller.step(inputs)
        layer.blend_into(g.pose, out)
        inputs.values.pop("pose_below", None)
        inputs.tick += 1
        return out
    return tick, layer.controller


def cell_tick(n: int, kind: str, hidden: int) -> Callable[[], Any]:
    """One tick of a plain torch cell of the network's size for n characters."""
    x = torch.randn(n, 5)
    if kind == "lstm":
        cell, state = torch.nn.LSTMCell(5, hidden), (torch.zeros(n, hidden), torch.zeros(n, hidden))
        return lambda: cell(x, state)
    cell, h = torch.nn.GRUCell(5, hidden), torch.zeros(n, hidden)
    return lambda: cell(x, h)


def _median_cost(make: Callable[[int], Callable[[], Any]]) -> Callable[[int], float]:
    def cost(n: int) -> float:
        return float(np.median(time_calls(make(n), 15, warmup=3)))
    return cost


def measure(ticks: int = 1000, max_characters: int = 8192) -> dict[str, Any]:
    """The figures (module docstring) as a dict: per network, ms and ratios."""
    out: dict[str, Any] = {"threads": torch.get_num_threads()}
    for name, lod in NETWORKS:
        tick, c = alone_tick(1, lod)
        kind = "gru" if c.recurrent.c.shape[-1] == 0 else "lstm"
        hidden = int(c.recurrent.h.shape[-1])
        fig: dict[str, Any] = {"cell": f"{kind.upper()}-{hidden}", "engine_1": c.engine}
        fig["alone_1"] = percentiles_ms(time_calls(tick, ticks))
        torch_tick, _ = alone_tick(1, lod, engine="torch")
        fig["alone_1_torch_engine"] = percentiles_ms(time_calls(torch_tick, ticks // 4))
        layer, _ = layer_tick(1, lod)
        fig["layer_1"] = percentiles_ms(time_calls(layer, ticks))
        fig["plain_cell_1"] = percentiles_ms(time_calls(cell_tick(1, kind, hidden), ticks))
        base = fig["plain_cell_1"]["p50_ms"]
        fig["ratio_alone_1_to_cell"] = fig["alone_1"]["p50_ms"] / base
        fig["ratio_layer_1_to_cell"] = fig["layer_1"]["p50_ms"] / base
        fig["ratio_torch_engine_to_cell"] = fig["alone_1_torch_engine"]["p50_ms"] / base
        fig["crowd_alone"] = largest_count_within(_median_cost(lambda n: alone_tick(n, lod)[0]), TICK_BUDGET_S,
                                                  max_characters)
        fig["crowd_layer"] = largest_count_within(_median_cost(lambda n: layer_tick(n, lod)[0]), TICK_BUDGET_S,
                                                  max_characters)
        fig["crowd_plain_cell"] = largest_count_within(_median_cost(lambda n: cell_tick(n, kind, hidden)),
                                                       TICK_BUDGET_S, max_characters)
        fig["ratio_crowd_alone_to_cell"] = fig["crowd_alone"] / max(fig["crowd_plain_cell"], 1)
        out[name] = fig
    lstm, lod_fig = out["lstm"], out["lod"]
    out["goals"] = {
        f"one character under {GOAL_TICK_MS} ms (LSTM, alone)": lstm["alone_1"]["p50_ms"] < GOAL_TICK_MS,
        f"one character under {GOAL_TICK_MS} ms (LSTM, layer)": lstm["layer_1"]["p50_ms"] < GOAL_TICK_MS,
        f"one character under {GOAL_TICK_MS} ms (LOD, alone)": lod_fig["alone_1"]["p50_ms"] < GOAL_TICK_MS,
        f"one character under {GOAL_TICK_MS} ms (LOD, layer)": lod_fig["layer_1"]["p50_ms"] < GOAL_TICK_MS,
        f"at least {GOAL_LOD_CROWD} LOD characters per tick (alone)": lod_fig["crowd_alone"] >= GOAL_LOD_CROWD,
        f"at least {GOAL_LOD_CROWD} LOD characters per tick (layer)": lod_fig["crowd_layer"] >= GOAL_LOD_CROWD,
    }
    return out


def report(figures: dict[str, Any]) -> str:
    """The figures as printed lines."""
    lines = [f"torch threads: {figures['threads']}"]
    for name, _ in NETWORKS:
        f = figures[name]
        cell = f"plain torch {f['cell'].split('-')[0]}Cell-{f['cell'].split('-')[1]}"
        lines += [
            f"-- {name} network ({f['cell']}), engine {f['engine_1']}",
            f"  one character alone      p50 {f['alone_1']['p50_ms']:.4f} ms  p99 {f['alone_1']['p99_ms']:.4f} ms"
            f"  ({f['ratio_alone_1_to_cell']:.2f}x the plain cell)",
            f"  one character, layer     p50 {f['layer_1']['p50_ms']:.4f} ms  p99 {f['layer_1']['p99_ms']:.4f} ms"
            f"  ({f['ratio_layer_1_to_cell']:.2f}x)",
            f"  engine torch, alone      p50 {f['alone_1_torch_engine']['p50_ms']:.4f} ms"
            f"  ({f['ratio_torch_engine_to_cell']:.2f}x)",
            f"  {cell:24s} p50 {f['plain_cell_1']['p50_ms']:.4f} ms  p99 {f['plain_cell_1']['p99_ms']:.4f} ms",
            f"  characters per 16.7 ms tick: alone {f['crowd_alone']}, layer {f['crowd_layer']}, "
            f"plain cell {f['crowd_plain_cell']} (alone/cell {f['ratio_crowd_alone_to_cell']:.2f}x)",
        ]
    lines.append("goals:")
    lines += [f"  {'met   ' if ok else 'MISSED'} {goal}" for goal, ok in figures["goals"].items()]
    return "\n".join(lines)


def run(ticks: int = 1000, max_characters: int = 8192) -> dict[str, Any]:
    """Measure, print and return the figures (one torch thread: a one-character cell gains nothing from a
    second, and on a shared 2-core machine a second thread's spin-waits made the plain cell 1000x slower)."""
    torch.set_num_threads(1)
    figures = measure(ticks, max_characters)
    print(report(figures))
    return figures
