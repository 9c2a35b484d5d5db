"""The study's motion metrics on hand-made signals (neuropuppet.motion.metrics)."""
from __future__ import annotations

import numpy as np
import pytest

from neuropuppet.motion import metrics as M

FPS = 60.0


def _sine(amplitude: float, hz: float, seconds: float, phase: float = 0.0) -> np.ndarray:
    t = np.arange(int(seconds * FPS)) / FPS
    x = np.zeros((len(t), 1, 3))
    x[:, 0, 0] = amplitude * np.sin(2 * np.pi * hz * t + phase)
    return x


def test_sine_has_known_acceleration_and_jerk() -> None:
    # x = A sin(w t): |a| = A w^2 |sin|, |j| = A w^3 |cos|; over whole periods mean |sin| = mean |cos| = 2 / pi
    a, hz = 0.1, 1.0
    w = 2 * np.pi * hz
    s = M.acceleration_jerk(_sine(a, hz, 10.0), FPS)
    assert s["acceleration_mean"] == pytest.approx(a * w ** 2 * 2 / np.pi, rel=0.01)
    assert s["jerk_mean"] == pytest.approx(a * w ** 3 * 2 / np.pi, rel=0.01)
    # std of A w^2 |sin|: A w^2 sqrt(1/2 - 4/pi^2)
    assert s["acceleration_std"] == pytest.approx(a * w ** 2 * np.sqrt(0.5 - 4 / np.pi ** 2), rel=0.02)
    doubled = M.acceleration_jerk(_sine(a, 2 * hz, 10.0), FPS)
    assert doubled["jerk_mean"] == pytest.approx(8 * s["jerk_mean"], rel=0.02)


def test_acceleration_of_clips_pools_frames_without_spanning_clips() -> None:
    one, two = _sine(0.1, 1.0, 3.0), _sine(0.3, 0.5, 4.0, phase=1.0)
    pooled = M.acceleration_jerk([one, two], FPS)
    a = [np.linalg.norm((x[2:] - 2 * x[1:-1] + x[:-2]) * FPS ** 2, axis=-1).ravel() for x in (one, two)]
    assert pooled["acceleration_mean"] == pytest.approx(np.concatenate(a).mean())
    # laid end to end the jump between the clips would add a spike the pooled figure must not have
    assert M.acceleration_jerk(np.concatenate([one, two]), FPS)["jerk_mean"] > pooled["jerk_mean"] * 1.1


def test_ape_mean_and_std_over_clips() -> None:
    true = [np.zeros((50, 4, 3)), np.zeros((80, 4, 3))]
    pred = [true[0] + [0.03, 0.0, 0.04], true[1] + [0.0, 0.1, 0.0]]          # 5 cm and 10 cm off
    e = M.ape(pred, true)
    assert e["mean"] == pytest.approx(0.075)
    assert e["std"] == pytest.approx(0.025)
    assert M.ape(true, true) == {"mean": 0.0, "std": 0.0}
    with pytest.raises(ValueError):
        M.ape(pred[:1], true)


def _beat_motion(period: float, seconds: float) -> np.ndarray:
    """x = t - P/(2 pi) sin(2 pi t / P): speed 1 - cos(2 pi t / P), zero (a motion beat) at every k P."""
    t = np.arange(int(seconds * FPS)) / FPS
    x = np.zeros((len(t), 2, 3))
    x[:, :, 0] = (t - period / (2 * np.pi) * np.sin(2 * np.pi * t / period))[:, None]
    return x


def test_beat_alignment_is_one_on_the_beats_and_falls_when_shifted() -> None:
    period = 0.5
    music = np.arange(1, 19) * period                       # beats inside the clip (no edge effects)
    beats = M.motion_beats(_beat_motion(period, 10.0), FPS)
    assert M.beat_alignment(beats, music) == pytest.approx(1.0, abs=1e-3)
    assert M.beat_alignment(beats, music, over="motion") == pytest.approx(1.0, abs=0.06)   # a beat per period
    scores = [M.beat_alignment(beats, music + shift) for shift in (0.0, 0.02, 0.05, 0.1)]
    assert scores[0] > scores[1] > scores[2] > scores[3]
    assert scores[2] == pytest.approx(np.exp(-0.5), abs=0.02)   # one sigma off
    off_beat = M.beat_alignment(beats, music + period / 2)
    assert off_beat < 0.01


def test_beat_alignment_forms_differ_when_motion_has_extra_beats() -> None:
    music = np.arange(1, 10) * 1.0
    motion = np.sort(np.concatenate([music, music + 0.5]))   # a beat on every music beat and one between
    assert M.beat_alignment(motion, music) == pytest.approx(1.0)
    assert M.beat_alignment(motion, music, over="motion") == pytest.approx(0.5, abs=1e-3)
    with pytest.raises(ValueError):
        M.beat_alignment(motion, music, over="both")
