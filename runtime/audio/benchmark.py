"""Drift between what the listener hears and the simulation slaved to it: `measure_drift(seconds)`.

    SDL_AUDIODRIVER=dummy python -m neuropuppet.audio.benchmark 60    # the dummy driver needs no sound card

Plays a generated click track through a `MixerClock` that masters a `Runtime` and runs frames of varying
length (jittered sleeps, a 0.25 s stall every 7 s) with one pause and resume in the middle. After each frame
it compares the simulation time (`runtime.time`, the end of the latest tick) with the playback position the
runtime stepped to; the mean over the first and the last tenth of the run shows whether the gap grows.
It also reports how fast the device played against the wall clock, i.e. how far a simulation run on
frame time would have drifted from the music.
"""
from __future__ import annotations

import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class DriftReport:
    seconds: float          # wall seconds measured (pause included)
    frames: int
    dt: float               # seconds per tick
    max_drift: float        # max |runtime.time - playback position| after a frame
    mean_drift: float
    first_mean: float       # mean over the first tenth of the frames
    last_mean: float        # mean over the last tenth
    played: float           # playback position at the end
    simulated: float        # runtime.time at the end
    wall_played: float      # wall seconds the music was playing (pause excluded)
    skipped: float          # simulation seconds skipped to keep up (stalls)

    def lines(self) -> list[str]:
        ms = 1000.0
        return [f"audio drift: {self.seconds:.1f} s wall, {self.frames} frames, tick {self.dt * ms:.2f} ms; "
                f"played {self.played:.3f} s, simulated {self.simulated:.3f} s",
                f"  simulation vs playback after each frame: max {self.max_drift * ms:.2f} ms, mean "
                f"{self.mean_drift * ms:.2f} ms (first tenth {self.first_mean * ms:.2f} ms, last tenth "
                f"{self.last_mean * ms:.2f} ms)",
                f"  the device played {self.played / self.wall_played:.4f} x wall time: on frame time the simulation "
                f"would be {(self.played - self.wall_played) * ms:+.0f} ms off the music by the end",
                f"  {self.skipped:.3f} s of ticks skipped in stalls (never run late)"]


class RecordingClock:
    """A master clock wrapper that remembers the last position the runtime read."""

    def __init__(self, clock) -> None:
        self.clock, self.last = clock, 0.0

    def position(self) -> float:
        self.last = self.clock.position()
        return self.last

    def pause(self) -> None:
        self.clock.pause()

    def resume(self) -> None:
        self.clock.resume()


def click_track(seconds: float, rate: int = 44100, bpm: float = 120.0) -> np.ndarray:
    """A quiet 1 kHz click on every beat: `seconds` of mono float32 test music."""
    t = np.arange(int(seconds * rate)) / rate
    beat = 60.0 / bpm
    envelope = np.exp(-(t % beat) * 60.0)
    return (0.3 * envelope * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)


def measure_drift(seconds: float = 60.0, *, tick_rate: float = 60.0, seed: int = 0, pause_at: float | None = None,
                  pause_for: float = 0.5, stall_every: float = 7.0, out=sys.stdout) -> DriftReport:
    """Run `seconds` of wall time as described in the module docstring; print and return the figures."""
    import soundfile as sf

    from ..runtime import Runtime
    from .session import attach_audio

    rng = random.Random(seed)
    pause_at = seconds / 2 if pause_at is None else pause_at
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clicks.wav"
        sf.write(path, click_track(seconds + 5.0), 44100)
        runtime = Runtime(tick_rate=tick_rate)
        session = attach_audio(runtime, path, realtime=True, start=False)
        master = RecordingClock(session.clock)
        runtime.master_clock = master
        drift: list[float] = []
        paused_once = False
        paused_for = 0.0
        next_stall = stall_every
        try:
            session.start()
            t0 = time.perf_counter()
            while (now := time.perf_counter() - t0) < seconds:
                if not paused_once and now >= pause_at:
                    runtime.paused = True
                    time.sleep(pause_for)
                    runtime.paused = False
                    paused_once, paused_for = True, pause_for
                runtime.advance(0.0)
                drift.append(abs(runtime.time - master.last))
                time.sleep(max(0.0, rng.gauss(0.016, 0.006)))      # drawing and vsync, jittered
                if now >= next_stall:                               # a stall: a load, a GC pause
                    time.sleep(0.25)
                    next_stall += stall_every
            wall = time.perf_counter() - t0
            tenth = max(1, len(drift) // 10)
            report = DriftReport(wall, len(drift), runtime.dt, max(drift), float(np.mean(drift)),
                                 float(np.mean(drift[:tenth])), float(np.mean(drift[-tenth:])),
                                 session.clock.position(), runtime.time, wall - paused_for,
                                 runtime.clock.dropped_seconds)
        finally:
            session.close()
    if out is not None:
        print("\n".join(report.lines()), file=out)
    return report


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    measure_drift(float(args[0]) if args else 60.0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
