"""The shipped default artifact driven by a scripted 20-second stick sequence.

Stated bounds (the default is small and trained for ~10 CPU minutes on synthetic data):
  heading of travel within HEADING_TOL_DEG of the commanded direction (last 2 s of each 5 s leg)
  speed between SPEED_RANGE times the artifact's walking speed
  drift after the stick is released below DRIFT_M metres over 3 s
  foot skating (heel/toe speed while the network says "contact") below SKATE_M_S, and planted heels
  standing on the terrain under them (HEEL_HEIGHT_M)
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.channels import GAMEPAD_WIDTH, TickInputs
from neuropuppet.controllers.pfnn import PFNNController, default_artifact
from neuropuppet.motion.kinematics import pose_world_positions
from neuropuppet.motion.metrics import foot_skating
from neuropuppet.channels import GamepadState
from neuropuppet.input.source import ScriptedGamepad
from neuropuppet.runtime import Runtime
from neuropuppet.terrain import HeightField
from neuropuppet.trainers.pfnn.dataset import FOOT_JOINTS, pick_joint

HEADING_TOL_DEG = 15.0
SPEED_RANGE = (0.7, 1.3)
DRIFT_M = 0.3
SKATE_M_S = 0.05      # with the controller's default foot lock (raw network: ~0.2-0.35 m/s)
HEEL_HEIGHT_M = (0.08, 0.04)  # planted heels: rest height above the terrain under them, tolerance

TERRAIN = HeightField(np.random.default_rng(0).uniform(0, 0.15, (40, 40)).astype(np.float32), (-40, -40), 2.0)

# (left stick x, left stick y) per 5-second leg; stick right is world -X (camera behind, facing +Z)
LEGS = [((0.0, 1.0), (0.0, 1.0)), ((1.0, 0.0), (-1.0, 0.0)), ((-0.7, -0.7), (0.7071, -0.7071)), ((0.0, 0.0), None)]


@pytest.fixture(scope="module")
def played():
    path = default_artifact()
    assert path is not None, "the shipped default controllers/pfnn/default/pfnn.pt is missing"
    c = PFNNController.from_artifact(load_artifact(path, device="cpu"), batch_size=1, device="cpu")
    terrain = TERRAIN
    roots, worlds, contacts, heights = [], [], [], []
    runtime = Runtime(terrain=terrain)           # the default foot_lock modifier plants the feet

    def stick(t: float) -> GamepadState:
        state = GamepadState()
        state.axes[:2] = LEGS[min(int(round(t * 60)) // 300, len(LEGS) - 1)][0]
        return state

    group = runtime.spawn(c, input=ScriptedGamepad(stick))
    for _ in LEGS:
        for _ in range(300):
            runtime.tick()
            arrays = group.pose.to_numpy()
            roots.append(arrays.root_position[0].copy())
            worlds.append(pose_world_positions(arrays)[0])
            contacts.append(arrays.extras["contacts"][0] > 0.5)
            heights.append(terrain.sample(arrays.root_position[0, 0], arrays.root_position[0, 2]))
    speeds = c._core.gait_speeds.tolist() if hasattr(c._core, "gait_speeds") else [0, 1.4, 3.2, 0.8]
    return np.array(roots), np.array(worlds), np.array(contacts), np.array(heights), c, speeds


def test_travels_in_commanded_directions(played) -> None:
    roots, _, _, _, _, speeds = played
    for k, (_, want) in enumerate(LEGS[:3]):
        a, b = roots[k * 300 + 180], roots[k * 300 + 299]
        d = np.array([b[0] - a[0], b[2] - a[2]])
        speed = np.linalg.norm(d) / (119 / 60)
        heading = np.degrees(np.arccos(np.clip(d @ np.array(want) / max(np.linalg.norm(d), 1e-9), -1, 1)))
        assert heading < HEADING_TOL_DEG, (k, heading)
        assert SPEED_RANGE[0] * speeds[1] < speed < SPEED_RANGE[1] * speeds[1], (k, speed)


def test_no_drift_after_release_and_stays_on_terrain(played) -> None:
    roots, worlds, _, heights, c, _ = played
    a, b = roots[-180], roots[-1]
    assert np.hypot(b[0] - a[0], b[2] - a[2]) < DRIFT_M
    assert np.allclose(roots[:, 1], heights, atol=1e-4)
    assert np.isfinite(worlds).all() and np.abs(worlds).max() < 1e3


def test_foot_skating_bound(played) -> None:
    _, worlds, contacts, _, c, _ = played
    feet = [pick_joint(c.skeleton, *names) for pair in FOOT_JOINTS for names in pair]
    skate = foot_skating(worlds[:, feet], contacts, 60.0)
    print(f"foot skating with the default foot lock: {skate:.4f} m/s")
    assert skate < SKATE_M_S, skate


def test_planted_heels_stand_on_the_terrain(played) -> None:
    _, worlds, contacts, _, c, _ = played
    terrain = TERRAIN
    heels = [c.skeleton.index(n) for n in ("LeftFoot", "RightFoot")]
    above = []
    for k, (j, col) in enumerate(zip(heels, (0, 2))):
        down = np.flatnonzero(contacts[:, col])
        down = down[np.isin(down - 4, down)]                  # settled: in contact for the last 4 ticks
        p = worlds[down, j]
        above.append(p[:, 1] - terrain.sample(p[:, 0], p[:, 2]))
    above = np.concatenate(above)
    print(f"planted heels above the terrain: median {np.median(above):.4f} m, range {above.min():.4f}..{above.max():.4f}")
    assert above.size > 100
    want, tol = HEEL_HEIGHT_M
    off = np.abs(above - want)
    print(f"  within 5 mm: {np.mean(off < 0.005):.3f}; 99th percentile off {np.percentile(off, 99):.4f} m")
    assert np.mean(off < 0.005) > 0.95          # the rest: heels lifted where the hip ran out of reach
    assert off.max() < tol, (above.min(), above.max())


def test_a_minute_of_random_play_stays_sane() -> None:
    """8 characters, 60 s of random sticks and buttons over rough terrain, then 5 s released.

    (`neuropuppet play pfnn --headless --seconds 600` runs the long version.)
    """
    n = 8
    c = PFNNController.from_artifact(load_artifact(default_artifact(), device="cpu"), batch_size=n, device="cpu")
    rng = np.random.default_rng(7)
    terrain = HeightField(rng.uniform(0, 0.3, (60, 60)).astype(np.float32), (-150, -150), 5.0)
    pads = torch.zeros(n, GAMEPAD_WIDTH)
    hips_above = []
    for tick in range(60 * 60):
        if tick % 120 == 0:
            pads.zero_()
            pads[:, 0:4] = torch.from_numpy(rng.uniform(-1, 1, (n, 4)).astype(np.float32))
            pads[:, 4:6] = torch.from_numpy((rng.uniform(0, 1, (n, 2)) > 0.7).astype(np.float32))
        pose = c.step(TickInputs(1 / 60, gamepad=pads.clone(), terrain=terrain))
        if tick % 60 == 0:
            arrays = pose.to_numpy()
            world = pose_world_positions(arrays)
            hips_above.append(world[:, 0, 1] - arrays.root_position[:, 1])
    assert pose.is_finite()
    hips = np.array(hips_above)
    assert 0.5 < hips.min() and hips.max() < 1.4, (hips.min(), hips.max())
    assert float(pose.root_position[:, [0, 2]].abs().max()) < 60 * 4.0  # never faster than a run
    released = torch.zeros(n, GAMEPAD_WIDTH)
    for _ in range(120):
        c.step(TickInputs(1 / 60, gamepad=released.clone(), terrain=terrain))
    before = c.state["root_xz"].clone()
    for _ in range(180):
        pose = c.step(TickInputs(1 / 60, gamepad=released.clone(), terrain=terrain))
    assert float((c.state["root_xz"] - before).norm(dim=-1).max()) < DRIFT_M
    ground = terrain.sample(pose.root_position[:, 0].numpy(), pose.root_position[:, 2].numpy())
    assert np.allclose(pose.root_position[:, 1].numpy(), ground, atol=1e-4)
