"""The third-person stick: camera-relative movement and strafing, one description with a compiled CPU twin."""
import math

import numpy as np
import torch

from neuropuppet.locomotion.third_person import STRAFE_BUTTON, camera_relative_stick, third_person_pads_


def _pads(n, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(-1, 1, (n, 21)).astype(np.float32)
    p[:, 6 + int(STRAFE_BUTTON)] = rng.integers(0, 2, n)
    return p, rng.uniform(-math.pi, math.pi, n).astype(np.float32)


def test_compiled_numpy_twin_equals_the_torch_version():
    pads, yaw = _pads(64, 0)
    want = third_person_pads_(torch.from_numpy(pads.copy()), torch.from_numpy(yaw)).numpy()
    got = third_person_pads_(pads.copy(), yaw)
    np.testing.assert_allclose(got, want, atol=1e-6)


def test_stick_up_moves_along_the_camera_forward_and_strafe_faces_it():
    pads = np.zeros((1, 21), np.float32)
    pads[0, 1] = 1.0
    yaw = np.array([math.pi / 2], np.float32)                 # camera looks along +X
    np.testing.assert_allclose(camera_relative_stick(pads, yaw), [[1.0, 0.0]], atol=1e-6)
    moved = third_person_pads_(pads.copy(), yaw)
    assert (-moved[0, 0], moved[0, 1]) == (np.float32(1.0), np.float32(moved[0, 1])) and abs(moved[0, 1]) < 1e-6
    assert moved[0, 2] == 0.0 and moved[0, 3] == 0.0         # not strafing: the right stick never steers
    pads[0, 6 + int(STRAFE_BUTTON)] = 1.0
    strafing = third_person_pads_(pads.copy(), yaw)
    assert (-strafing[0, 2], strafing[0, 3]) == (np.float32(1.0), np.float32(strafing[0, 3]))   # faces +X
