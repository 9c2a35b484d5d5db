"""Gaze generator: main sequence, head recruitment, blinks, fixation on targets."""
from __future__ import annotations

import numpy as np
import pytest

from neuropuppet.motion.bvh import read_bvh
from neuropuppet.motion.synth import generate
from neuropuppet.motion.synth.gaze import HEAD_FREE_DEG


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    out = tmp_path_factory.mktemp("gaze")
    paths = generate("gaze", out, minutes=0.5, seed=2, progress=False)
    bvh = next(p for p in paths if p.suffix == ".bvh")
    motion = read_bvh(bvh)
    labels = dict(np.load(bvh.with_name(bvh.name[:-4] + ".labels.npz")))
    return motion, labels


def _eye_direction(motion, name):
    _, rot = motion.world()
    q = rot[:, motion.skeleton.index(name)].astype(np.float64)
    w, x, y, z = q[:, 0], q[:, 1], q[:, 2], q[:, 3]
    # third column of the rotation matrix: where local +Z points
    return np.stack([2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)], -1)


def test_main_sequence_from_motion(session):
    motion, labels = session
    onset, amp = labels["saccade_onset"], labels["saccade_amplitude"]
    assert len(onset) >= 8
    d = _eye_direction(motion, "LeftEye")
    speed = np.degrees(np.arccos(np.clip(np.sum(d[1:] * d[:-1], -1), -1, 1))) * motion.fps
    peak = np.array([speed[o:o + 10].max() for o in onset])
    small, large = amp < np.median(amp), amp >= np.median(amp)
    assert peak[large].mean() > peak[small].mean(), "peak eye velocity should grow with amplitude"
    assert np.corrcoef(amp, labels["saccade_duration"])[0, 1] > 0.99
    # labelled peak velocity saturates: gains per degree shrink with amplitude
    order = np.argsort(amp)
    v, a = labels["saccade_peak_velocity"][order], amp[order]
    assert (np.diff(v) >= -1e-3).all()
    assert v[-1] / a[-1] < v[0] / a[0]
    np.testing.assert_allclose(labels["saccade_duration"], 0.021 + 0.0022 * amp, rtol=1e-5)


def test_head_joins_large_shifts(session):
    motion, labels = session
    head = _eye_direction(motion, "Head")
    yaw = np.degrees(np.arctan2(head[:, 0], head[:, 2]))
    onset, amp = labels["saccade_onset"], labels["saccade_amplitude"]
    moves = np.array([abs(yaw[min(o + 40, len(yaw) - 1)] - yaw[o]) for o in onset])
    small = amp < HEAD_FREE_DEG * 0.8
    large = amp > 2 * HEAD_FREE_DEG
    assert large.any() and small.any()
    assert moves[large].mean() > 5 * max(moves[small].mean(), 0.5)


def test_eyes_fixate_target_between_saccades(session):
    motion, labels = session
    d = _eye_direction(motion, "LeftEye")
    world = motion.world_positions()
    eye = world[:, motion.skeleton.index("LeftEye")]
    to_target = labels["target"] - eye
    to_target /= np.linalg.norm(to_target, axis=1, keepdims=True)
    err = np.degrees(np.arccos(np.clip(np.sum(d * to_target, -1), -1, 1)))
    fixating = ~labels["saccade"]
    assert np.median(err[fixating]) < 3.0


def test_blinks(session):
    motion, labels = session
    closed = labels["blink"] > 0.5
    starts = int((np.diff(closed.astype(int)) == 1).sum())
    rate = starts / (motion.num_frames / motion.fps / 60)
    assert 5 <= rate <= 35
    assert labels["blink"].max() > 0.9 and labels["blink"].min() >= 0


def test_eyelids_are_joints_whose_rotation_is_the_closure(session):
    motion, labels = session
    from neuropuppet.motion.synth.gaze import EYELID_CLOSED_DEG
    for lid in ("LeftEyelid", "RightEyelid"):
        q = motion.rotations[:, motion.skeleton.index(lid)].astype(np.float64)
        angle = np.degrees(2 * np.arctan2(q[:, 1], q[:, 0]))
        np.testing.assert_allclose(angle / EYELID_CLOSED_DEG, labels["blink"], atol=2e-3)
    assert len(labels["blink_onset"]) >= 2


def test_same_seed_same_bytes(tmp_path):
    a = generate("gaze", tmp_path / "a", minutes=0.4, seed=5, progress=False)
    b = generate("gaze", tmp_path / "b", minutes=0.4, seed=5, progress=False)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    c = generate("gaze", tmp_path / "c", minutes=0.4, seed=6, progress=False)
    assert a[0].read_bytes() != c[0].read_bytes()


def test_people_differ_bodies_turn_and_near_targets_verge(tmp_path):
    from neuropuppet.motion.synth.gaze import simulate
    paths = generate("gaze", tmp_path, minutes=4, seed=3, progress=False)
    labels = [dict(np.load(p)) for p in paths if p.name.endswith(".labels.npz")]
    assert len({float(l["blinks_per_minute"]) for l in labels}) == len(labels) > 3
    assert len({float(l["head_free_deg"]) for l in labels}) == len(labels)
    body = np.concatenate([l["body_yaw"] for l in labels])
    assert np.abs(body).max() > 60, "targets behind should turn the body"
    # a scripted near target makes the eyes verge; a far one barely
    near = np.tile([0.0, 0.0, 0.3], (120, 1))
    far = np.tile([0.0, 0.0, 5.0], (120, 1))
    _, rot_near, _ = simulate(np.random.default_rng(0), near)
    _, rot_far, _ = simulate(np.random.default_rng(0), far)

    def yaw(q):
        w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
        return np.degrees(np.arctan2(2 * (x * z + w * y), 1 - 2 * (x * x + y * y)))
    v_near = yaw(rot_near[-1, 6]) - yaw(rot_near[-1, 5])
    v_far = yaw(rot_far[-1, 6]) - yaw(rot_far[-1, 5])
    assert v_near > 8 > 2 > v_far > 0
