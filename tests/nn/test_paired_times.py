"""`paired_times`: functions timed in turn, one call each or in blocks of calls in a row."""
from __future__ import annotations

from neuropuppet.nn.benchmark import paired_times


def test_blocks_run_each_function_in_a_row_and_time_every_call():
    calls: list[str] = []
    t = paired_times([lambda: calls.append("a"), lambda: calls.append("b")], reps=2, warmup=1, block=3)
    assert t.shape == (6, 2) and (t >= 0).all()
    assert calls == ["a", "b"] + ["a"] * 3 + ["b"] * 3 + ["a"] * 3 + ["b"] * 3


def test_default_is_one_call_each_in_turn():
    calls: list[str] = []
    t = paired_times([lambda: calls.append("a"), lambda: calls.append("b")], reps=3, warmup=0)
    assert t.shape == (3, 2) and calls == ["a", "b"] * 3
