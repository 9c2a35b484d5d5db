"""`neuropuppet bench pfnn` runs end to end on a small budget and reports what it says it does."""
from __future__ import annotations

from neuropuppet.controllers.pfnn import benchmark


def test_bench_pfnn_small(capsys) -> None:
    r = benchmark.run(max_characters=8, ticks=40)
    cpu = r["cpu"]
    assert cpu["engine_1"] == "native" and cpu["foot_lock_1"]
    for key in ("tick_1", "tick_1_no_foot_lock", "tick_1_torch_engine", "mlp_1", "tick_1_exact", "tick_1_linear10"):
        assert 0 < cpu[key]["p50_ms"] <= cpu[key]["p99_ms"], key
    assert 1 <= cpu["crowd_pfnn"] <= 8 and 1 <= cpu["crowd_mlp"] <= 8
    out = capsys.readouterr().out
    assert "engine native" in out and "ratio tick / MLP" in out and "characters within a 16.7 ms tick" in out
