"""RotationFilter: the compiled and the torch filter agree; it cuts jitter, lags as stated, passes what it should."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from neuropuppet.errors import InputError
from neuropuppet.motion.rotation_filter import RotationFilter, alpha_of, filter_rotations, filter_rotations_torch
from neuropuppet.motion.rotations_torch import quat_from_yaw


def _jittery(ticks: int, n: int, joints: int, seed: int = 0) -> np.ndarray:
    """Unit quaternions [T, N, J, 4]: a slow yaw swing plus per-tick noise, random signs (q and -q mixed)."""
    rng = np.random.default_rng(seed)
    t = np.arange(ticks) / 60.0
    yaw = 0.4 * np.sin(2 * np.pi * 0.5 * t)[:, None, None] + 0.02 * rng.standard_normal((ticks, n, joints))
    q = quat_from_yaw(torch.from_numpy(yaw.astype(np.float32))).numpy().copy()
    q *= np.where(rng.random((ticks, n, joints, 1)) < 0.5, -1.0, 1.0).astype(np.float32)
    return q


def test_compiled_and_torch_filters_agree_over_ticks_with_resets() -> None:
    frames = _jittery(120, 3, 5)
    joints = np.array([0, 2, 3], np.int64)
    alpha = np.array([alpha_of(5.0, 1 / 60), alpha_of(2.0, 1 / 60), 1.0], np.float32)
    s_np, f_np = np.zeros((3, 3, 4), np.float32), np.ones(3, np.uint8)
    s_t, f_t = torch.zeros(3, 3, 4), torch.ones(3, dtype=torch.bool)
    for k, q in enumerate(frames):
        a, b = q.copy(), torch.from_numpy(q.copy())
        if k == 60:
            f_np[1], f_t[1] = 1, True
        filter_rotations(a, s_np, joints, alpha, f_np)
        filter_rotations_torch(b, s_t, torch.from_numpy(joints), torch.from_numpy(alpha), f_t)
        np.testing.assert_allclose(a, b.numpy(), atol=2e-6)
    np.testing.assert_array_equal(a[:, [1, 4]], frames[-1][:, [1, 4]])          # joints not named are untouched


def test_filter_cuts_jitter_and_lags_about_one_over_two_pi_f() -> None:
    frames = _jittery(600, 1, 1)
    smooth = RotationFilter(1, [0], [5.0], 1 / 60)
    out = []
    for q in frames:
        r = torch.from_numpy(q.copy())
        smooth(r)
        out.append(r.numpy()[0, 0])
    out = np.array(out)
    raw = frames[:, 0, 0]
    raw = raw * np.sign(raw[:, :1])                                              # w >= 0 for comparing
    out = out * np.sign(out[:, :1])
    assert np.allclose(np.linalg.norm(out, axis=-1), 1.0, atol=1e-5)
    jitter = lambda x: np.abs(np.diff(x, 3, axis=0)).mean()
    assert jitter(out) < 0.4 * jitter(raw)                                       # 0.28 measured at 5 Hz
    yaw_raw, yaw_out = 2 * np.arctan2(raw[:, 2], raw[:, 0]), 2 * np.arctan2(out[:, 2], out[:, 0])
    lags = range(0, 8)
    err = [np.mean((yaw_out[60 + d:] - yaw_raw[60:len(yaw_raw) - d]) ** 2) for d in lags]
    assert abs(int(np.argmin(err)) - 60 / (2 * math.pi * 5.0)) <= 1.0          # ~1.9 ticks at 5 Hz


def test_first_tick_and_reset_take_the_rotations_as_they_are_and_zero_cutoff_passes() -> None:
    frames = _jittery(10, 2, 2)
    smooth = RotationFilter(2, [0, 1], [3.0, 0.0], 1 / 60)
    r = torch.from_numpy(frames[0].copy())
    smooth(r)
    np.testing.assert_array_equal(r.numpy(), frames[0])
    r = torch.from_numpy(frames[1].copy())
    smooth(r)
    assert not np.allclose(np.abs(r.numpy()[:, 0]), np.abs(frames[1][:, 0]), atol=1e-6)
    np.testing.assert_array_equal(r.numpy()[:, 1], frames[1][:, 1])              # 0 Hz: unfiltered
    smooth.reset([1])
    r = torch.from_numpy(frames[2].copy())
    smooth(r)
    np.testing.assert_array_equal(r.numpy()[1], frames[2][1])
    assert not np.allclose(np.abs(r.numpy()[0, 0]), np.abs(frames[2][0, 0]), atol=1e-6)


def test_bad_settings_are_input_errors() -> None:
    with pytest.raises(InputError, match="cut-offs"):
        RotationFilter(1, [0], [1.0, 2.0], 1 / 60)
    with pytest.raises(InputError, match="finite"):
        RotationFilter(1, [0], [float("nan")], 1 / 60)
    with pytest.raises(InputError, match="dt"):
        RotationFilter(1, [0], [1.0], 0.0)
