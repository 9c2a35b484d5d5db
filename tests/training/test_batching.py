"""Batch plans for recurrent trainers (TBPTT lanes, windows), contiguous runs, cosine warm restarts."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from neuropuppet.errors import MotionDataError
from neuropuppet.training import (CosineWarmRestarts, RowBatches, SequenceWindows, TBPTTChunks, contiguous_runs,
                                  cosine_warm_restarts)


def frame_clips(lengths: list[int]) -> list[dict[str, torch.Tensor]]:
    """Clip c's frame t holds (c, t), so every window says where it came from."""
    return [{"x": torch.stack([torch.full((n,), float(c)), torch.arange(n, dtype=torch.float32)], -1)}
            for c, n in enumerate(lengths)]


def test_tbptt_lanes_walk_their_clips_window_after_window() -> None:
    plan = TBPTTChunks(frame_clips([50, 33, 20]), window=8, lanes=2, seed=3)   # 6 + 4 + 2 windows
    steps = plan.steps_per_epoch(1)
    assert steps == 6
    seen = []
    prev = None
    for at in range(steps):
        b = plan.batch(1, at)
        assert b["x"].shape == (2, 8, 2)
        clip, start = b["x"][:, 0, 0], b["x"][:, 0, 1]
        assert torch.equal(b["x"][:, :, 1] - start[:, None], torch.arange(8.0).expand(2, 8))   # contiguous frames
        assert torch.equal(b.reset, (start == 0) | (at == 0))
        if prev is not None:   # a lane that does not reset continues its clip right after the last window
            cont = ~b.reset
            assert torch.equal(clip[cont], prev[0][cont]) and torch.equal(start[cont], prev[1][cont] + 8)
        prev = (clip, start)
        seen += list(zip(clip.tolist(), start.tolist()))
    assert len(set(seen)) == len(seen) == 12                                     # every window once


def test_tbptt_carries_state_and_zeroes_lanes_that_reset() -> None:
    plan = TBPTTChunks(frame_clips([24, 16, 40]), window=8, lanes=2, seed=0)
    b = plan.batch(0, 0)
    assert b.state is None
    for at in range(1, plan.steps_per_epoch(1)):
        b.carry(torch.full((2, 5), float(at)))
        b = plan.batch(0, at)
        assert torch.equal(b.state, torch.full((2, 5), float(at)) * (~b.reset)[:, None])
    assert plan.batch(0, 1).state is None     # state reached at another step is not handed on


def test_tbptt_ranks_take_disjoint_lanes() -> None:
    plan = TBPTTChunks(frame_clips([40, 40, 24, 16]), window=8, lanes=2)
    steps = plan.steps_per_epoch(2)
    assert steps == 3
    windows = [tuple(w) for r in (0, 1) for at in range(steps)
               for w in plan.batch(2, at, rank=r, world=2)["x"][:, 0].tolist()]
    assert len(set(windows)) == len(windows) == 12
    with pytest.raises(MotionDataError, match="too few"):
        TBPTTChunks(frame_clips([10]), window=8, lanes=2).steps_per_epoch(1)


def test_sequence_windows_stay_inside_their_clips() -> None:
    plan = SequenceWindows(frame_clips([30, 12]), window=10, batch_size=4, stride=5)
    assert len(plan) == 5 + 1          # starts 0, 5, 10, 15, 20 in clip 0; 0 in clip 1
    b = plan.batch(0, 0)
    assert b["x"].shape == (4, 10, 2) and b.reset.all() and b.state is None
    assert all(torch.equal(w[:, 1] - w[0, 1], torch.arange(10.0)) for w in b["x"])
    assert sum(len(b) for b in plan) == 6
    assert not torch.equal(plan.batch(0, 0)["x"], plan.batch(1, 0)["x"])   # reshuffled each epoch


def test_row_batches_shard_one_shuffle_across_ranks() -> None:
    rows = RowBatches({"i": torch.arange(100)}, np.arange(10, 90), 8, seed=5)
    assert rows.steps_per_epoch(2) == 5
    mine = [set(rows.batch(3, at, rank=r, world=2)["i"].tolist()) for r in (0, 1) for at in range(5)]
    assert len(set().union(*mine)) == 80 and sum(map(len, mine)) == 80
    assert torch.equal(torch.cat([b["i"] for b in rows]), torch.arange(10, 90))   # validation: in order, all


def test_contiguous_runs_split_at_gaps_and_clip_changes() -> None:
    clip = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2])
    runs = contiguous_runs(np.array([0, 1, 3, 4, 5, 7, 8]), clip)
    assert [r.tolist() for r in runs] == [[0, 1], [3], [4, 5], [7, 8]]


def test_cosine_warm_restarts_restart_on_schedule_and_respect_the_cap() -> None:
    f = CosineWarmRestarts(10, mult=2.0, cap=0.9)
    restarts = [s for s in range(1, 80) if f(s) > f(s - 1)]
    assert restarts == [10, 30, 70]
    assert f(0) == 1.0 and min(f(s) for s in range(80)) == pytest.approx(0.5 * (1 + math.cos(0.9 * math.pi)))
    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = cosine_warm_restarts(opt, 10)
    lrs = []
    for _ in range(12):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[0] == pytest.approx(0.1) and lrs[5] == pytest.approx(0.05) and lrs[10] == pytest.approx(0.1)
