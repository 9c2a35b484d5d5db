"""`neuropuppet bench mann`: its figures are produced and printed beside the floor and the goals (no timed asserts)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuropuppet.controllers.mann import MANNController
from neuropuppet.controllers.mann import benchmark as bench

pytestmark = pytest.mark.skipif(MANNController.default_artifact() is None, reason="no shipped mann artifact")


def test_the_device_figures_of_a_tiny_run_are_complete_and_consistent(monkeypatch, capsys) -> None:
    monkeypatch.setattr(bench, "BLEND_BATCHES", (1, 2))
    monkeypatch.setattr(bench, "NATIVE_BATCHES", (1, 4))
    torch.set_grad_enabled(False)
    try:
        r = bench._device_figures(MANNController.default_artifact(), torch.device("cpu"), max_dogs=2, ticks=5)
    finally:
        torch.set_grad_enabled(True)
    for key in ("tick_1", "tick_1_no_foot_lock", "tick_1_torch", "tick_1_torch_no_foot_lock", "mlp_1", "net_1", "gate_1"):
        assert 0 < r[key]["p50_ms"] <= r[key]["p99_ms"]
    assert r["foot_lock"] and r["hidden"] > 0 and r["engine"] == "native"
    assert {k: v["p50_ms"] > 0 for k, v in r["in_turn"].items()} == {"tick_1": True, "mlp_1": True, "tick_1_torch": True}
    nt = r["native_1"]
    assert 0 < nt["gating_us"] < nt["network_us"] and nt["tick_us"] > 0
    assert set(nt["batches"]["times"]) == {1, 4} and nt["batches"]["crossover_measured"] in (1, 4, 1 << 30)
    assert 0 <= r["crowd_mann"] <= 2 and 0 <= r["crowd_mann_torch"] <= 2 and 0 <= r["crowd_mlp"] <= 2
    assert r["tick_500_dogs"] == 2 and r["tick_500_ms"] > 0 and r["tick_500_torch_ms"] > 0
    assert set(r["blend"]["times"]) == {1, 2} and r["blend"]["crossover_measured"] in (0, 2, 1 << 30)
    ops = r["ops_1"]
    assert ops["aten_calls_per_tick"] > 50 and 0.0 < ops["matrix_share"] < 1.0
    assert any(name == "aten::addmm" for name, _, _ in ops["top"]) or ops["matrix_share"] > 0
    bench.print_figures("cpu", r, 1, "shipped")
    text = capsys.readouterr().out
    assert "plain 480-512-512-363 MLP" in text and "ratio tick / MLP" in text and "crossover measured" in text
    assert "engine torch" in text and "compiled tick alone" in text and "batched from N=" in text


def _figures(tick_ms: float, crowd: int) -> dict:
    s = lambda v: {"p50_ms": v, "p99_ms": 2 * v}  # noqa: E731
    return {"tick_1": s(tick_ms), "tick_1_no_foot_lock": s(tick_ms), "mlp_1": s(0.1), "net_1": s(0.05),
            "gate_1": s(0.01), "foot_lock": True, "hidden": 128, "crowd_mann": crowd, "crowd_mlp": 800,
            "crowd_net_ms": 5.0, "crowd_gate_ms": 0.5, "tick_500_dogs": 500, "tick_500_ms": 12.0,
            "blend": {"times": {1: (0.1, 0.2)}, "crossover_measured": 0, "crossover_stored": 0}}


@pytest.mark.parametrize("tick_ms, crowd, tick_goal, crowd_goal", [(0.15, 600, "met", "met"), (0.5, 100, "MISSED", "MISSED")])
def test_the_goals_are_printed_met_or_missed(capsys, tick_ms, crowd, tick_goal, crowd_goal) -> None:
    bench.print_figures("cpu", _figures(tick_ms, crowd), 2, "a.pt")
    lines = capsys.readouterr().out.splitlines()
    assert f"goal {tick_goal}" in next(line for line in lines if "1 dog tick (foot lock on)" in line)
    assert f"goal {crowd_goal}" in next(line for line in lines if "dogs within a 16.7 ms tick" in line)
    assert f"ratio tick / MLP {tick_ms / 0.1:.2f}" in "\n".join(lines)


def test_the_trotting_runtime_moves_the_dogs_forward() -> None:
    rt = bench.trotting_runtime(MANNController.default_artifact(), 2, torch.device("cpu"))
    start = rt.groups[0].interpolated(1.0).root_position.copy()
    for _ in range(60):
        rt.tick()
    moved = np.linalg.norm(rt.groups[0].interpolated(1.0).root_position - start, axis=-1)
    assert (moved > 0.3).all()
