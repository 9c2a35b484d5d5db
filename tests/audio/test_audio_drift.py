"""A runtime slaved to the playback position cannot drift from it: within one tick after every frame.

Two runs: the real mixer (SDL's dummy driver) for a few seconds of jittered frames with hitches and a
pause; and a simulated mixer clock over ten minutes of playback in fast time. In both, every tick's audio
block ends at or before the position the runtime stepped to (no look-ahead).
"""
from __future__ import annotations

import math
import random
import time
from pathlib import Path

import numpy as np
import pytest

import neuropuppet as npp
from listener import Listener
from neuropuppet.audio import AudioClip, AudioSource, attach_audio
from neuropuppet.audio.benchmark import RecordingClock

pytestmark = pytest.mark.usefixtures("mixer_closed")
TICK = 1 / 60


def check_blocks(heard, dt):
    """Blocks follow each other (gaps only where ticks were skipped) and none reaches past the position."""
    for (_, t0, b0, _), (_, t1, b1, _) in zip(heard, heard[1:]):
        assert t1 > t0 and b1.start >= b0.end - 1e-9
    for _, time_, block, position in heard:
        assert block.start == time_ and block.end == pytest.approx(time_ + dt)
        assert block.end <= position + 1e-9


def test_mixer_master_keeps_the_runtime_within_one_tick(tone_file):
    runtime = npp.Runtime(tick_rate=60)
    session = attach_audio(runtime, tone_file("ogg", seconds=6.0), realtime=True, start=False)
    master = RecordingClock(session.clock)
    runtime.master_clock = master
    listener = Listener(master)
    runtime.spawn(listener)
    rng = random.Random(0)
    session.start()
    frames, paused_at = 0, None
    while master.last < 3.0:
        if frames == 60:                                   # pause for a few frames, then resume
            runtime.paused = True
            held, sim_held = session.clock.position(), runtime.time
            for _ in range(10):
                time.sleep(0.02)
                assert runtime.advance(0.02) == 0
                assert session.clock.position() == held and runtime.time == sim_held
            runtime.paused = False
            paused_at = held
        runtime.advance(rng.uniform(0.0, 0.05))            # frame_seconds is ignored with a master
        assert abs(runtime.time - master.last) <= TICK, (frames, runtime.time, master.last)
        time.sleep(0.15 if frames % 50 == 49 else max(0.0, rng.gauss(0.012, 0.008)))   # draw + vsync, hitches
        frames += 1
    session.close()
    assert paused_at is not None and paused_at > 0.0
    assert runtime.clock.dropped_seconds > 0                # the hitches made it skip ticks rather than lag
    check_blocks(listener.heard, TICK)


class SimulatedMixer:
    """A playback position in simulated time: whole milliseconds with up to 1 ms of jitter (as get_pos
    reports it), kept monotonic (as MixerClock does), at a sound card's rate error (0.05 % fast), held while
    paused."""

    def __init__(self, rate_error: float = 5e-4, seed: int = 2) -> None:
        self.now = 0.0                 # simulated wall seconds
        self.played = 0.0              # wall seconds spent playing
        self.paused = False
        self.rate = 1.0 + rate_error
        self.last = 0.0
        self._jitter = random.Random(seed)

    def run(self, seconds: float) -> None:
        self.now += seconds
        if not self.paused:
            self.played += seconds

    def position(self) -> float:
        if self.paused:
            return self.last
        ms = math.floor(self.played * self.rate * 1000.0) - self._jitter.randint(0, 1)
        self.last = max(self.last, ms / 1000.0)
        return self.last

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False


def test_ten_minutes_of_simulated_playback_stay_within_one_tick():
    mixer = SimulatedMixer()
    runtime = npp.Runtime(tick_rate=60)
    runtime.master_clock = mixer
    listener = Listener(mixer)
    silence = AudioClip(np.zeros(700 * 8000, np.float32), 8000, Path("silence.wav"), 1)
    runtime.spawn(listener, inputs={"audio": AudioSource(silence)})
    rng = random.Random(1)
    next_hitch, next_pause, worst, pauses, hitches = 20.0, 45.0, 0.0, 0, 0
    while mixer.played < 600.0:
        runtime.advance(0.0)
        worst = max(worst, abs(runtime.time - mixer.last))
        assert abs(runtime.time - mixer.last) <= TICK, (mixer.played, runtime.time, mixer.last)
        frame = max(0.001, rng.gauss(1 / 60, 0.004))
        if mixer.played >= next_hitch:                     # a stall of 0.1 .. 2 s
            frame, next_hitch, hitches = rng.uniform(0.1, 2.0), next_hitch + rng.uniform(10, 40), hitches + 1
        mixer.run(frame)
        if mixer.played >= next_pause:                     # pause 0.5 .. 5 s, frames keep coming
            runtime.paused = True
            sim, pos = runtime.time, mixer.position()
            for _ in range(rng.randint(30, 300)):
                mixer.run(1 / 60)
                runtime.advance(1 / 60)
                assert runtime.time == sim and mixer.position() == pos
            runtime.paused = False
            next_pause, pauses = next_pause + rng.uniform(30, 90), pauses + 1
    assert pauses >= 5 and hitches >= 10 and runtime.clock.dropped_seconds > 0
    assert runtime.time == pytest.approx(600.0 * mixer.rate, abs=TICK)   # followed the card's clock, not the wall
    check_blocks(listener.heard, TICK)
