"""Metrics on motions whose answers are known analytically."""
from __future__ import annotations

import numpy as np
import pytest

from neuropuppet.motion import Skeleton
from neuropuppet.motion import metrics as M
from neuropuppet.motion.benchmark import run


def test_foot_skating_equals_sliding_speed() -> None:
    fps, t = 60.0, 120
    time = np.arange(t) / fps
    slide = np.stack([0.3 * time, np.zeros(t), 0.4 * time], -1)  # 0.5 m/s horizontally
    planted = np.zeros((t, 3))
    bobbing = np.stack([np.zeros(t), 0.1 * np.sin(time * 6), np.zeros(t)], -1)  # vertical only
    feet = np.stack([slide, planted, bobbing], 1)
    contacts = np.ones((t, 3), bool)
    assert np.isclose(M.foot_skating(feet[:, :1], contacts[:, :1], fps), 0.5)
    assert np.isclose(M.foot_skating(feet[:, 1:], contacts[:, 1:], fps), 0.0)
    contacts[:, 0] = False  # sliding foot in the air does not count
    assert np.isclose(M.foot_skating(feet, contacts, fps), 0.0)
    assert np.isnan(M.foot_skating(feet, np.zeros((t, 3), bool), fps))


def test_trajectory_error() -> None:
    t = 50
    target = np.stack([np.linspace(0, 5, t), np.zeros(t), np.zeros(t)], -1)
    actual = target + [0.0, 1.0, 0.2]  # 0.2 m off horizontally (height ignored)
    facing = np.tile([1.0, 0.0, 0.0], (t, 1))
    turned = np.tile([np.cos(np.radians(30)), 0.3, np.sin(np.radians(30))], (t, 1))
    e = M.trajectory_error(actual, turned, target, facing)
    assert np.isclose(e["position_mean"], 0.2) and np.isclose(e["position_max"], 0.2)
    assert np.isclose(e["facing_mean_deg"], 30.0) and np.isclose(e["facing_max_deg"], 30.0)


def test_bone_length_drift() -> None:
    skel = Skeleton(("a", "b", "c"), np.array([-1, 0, 1]), np.array([[0, 0, 0], [0, 1, 0], [0, 2, 0]]))
    exact = np.array([[[0, 0, 0], [0, 1, 0], [0, 3, 0]]], dtype=float)
    stretched = np.array([[[0, 0, 0], [1.1, 0, 0], [1.1, 0, 1.8]]], dtype=float)  # +10 %, -10 %
    assert M.bone_length_drift(skel, exact) == {"max": 0.0, "mean": 0.0}
    d = M.bone_length_drift(skel, np.concatenate([exact, stretched]))
    assert np.isclose(d["max"], 0.1) and np.isclose(d["mean"], 0.05)


def test_acceleration_and_jerk_of_a_sinusoid() -> None:
    # x = A sin(w t): |a| = A w^2 |sin|, |j| = A w^3 |cos|; over whole periods mean |sin| = 2/pi
    fps, amp, omega = 240.0, 0.5, 2 * np.pi * 1.5
    t = np.arange(int(fps * 2) + 1) / fps  # 3 whole periods
    x = np.stack([amp * np.sin(omega * t), np.zeros_like(t), np.zeros_like(t)], -1)[:, None]
    s = M.acceleration_jerk(x, fps)
    assert np.isclose(s["acceleration_mean"], amp * omega ** 2 * 2 / np.pi, rtol=0.01)
    assert np.isclose(s["jerk_mean"], amp * omega ** 3 * 2 / np.pi, rtol=0.01)
    # std of |sin| over periods: sqrt(1/2 - 4/pi^2)
    assert np.isclose(s["acceleration_std"], amp * omega ** 2 * np.sqrt(0.5 - 4 / np.pi ** 2), rtol=0.02)
    const = M.acceleration_jerk(np.stack([t, t, t], -1)[:, None], fps)
    assert np.isclose(const["acceleration_mean"], 0, atol=1e-6) and np.isclose(const["jerk_mean"], 0, atol=1e-3)


def test_mpjpe_and_mse() -> None:
    rng = np.random.default_rng(0)
    gt = rng.normal(size=(10, 4, 3))
    offset = np.array([0.0, 0.3, 0.4])
    assert np.isclose(M.mpjpe(gt + offset, gt), 0.5)
    assert np.isclose(M.mse(gt + offset, gt), (0.09 + 0.16) / 3)


def test_gaze_angular_error() -> None:
    u = np.array([[1.0, 0, 0], [0, 0, 2.0]])
    v = np.array([[0.0, 1, 0], [0, 0, 1.0]])
    assert np.isclose(M.gaze_angular_error(u, v), 45.0)
    assert np.allclose(M.angle_between_deg(u, v), [90.0, 0.0])


def test_beat_alignment() -> None:
    music = np.arange(1, 10) * 0.5
    assert np.isclose(M.beat_alignment(music, music), 1.0)
    shifted = M.beat_alignment(music + 0.05, music, sigma=0.05)
    assert np.isclose(shifted, np.exp(-0.5))
    assert M.beat_alignment(np.array([]), music) == 0.0
    assert np.isnan(M.beat_alignment(music, np.array([])))


def test_motion_beats_are_speed_minima() -> None:
    # a joint oscillating x = sin(2 pi f t) stops (speed minimum) at every extreme, 2f times a second
    fps, f = 60.0, 1.0
    t = np.arange(int(fps * 4)) / fps
    x = np.stack([np.sin(2 * np.pi * f * t), np.zeros_like(t), np.zeros_like(t)], -1)[:, None]
    beats = M.motion_beats(x, fps)
    expected = (np.arange(8) + 0.5) / (2 * f)
    assert len(beats) == len(expected)
    assert np.allclose(beats, expected, atol=1.5 / fps)
    assert M.beat_alignment(beats, expected) > 0.8


def test_benchmark_prints_figures(capsys: pytest.CaptureFixture[str]) -> None:
    figures = run(frames=600)
    out = capsys.readouterr().out
    assert out.startswith("bvh parse: ") and "per 10 000 frames (600 frames 31 joints" in out
    assert figures["frames"] == 600 and figures["joints"] == 31 and figures["parse_seconds"] > 0
