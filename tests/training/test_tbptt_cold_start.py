"""TBPTTChunks(cold_start=p): a share of the windows inside clips start from zero state; p=0 changes nothing."""
from __future__ import annotations

import pytest
import torch

from neuropuppet.training import TBPTTChunks


def frame_clips(lengths: list[int]) -> list[dict[str, torch.Tensor]]:
    """Clip c's frame t holds (c, t), so every window says where it came from."""
    return [{"x": torch.stack([torch.full((n,), float(c)), torch.arange(n, dtype=torch.float32)], -1)}
            for c, n in enumerate(lengths)]


def walk(plan: TBPTTChunks, epoch: int, lanes: int) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """(windows, reset, state) of every step of `epoch`, carrying a state that says its step."""
    out = []
    for at in range(plan.steps_per_epoch(1)):
        b = plan.batch(epoch, at)
        out.append((b["x"], b.reset, b.state))
        b.carry(torch.full((lanes, 3), float(at + 1)))
    return out


def test_cold_start_zero_is_the_plain_plan() -> None:
    clips = frame_clips([400, 330, 200, 170])
    plain = walk(TBPTTChunks(clips, window=8, lanes=4, seed=5), 2, 4)
    zero = walk(TBPTTChunks(clips, window=8, lanes=4, seed=5, cold_start=0.0), 2, 4)
    for (xa, ra, sa), (xb, rb, sb) in zip(plain, zero):
        assert torch.equal(xa, xb) and torch.equal(ra, rb)
        assert (sa is None and sb is None) or torch.equal(sa, sb)


def test_cold_start_zeroes_that_share_of_windows_inside_clips_and_keeps_the_windows() -> None:
    clips = frame_clips([400, 330, 200, 170])
    plain = walk(TBPTTChunks(clips, window=8, lanes=4, seed=5), 1, 4)
    plan = TBPTTChunks(clips, window=8, lanes=4, seed=5, cold_start=0.3)
    cold = walk(plan, 1, 4)
    inside = extra = 0
    for at, ((xa, ra, _), (xb, rb, sb)) in enumerate(zip(plain, cold)):
        assert torch.equal(xa, xb)                       # the same windows in the same lanes
        assert (rb | ~ra).all()                          # every plain reset still resets
        if sb is not None:                               # reset lanes start from zero, the others carry
            assert torch.equal(sb, torch.full((4, 3), float(at)) * (~rb)[:, None])
        inside += int((~ra).sum())
        extra += int((rb & ~ra).sum())
    assert 0.2 < extra / inside < 0.4, (extra, inside)
    again = walk(TBPTTChunks(clips, window=8, lanes=4, seed=5, cold_start=0.3), 1, 4)
    assert all(torch.equal(a[1], b[1]) for a, b in zip(cold, again))          # the same draw: resumable
    other = walk(plan, 2, 4)
    assert any(not torch.equal(a[1], b[1]) for a, b in zip(cold, other))      # another epoch, another draw


def test_cold_start_leaves_iteration_plain_and_checks_its_range() -> None:
    clips = frame_clips([400, 330])
    plain = [b.reset for b in TBPTTChunks(clips, window=8, lanes=2)]
    cold = [b.reset for b in TBPTTChunks(clips, window=8, lanes=2, cold_start=0.5)]
    assert all(torch.equal(a, b) for a, b in zip(plain, cold))
    with pytest.raises(ValueError, match="cold_start"):
        TBPTTChunks(clips, window=8, lanes=2, cold_start=1.5)
