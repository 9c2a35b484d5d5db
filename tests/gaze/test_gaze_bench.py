"""`neuropuppet bench gaze` runs and reports every figure it promises (no timing asserts: figures vary with load)."""
from __future__ import annotations

import math

from neuropuppet.cli.bench import TARGETS
from neuropuppet.controllers.gaze import benchmark


def test_bench_gaze_reports_both_networks_beside_plain_cells():
    assert TARGETS["gaze"] == "neuropuppet.controllers.gaze.benchmark"
    figures = benchmark.measure(ticks=20, max_characters=8)
    for name, cell in (("lstm", "LSTM-"), ("lod", "GRU-")):
        f = figures[name]
        assert f["cell"].startswith(cell)
        assert f["engine_1"] == "native"
        for key in ("alone_1", "layer_1", "alone_1_torch_engine", "plain_cell_1"):
            assert 0 < f[key]["p50_ms"] <= f[key]["p99_ms"] and math.isfinite(f[key]["p99_ms"])
        for key in ("crowd_alone", "crowd_layer", "crowd_plain_cell"):
            assert 0 <= f[key] <= 8
        assert f["ratio_alone_1_to_cell"] > 0
    assert len(figures["goals"]) == 6 and all(isinstance(v, bool) for v in figures["goals"].values())
    text = benchmark.report(figures)
    assert "plain torch LSTMCell" in text and "plain torch GRUCell" in text and "goals:" in text
