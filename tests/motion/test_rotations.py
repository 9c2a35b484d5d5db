"""Rotation conversions: hand-checked values and round-trip properties (numpy and TorchScript)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import neuropuppet.motion.rotations as R
import neuropuppet.motion.rotations_torch as RT
from neuropuppet.artifacts import quiet_torchscript

ORDERS = ["XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX"]
finite = st.floats(-1.0, 1.0, allow_nan=False, width=64)


def unit_quats(n: int = 8):
    return arrays(np.float64, (n, 4), elements=finite).filter(
        lambda a: (np.linalg.norm(a, axis=-1) > 0.2).all()).map(R.quat_normalize)


def same_rotation(a: np.ndarray, b: np.ndarray, tol: float = 1e-9) -> bool:
    """q and -q are the same rotation."""
    return bool((np.abs(np.abs(np.sum(a * b, axis=-1)) - 1.0) < tol).all())


def test_hand_values() -> None:
    qz90 = R.quat_from_axis_angle(np.array([0, 0, 1.0]), np.pi / 2)
    assert np.allclose(R.quat_rotate(qz90, np.array([1.0, 0, 0])), [0, 1, 0])
    assert np.allclose(R.quat_to_matrix(qz90), [[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    # quat_mul(a, b) rotates by b first: x --(z 90)--> y --(x 90)--> z
    qx90 = R.quat_from_axis_angle(np.array([1.0, 0, 0]), np.pi / 2)
    assert np.allclose(R.quat_rotate(R.quat_mul(qx90, qz90), np.array([1.0, 0, 0])), [0, 0, 1])
    # BVH "Zrotation Yrotation Xrotation": R = Rz @ Ry @ Rx
    a = np.array([0.3, -0.7, 1.1])
    rz, ry, rx = (R.quat_to_matrix(R.quat_from_axis_angle(np.eye(3)[i], t)) for i, t in ((2, a[0]), (1, a[1]), (0, a[2])))
    assert np.allclose(R.quat_to_matrix(R.quat_from_euler(a, "ZYX")), rz @ ry @ rx)
    assert np.allclose(R.quat_rotate(R.quat_from_yaw(np.pi / 2), np.array([0, 0, 1.0])), [1, 0, 0])
    assert np.isclose(R.quat_to_yaw(R.quat_from_yaw(-2.5)), -2.5)


@settings(max_examples=40, deadline=None)
@given(unit_quats())
def test_matrix_and_sixd_round_trip(q: np.ndarray) -> None:
    m = R.quat_to_matrix(q)
    assert np.allclose(m @ np.swapaxes(m, -1, -2), np.eye(3), atol=1e-9)
    assert np.allclose(np.linalg.det(m), 1.0)
    assert same_rotation(R.quat_from_matrix(m), q)
    assert np.allclose(R.sixd_to_matrix(R.matrix_to_sixd(m)), m, atol=1e-9)
    assert same_rotation(R.quat_from_sixd(R.quat_to_sixd(q)), q)


@settings(max_examples=40, deadline=None)
@given(unit_quats(), st.sampled_from(ORDERS))
def test_euler_round_trip(q: np.ndarray, order: str) -> None:
    angles = R.quat_to_euler(q, order)
    assert same_rotation(R.quat_from_euler(angles, order), q, tol=1e-7)


@pytest.mark.parametrize("order", ORDERS)
def test_euler_gimbal_lock(order: str) -> None:
    angles = np.array([[0.4, np.pi / 2, -0.3], [1.0, -np.pi / 2, 0.2]])
    q = R.quat_from_euler(angles, order)
    assert same_rotation(R.quat_from_euler(R.quat_to_euler(q, order), order), q, tol=1e-7)


@settings(max_examples=40, deadline=None)
@given(unit_quats())
def test_axis_angle_log_exp_round_trip(q: np.ndarray) -> None:
    axis, angle = R.quat_to_axis_angle(q)
    assert ((angle >= 0) & (angle <= np.pi + 1e-12)).all()
    assert same_rotation(R.quat_from_axis_angle(axis, angle), q)
    assert np.allclose(R.quat_exp(R.quat_log(q)), R.quat_abs(q), atol=1e-9)
    assert (np.linalg.norm(R.quat_log(q), axis=-1) <= np.pi / 2 + 1e-12).all()
    assert same_rotation(R.quat_from_rotvec(R.quat_to_rotvec(q)), q)


@settings(max_examples=30, deadline=None)
@given(unit_quats(), unit_quats(), st.floats(0.0, 1.0))
def test_slerp_constant_speed(q0: np.ndarray, q1: np.ndarray, t: float) -> None:
    assert same_rotation(R.quat_slerp(q0, q1, 0.0), q0) and same_rotation(R.quat_slerp(q0, q1, 1.0), q1)
    total = R.quat_to_axis_angle(R.quat_mul(R.quat_inv(q0), q1))[1]
    part = R.quat_to_axis_angle(R.quat_mul(R.quat_inv(q0), R.quat_slerp(q0, q1, t)))[1]
    assert np.allclose(part, t * total, atol=1e-6)
    n = R.quat_nlerp(q0, q1, t)
    assert np.allclose(np.linalg.norm(n, axis=-1), 1.0)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (6, 3), elements=finite), arrays(np.float64, (6, 3), elements=finite))
def test_between_maps_u_to_v(u: np.ndarray, v: np.ndarray) -> None:
    ok = (np.linalg.norm(u, axis=-1) > 0.1) & (np.linalg.norm(v, axis=-1) > 0.1)
    u, v = u[ok], v[ok]
    q = R.quat_between(u, v)
    un, vn = u / np.linalg.norm(u, axis=-1, keepdims=True), v / np.linalg.norm(v, axis=-1, keepdims=True)
    assert np.allclose(R.quat_rotate(q, un), vn, atol=1e-7)


def test_between_opposite_vectors() -> None:
    u = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    assert np.allclose(R.quat_rotate(R.quat_between(u, -u), u), -u)


def test_log_near_minus_identity() -> None:
    q = R.quat_normalize(np.array([[-1.0, 0, 0, 0], [-1.0, 1e-7, 0, 0], [1.0, 1e-9, 0, 0]]))
    assert np.allclose(R.quat_exp(R.quat_log(q)), R.quat_abs(q), atol=1e-12)
    assert np.allclose(R.quat_log(q)[1], [-1e-7, 0, 0], rtol=1e-6, atol=1e-15)


def test_unknown_euler_order_is_rejected() -> None:
    with pytest.raises(ValueError, match="XXZ"):
        R.quat_from_euler(np.zeros(3), "XXZ")


def test_torch_functions_script_and_match_numpy() -> None:
    with quiet_torchscript():
        scripted = {f.__name__: torch.jit.script(f) for f in RT.SCRIPTABLE}
    rng = np.random.default_rng(0)
    q = R.quat_normalize(rng.normal(size=(5, 3, 4)))
    p = R.quat_normalize(rng.normal(size=(5, 3, 4)))
    v = rng.normal(size=(5, 3, 3))
    tq, tp, tv = (torch.tensor(x) for x in (q, p, v))
    assert np.allclose(scripted["quat_mul"](tq, tp).numpy(), R.quat_mul(q, p))
    assert np.allclose(scripted["quat_rotate"](tq, tv).numpy(), R.quat_rotate(q, v))
    assert np.allclose(scripted["quat_to_matrix"](tq).numpy(), R.quat_to_matrix(q))
    assert np.allclose(scripted["quat_from_matrix"](torch.tensor(R.quat_to_matrix(q))).numpy(), R.quat_abs(q))
    d = R.quat_to_sixd(q)
    assert np.allclose(scripted["quat_from_sixd"](torch.tensor(d)).numpy(), R.quat_abs(q))
    assert np.allclose(scripted["quat_log"](tq).numpy(), R.quat_log(q))
    assert np.allclose(scripted["quat_exp"](torch.tensor(R.quat_log(q))).numpy(), R.quat_exp(R.quat_log(q)))
    yaw = rng.uniform(-3, 3, size=7)
    assert np.allclose(scripted["quat_from_yaw"](torch.tensor(yaw)).numpy(), R.quat_from_yaw(yaw))
    assert np.allclose(scripted["quat_to_yaw"](torch.tensor(R.quat_from_yaw(yaw))).numpy(), yaw)
    t = rng.uniform(size=(5, 3))
    assert np.allclose(scripted["quat_nlerp"](tq, tp, torch.tensor(t)).numpy(), R.quat_nlerp(q, p, t))
    assert np.allclose(scripted["quat_inv"](tq).numpy(), R.quat_inv(q))
