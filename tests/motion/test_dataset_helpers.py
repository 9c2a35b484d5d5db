"""Dataset helpers: contacts, phase, root trajectory, mirroring, windows, normalisation."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import neuropuppet.motion.rotations as R
from neuropuppet.motion import CMU_SCALE, Motion, Skeleton, read_bvh
from neuropuppet.motion.dataset import (Normaliser, foot_contacts, heel_strikes, mirror, mirror_pairs,
                                        mirror_permutation, phase_from_contacts, root_trajectory, windows)
from neuropuppet.terrain import HeightField

MOCAP = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mocap"

NAMES = ("Hips", "LeftUpLeg", "LeftFoot", "RightUpLeg", "RightFoot", "Spine", "LeftArm", "RightArm")
PARENTS = np.array([-1, 0, 1, 0, 3, 0, 5, 5])
OFFSETS = np.array([[0, 1, 0], [0.1, 0, 0], [0, -0.9, 0], [-0.1, 0, 0], [0, -0.9, 0], [0, 0.3, 0],
                    [0.2, 0.1, 0], [-0.2, 0.1, 0]], dtype=np.float32)


def biped_motion(frames: int = 40, yaw: float = 0.0, seed: int = 0) -> Motion:
    rng = np.random.default_rng(seed)
    skel = Skeleton(NAMES, PARENTS, OFFSETS, {2: np.array([0, -0.05, 0.1], np.float32)})
    positions = np.repeat(OFFSETS[None].astype(np.float64), frames, axis=0)
    positions[:, 0] = np.stack([np.linspace(0, 1, frames), np.full(frames, 1.0), np.linspace(0, 2, frames)], -1)
    rotations = R.quat_normalize(np.tile(R.quat_identity(), (frames, len(NAMES), 1)) + rng.normal(size=(frames, len(NAMES), 4)) * 0.2)
    rotations[:, 0] = R.quat_from_yaw(np.full(frames, yaw))
    return Motion(skel, positions, rotations, 1 / 30)


def test_foot_contacts_height_and_speed() -> None:
    fps = 10.0
    t = np.arange(20)
    planted = np.stack([np.zeros(20), np.full(20, 0.02), np.zeros(20)], -1)
    sliding = np.stack([t / fps * 2.0, np.full(20, 0.02), np.zeros(20)], -1)  # 2 m/s
    lifted = np.stack([np.zeros(20), np.full(20, 0.5), np.zeros(20)], -1)
    world = np.stack([planted, sliding, lifted], axis=1)
    c = foot_contacts(world, [0, 1, 2], fps, height_threshold=0.1, velocity_threshold=0.5)
    assert c.shape == (20, 3)
    assert c[:, 0].all() and not c[:, 1].any() and not c[:, 2].any()
    # raised 0.5 m: in contact on a 0.5 m plateau, not over flat ground at y = 0
    ground = HeightField(np.full((4, 4), 0.5, np.float32), origin=(-2.0, -2.0), cell_size=2.0)
    on_plateau = foot_contacts(world + [0, 0.5, 0], [0, 1, 2], fps, 0.1, 0.5, ground)
    assert on_plateau[:, 0].all() and not on_plateau[:, 2].any()
    assert not foot_contacts(world + [0, 0.5, 0], [0], fps, 0.1, 0.5).any()


def test_foot_contacts_min_seconds_removes_flicker() -> None:
    fps = 10.0
    height = np.full(30, 0.02)
    height[10:12] = 0.5  # 0.2 s hop: too short to count as flight
    height[20:30] = 0.5
    height[24] = 0.02  # one-frame touch while in the air
    world = np.stack([np.zeros(30), height, np.zeros(30)], -1)[:, None]
    raw = foot_contacts(world, [0], fps, velocity_threshold=100.0)[:, 0]
    clean = foot_contacts(world, [0], fps, velocity_threshold=100.0, min_seconds=0.3)[:, 0]
    assert not raw[10:12].any() and raw[24]
    assert clean[:20].all() and not clean[20:].any()


def test_phase_zero_at_left_pi_at_right_linear_between() -> None:
    t, period = 200, 40
    frames = np.arange(t)
    left = (frames % period) < 20  # left strikes at 40, 80, ...
    right = ((frames + 20) % period) < 20  # right strikes at 20, 60, ...
    phase = phase_from_contacts(left, right, fps=60.0)
    for f in heel_strikes(left):
        assert np.isclose(phase[f], 0.0) or np.isclose(phase[f], 2 * np.pi)
    for f in heel_strikes(right):
        assert np.isclose(phase[f], np.pi)
    assert np.isclose(phase[50], np.pi / 2)  # halfway between left (40) and right (60)
    assert ((phase >= 0) & (phase < 2 * np.pi)).all()
    step = np.diff(np.unwrap(phase))
    assert np.allclose(step, 2 * np.pi / period)  # constant rate, also before first / after last strike


def test_phase_standing_keeps_cycling_and_hits_next_strike() -> None:
    t = 400
    left = np.ones(t, bool)
    right = np.ones(t, bool)
    left[[10, 50, 300, 340]] = False  # strikes at 11, 51, 301, 341 (left)
    right[[30, 70, 320]] = False  # strikes at 31, 71, 321 (right)
    phase = phase_from_contacts(left, right, fps=60.0, max_step_seconds=1.0)
    assert np.isclose(phase[301] % (2 * np.pi), 0.0, atol=1e-9) or np.isclose(phase[301], 2 * np.pi)
    assert np.isclose(phase[321], np.pi)
    unwrapped = np.unwrap(phase)
    assert (np.diff(unwrapped) > 0).all()  # never stops or runs backwards
    rate_walk = np.pi / 20
    rate_stand = (unwrapped[301] - unwrapped[71]) / 230
    assert abs(rate_stand - rate_walk) / rate_walk < 0.15  # whole cycles added during standing


def test_phase_without_steps_uses_default_rate() -> None:
    phase = phase_from_contacts(np.ones(121, bool), np.ones(121, bool), fps=60.0, default_cycle_seconds=2.0)
    assert np.isclose(phase[60], np.pi)


def test_root_trajectory_faces_character_forward() -> None:
    for yaw in (0.0, np.pi / 2, -2.0):
        m = biped_motion(yaw=yaw)
        m.rotations[:, 1:] = R.quat_identity()  # upright limbs: hips/shoulders across = +x local
        root, forward = root_trajectory(m, smooth_seconds=0.0)
        assert np.allclose(root[:, 1], 0.0)
        assert np.allclose(root[:, [0, 2]], m.positions[:, 0, [0, 2]])
        assert np.allclose(forward, R.quat_rotate(R.quat_from_yaw(yaw), np.array([0.0, 0.0, 1.0])), atol=1e-9)


def test_mirror_pairs_and_world_positions() -> None:
    names = ("Hips", "LHipJoint", "RHipJoint", "lhand", "rhand", "lowerback", "Arm_L", "Arm_R", "LeftToe", "RightToe")
    pairs = {(names[a], names[b]) for a, b in mirror_pairs(names)}
    assert pairs == {("LHipJoint", "RHipJoint"), ("lhand", "rhand"), ("Arm_L", "Arm_R"), ("LeftToe", "RightToe")}
    m = biped_motion()
    mm = mirror(m)
    perm = mirror_permutation(m.skeleton.names)
    assert np.allclose(mm.world_positions(), m.world_positions()[:, perm] * [-1, 1, 1])
    assert 4 in mm.skeleton.end_sites and np.allclose(mm.skeleton.end_sites[4], [0, -0.05, 0.1])
    twice = mirror(mm)
    assert np.allclose(twice.positions, m.positions) and np.allclose(twice.rotations, m.rotations)


def test_windows() -> None:
    x = np.arange(10 * 2).reshape(10, 2)
    w = windows(x, 4, stride=3)
    assert w.shape == (3, 4, 2)
    assert np.array_equal(w[1], x[3:7]) and np.array_equal(w[2], x[6:10])
    assert windows(x, 11).shape == (0, 11, 2)


def test_normaliser_groups_round_trip_and_torch() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(500, 5)) * [1, 2, 3, 4, 0] + [5, 0, 0, 0, 7]
    norm = Normaliser.fit(data, groups=[slice(0, 3)])
    assert np.allclose(norm.std[:3], np.mean(data[:, :3].std(axis=0)))  # group-averaged std
    assert np.isclose(norm.std[3], data[:, 3].std(), rtol=1e-5) and norm.std[4] == 1.0  # constant -> 1
    z = norm.normalise(data)
    assert np.allclose(z.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(norm.denormalise(z), data, atol=1e-4)
    zt = norm.normalise(torch.tensor(data, dtype=torch.float32))
    assert isinstance(zt, torch.Tensor) and np.allclose(zt.numpy(), z, atol=1e-4)
    assert np.allclose(norm.denormalise(zt).numpy(), data, atol=1e-3)
    d = norm.to_dict("x_")
    assert set(d) == {"x_mean", "x_std"} and isinstance(d["x_mean"][0], float)
    back = Normaliser.from_dict(d, "x_")
    assert np.array_equal(back.mean, norm.mean) and np.array_equal(back.std, norm.std)
    with pytest.raises(KeyError, match="y_mean"):
        Normaliser.from_dict(d, "y_")


def test_cmu_walk_contacts_alternate() -> None:
    if not MOCAP.is_dir():
        pytest.skip(f"real CMU BVH files not found at {MOCAP.resolve()}")
    m = read_bvh(MOCAP / "cmu_02_01_walk.bvh", scale=CMU_SCALE)
    skel = m.skeleton
    feet = [skel.index("LeftToeBase"), skel.index("RightToeBase")]
    c = foot_contacts(m.world_positions(), feet, m.fps, height_threshold=0.08, velocity_threshold=0.5)
    assert 0.2 < c.mean() < 0.8  # a walk: each foot on the ground part of the time
    assert len(heel_strikes(c[:, 0])) >= 2 and len(heel_strikes(c[:, 1])) >= 2
    root, forward = root_trajectory(m)
    travel = root[-1] - root[0]
    assert np.linalg.norm(travel) > 2.0  # walks about 3.5 m
    # the character faces the way it walks
    assert np.dot(forward.mean(axis=0), travel / np.linalg.norm(travel)) > 0.9
