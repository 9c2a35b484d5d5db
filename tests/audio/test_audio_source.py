"""AudioSource: each tick gets the samples of [time, time + dt), as views, tiling the clip, ending cleanly."""
from __future__ import annotations

import numpy as np
import pytest

import neuropuppet as npp
from listener import Listener
from neuropuppet.audio import AudioSource, attach_audio, load_audio
from neuropuppet.ports import AudioBlock, TickInputs


@pytest.fixture
def clip(tone_file):
    return load_audio(tone_file("flac", seconds=1.0, rate=44100))   # 22050 samples at 22050 Hz


def test_block_covers_the_tick(clip):
    source = AudioSource(clip)
    assert source.provides == ("audio",)
    inputs = TickInputs(dt=1 / 60, tick=10, time=10 / 60)
    source.sample(inputs)
    block = inputs["audio"]
    assert isinstance(block, AudioBlock)
    assert (block.start, block.end, block.sample_rate, block.ended) == (10 / 60, 11 / 60, 22050, False)
    np.testing.assert_array_equal(block.samples, clip.samples[3675:4042])   # floor(t * 22050)
    assert np.shares_memory(block.samples, clip.samples) and not block.samples.flags.writeable


@pytest.mark.parametrize("rate", [60.0, 50.0, 30.0, 144.0])
def test_ticks_tile_the_clip_exactly(clip, rate):
    """Times as a runtime computes them (tick * dt): no sample lost or repeated across ticks, to the end."""
    source = AudioSource(clip)
    dt = 1.0 / rate
    blocks = [source.block(k * dt, k * dt + dt) for k in range(int(clip.duration * rate) + 3)]
    np.testing.assert_array_equal(np.concatenate([b.samples for b in blocks]), clip.samples)
    sizes = {len(b.samples) for b in blocks if not b.ended}
    assert max(sizes) - min(sizes) <= 1
    last = [b for b in blocks if len(b.samples)][-1]
    assert last.ended and blocks[-1].ended and len(blocks[-1].samples) == 0


def test_end_is_clipped_and_before_start_is_empty(clip):
    source = AudioSource(clip)
    tail = source.block((clip.frames - 220) / 22050, (clip.frames + 220) / 22050)
    assert tail.ended and len(tail.samples) == 220
    np.testing.assert_array_equal(tail.samples, clip.samples[-len(tail.samples):])
    early = source.block(-0.5, -0.5 + 1 / 60)
    assert len(early.samples) == 0 and not early.ended
    straddle = source.block(-0.01, 0.01)
    np.testing.assert_array_equal(straddle.samples, clip.samples[:220])


def test_depends_on_time_only(clip):
    source = AudioSource(clip)
    first = [source.block(k / 60, (k + 1) / 60).samples.copy() for k in (5, 9, 2)]
    again = [source.block(k / 60, (k + 1) / 60).samples for k in (2, 9, 5)][::-1]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_runtime_hands_each_tick_its_block(tone_file):
    """attach_audio without realtime: the deterministic clock, the clip reaches a controller through the runtime."""
    runtime = npp.Runtime(tick_rate=60)
    session = attach_audio(runtime, tone_file("ogg", seconds=0.5), realtime=False)
    assert session.clock is None and runtime.master_clock is None
    listener = Listener()
    runtime.spawn(listener)
    for _ in range(40):
        runtime.tick()
    assert [t for t, *_ in listener.heard] == list(range(40))
    for tick, time, block, _ in listener.heard:
        assert time == pytest.approx(tick / 60)
        expected = session.source.block(time, time + 1 / 60)
        np.testing.assert_array_equal(block.samples, expected.samples)
    heard = np.concatenate([b.samples for _, _, b, _ in listener.heard])
    np.testing.assert_array_equal(heard, session.clip.samples)   # 0.5 s of audio in 30 ticks, then empty ended blocks
    assert all(b.ended and len(b.samples) == 0 for _, _, b, _ in listener.heard[30:])
