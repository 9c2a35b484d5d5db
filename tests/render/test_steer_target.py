"""The right stick moves a gaze target relative to the camera (`view.steer_target`), as the left stick moves
a character."""
from __future__ import annotations

import numpy as np

import neuropuppet as npp
from neuropuppet.render.camera import FollowCamera
from neuropuppet.render.view import TARGET_HEIGHT, TARGET_SPEED, TARGET_START, steer_target
from neuropuppet.terrain import HeightField


def test_stick_up_moves_the_target_away_from_the_camera_at_eye_height():
    rt = npp.Runtime()
    cam = FollowCamera()
    cam.yaw, cam.target = 0.0, np.array([1.0, 1.0, 2.0])              # yaw 0 looks along +Z
    start = steer_target(rt, cam, 0.0, 0.0, 1 / 60).copy()
    np.testing.assert_allclose(start, [1.0, TARGET_HEIGHT, 2.0 + TARGET_START])
    for _ in range(60):
        steer_target(rt, cam, 0.0, 1.0, 1 / 60)
    np.testing.assert_allclose(rt.pointer_target, start + [0.0, 0.0, TARGET_SPEED], atol=1e-9)
    cam.yaw = np.pi / 2                                                  # now looking along +X
    for _ in range(30):
        steer_target(rt, cam, 0.0, 1.0, 1 / 60)
    np.testing.assert_allclose(rt.pointer_target, start + [TARGET_SPEED / 2, 0.0, TARGET_SPEED], atol=1e-9)


def test_the_target_follows_the_terrain_and_ignores_nan_sticks():
    rt = npp.Runtime()
    rt.terrain = HeightField(np.full((8, 8), 0.7, np.float32), cell_size=1.0, origin=(-4.0, -4.0))
    cam = FollowCamera()
    before = steer_target(rt, cam, 0.0, 0.0, 1 / 60).copy()
    assert abs(before[1] - (0.7 + TARGET_HEIGHT)) < 1e-6
    after = steer_target(rt, cam, float("nan"), float("inf"), 1 / 60)
    assert np.isfinite(after).all()
    assert np.linalg.norm(after[[0, 2]] - before[[0, 2]]) <= TARGET_SPEED / 60 + 1e-9
