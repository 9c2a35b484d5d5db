"""Biped generator: foot planting, bone lengths, gait cycle, terrain contact, files and determinism."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuropuppet.errors import NeuropuppetError
from neuropuppet.motion.bvh import read_bvh
from neuropuppet.motion.synth import KINDS, generate
from neuropuppet.motion.synth.biped import ANKLE_HEIGHT, TOE_HEIGHT, biped_skeleton
from neuropuppet.terrain import HeightField

MOCAP = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mocap"
FEET = {"LeftFoot": 0, "LeftToeBase": 1, "RightFoot": 2, "RightToeBase": 3}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    out = tmp_path_factory.mktemp("biped")
    paths = generate("biped", out, minutes=0.4, seed=3, progress=False)
    bvh = next(p for p in paths if p.suffix == ".bvh")
    stem = bvh.name[:-4]
    motion = read_bvh(bvh)
    labels = dict(np.load(out / f"{stem}.labels.npz"))
    terrain = HeightField.load(out / f"{stem}.terrain.npz")
    return paths, motion, labels, terrain


def test_writes_bvh_terrain_and_labels(clip):
    paths, motion, labels, _ = clip
    suffixes = sorted("".join(p.suffixes) for p in paths)
    assert suffixes == [".bvh", ".labels.npz", ".terrain.npz"]
    assert motion.num_frames == 24 * 60
    assert abs(motion.fps - 60) < 1e-6
    T = motion.num_frames
    assert labels["gait"].shape == (T, 6) and labels["contacts"].shape == (T, 4)
    assert labels["root_velocity"].shape == (T, 2) and labels["facing"].shape == (T, 2)
    np.testing.assert_allclose(labels["gait"].sum(1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(labels["facing"], axis=1), 1.0, atol=1e-5)


def test_skeleton_is_cmu_like():
    skel = biped_skeleton()
    assert skel.num_joints == 31
    if MOCAP.exists():
        cmu = read_bvh(MOCAP / "cmu_02_01_walk.bvh")
        assert skel.names == cmu.skeleton.names
        assert np.array_equal(skel.parents, cmu.skeleton.parents)
    else:
        print(f"CMU files absent at {MOCAP}: compared joint count only")
    from neuropuppet.motion.synth._quat import forward_kinematics, identity
    _, world = forward_kinematics(skel.parents, skel.offsets[None].astype(float), identity(1, 31))
    height = world[0, skel.index("Head"), 1] + skel.end_sites[skel.index("Head")][1] - (
        world[0, skel.index("LeftFoot"), 1] - ANKLE_HEIGHT)
    assert 1.6 < height < 1.85


def test_feet_do_not_slide_during_contact(clip):
    _, motion, labels, _ = clip
    world = motion.world_positions()
    for name, column in FEET.items():
        foot = world[:, motion.skeleton.index(name), :]
        down = labels["contacts"][1:, column] & labels["contacts"][:-1, column]
        assert down.mean() > 0.2, f"{name} is hardly ever in contact"
        speed = np.linalg.norm(np.diff(foot[:, [0, 2]], axis=0), axis=1) * motion.fps
        assert speed[down].mean() < 0.01, f"{name} slides {speed[down].mean():.4f} m/s in contact"
        assert np.percentile(speed[down], 99) < 0.005 and speed[down].max() < 0.05
        swing_speed = speed[~labels["contacts"][1:, column]].mean()
        assert swing_speed > 0.5, "feet should move between contacts"


def test_bone_lengths_constant(clip):
    _, motion, _, _ = clip
    world = motion.world_positions()
    parents = motion.skeleton.parents
    lengths = np.linalg.norm(world[:, 1:] - world[:, parents[1:]], axis=-1)
    rest = np.linalg.norm(motion.skeleton.offsets[1:], axis=-1)
    assert np.abs(lengths - rest).max() < 1e-3


def test_phase_is_cyclic_and_monotone(clip):
    _, _, labels, _ = clip
    phase = labels["phase"].astype(np.float64)
    assert phase.min() >= 0 and phase.max() < 2 * np.pi
    step = np.mod(np.diff(phase), 2 * np.pi)
    assert (step > 0).all() and (step < 0.5).all()
    wraps = int((np.diff(phase) < 0).sum())
    assert wraps >= 10  # ~24 s at 0.7-1.6 cycles per second
    left_strikes = np.nonzero(np.diff(labels["contacts"][:, 1].astype(int)) == 1)[0] + 1
    right_strikes = np.nonzero(np.diff(labels["contacts"][:, 3].astype(int)) == 1)[0] + 1
    # left foot lands near phase 0, right foot near pi
    left_err = np.angle(np.exp(1j * phase[left_strikes]))
    right_err = np.angle(np.exp(1j * (phase[right_strikes] - np.pi)))
    assert np.median(np.abs(left_err)) < 0.3 and np.median(np.abs(right_err)) < 0.3


def test_stance_rests_on_terrain(clip):
    _, motion, labels, terrain = clip
    world = motion.world_positions()
    assert np.ptp(terrain.heights) > 0.1, "terrain should not be flat"
    for name, column, height in (("LeftToeBase", 1, TOE_HEIGHT), ("RightToeBase", 3, TOE_HEIGHT),
                                 ("LeftFoot", 0, ANKLE_HEIGHT), ("RightFoot", 2, ANKLE_HEIGHT)):
        p = world[labels["contacts"][:, column], motion.skeleton.index(name)]
        gap = p[:, 1] - height - terrain.sample(p[:, 0], p[:, 2])
        assert gap.min() > -0.02, f"{name} sinks {gap.min():.3f} m into the ground"
        assert np.median(gap) < 0.02, f"{name} floats {np.median(gap):.3f} m above the ground"


def test_gaits_and_commands_vary(clip):
    _, motion, labels, _ = clip
    used = labels["gait"].max(0)
    assert (used[[0, 1, 2, 3]] > 0.99).sum() >= 3, "expected several gaits in 24 s"
    speed = np.linalg.norm(labels["root_velocity"], axis=1)
    assert speed.max() > 1.5 and speed.min() < 0.05
    # root actually follows the commanded velocity
    root = motion.positions[:, 0, [0, 2]]
    actual = np.diff(root, axis=0) * motion.fps
    assert np.abs(actual - labels["root_velocity"][:-1]).mean() < 0.05
    # the gait weights change smoothly (blended over ~0.4 s, so < 0.1 per frame)
    assert np.abs(np.diff(labels["gait"], axis=0)).max() < 0.1


def test_deterministic_bytes(tmp_path):
    a = generate("biped", tmp_path / "a", minutes=0.1, seed=5, progress=False)
    b = generate("biped", tmp_path / "b", minutes=0.1, seed=5, progress=False)
    c = generate("biped", tmp_path / "c", minutes=0.1, seed=6, progress=False)
    assert [p.name for p in a] == [p.name for p in b]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), pa.name
    assert a[0].read_bytes()[-2000:] != c[0].read_bytes()[-2000:]


def test_unknown_kind_lists_kinds(tmp_path):
    with pytest.raises(NeuropuppetError) as err:
        generate("dragon", tmp_path, minutes=0.1)
    for kind in KINDS:
        assert kind in str(err.value)


def test_shared_dataset_tools_agree_with_labels(clip):
    """What trainers compute from the motion (contacts, phase, skating) matches the labels."""
    from neuropuppet.motion import dataset, metrics

    _, motion, labels, terrain = clip
    world = motion.world_positions()
    feet = [motion.skeleton.index(n) for n in FEET]
    assert metrics.foot_skating(world[:, feet], labels["contacts"], motion.fps) < 0.01
    detected = dataset.foot_contacts(world, feet, motion.fps, ground=terrain,
                                     height_threshold=0.12, velocity_threshold=0.3)
    agreement = (detected == labels["contacts"]).mean(0)
    assert agreement[[1, 3]].min() > 0.9, f"toe contact agreement {agreement}"
    phase = dataset.phase_from_contacts(labels["contacts"][:, 0], labels["contacts"][:, 2], motion.fps)
    error = np.abs(np.angle(np.exp(1j * (phase - labels["phase"]))))
    assert np.median(error) < 0.2
