"""The quadruped generator's ground truth: the textbook walk, the actions (sit, stand = rear up, lie, jump),
a start from standstill that always lifts the paws in the same order, and the dataset's per-gait speeds."""
from __future__ import annotations

import numpy as np
import pytest

from neuropuppet.controllers.mann.quality import measure_ground_truth
from neuropuppet.motion.kinematics import forward_kinematics
from neuropuppet.motion.synth.biped import _intervals
from neuropuppet.motion.synth.quadruped import GAITS, GAIT_NAMES, LEGS, PAW_JOINTS, STATIONARY, generate_clip, quadruped_skeleton


@pytest.fixture(scope="module")
def clips():
    """Three generated minutes: (world joints [T, J, 3], labels) per clip."""
    sk = quadruped_skeleton()
    out = []
    for seed in range(3):
        pos, rot, labels = generate_clip(np.random.default_rng(100 + seed), 3600)
        world, _ = forward_kinematics(sk.parents, pos, rot)
        out.append((world, labels))
    return out


def _pure(labels, name):
    return labels["gait"][:, GAIT_NAMES.index(name)] > 0.99


def test_labels_name_every_gait_and_action_including_lie(clips):
    _, labels = clips[0]
    assert tuple(str(n) for n in labels["gait_names"]) == GAIT_NAMES and "lie" in GAIT_NAMES
    seen = set()
    for _, lab in clips:
        seen |= {n for n in GAIT_NAMES if _pure(lab, n).sum() > 30}
    assert seen == set(GAIT_NAMES)
    for _, lab in clips:
        assert np.allclose(lab["gait"].sum(-1), 1.0, atol=1e-5)
        assert _pure(lab, "idle")[0] and _pure(lab, "idle")[-1]          # clips start and end idle


def test_actions_pose_the_body(clips):
    """Hips height and paws per action: sit and lie lower the hips (lie to ~0.2 m, all paws down), stand rears
    up (head high, front paws in the air, hind paws planted), jump lifts every paw."""
    sk = quadruped_skeleton()
    hips, head = 0, sk.index("Head")
    paws = [sk.index(PAW_JOINTS[leg]) for leg in LEGS]
    world = np.concatenate([w for w, _ in clips])
    lab = {k: np.concatenate([l[k] for _, l in clips]) for k in ("gait", "contacts")}
    pure = {n: lab["gait"][:, GAIT_NAMES.index(n)] > 0.99 for n in GAIT_NAMES}
    idle_hips, idle_head = world[pure["idle"], hips, 1].mean(), world[pure["idle"], head, 1].mean()
    assert world[pure["sit"], hips, 1].mean() < idle_hips - 0.1
    lie = world[pure["lie"]]
    assert abs(lie[:, hips, 1].mean() - 0.2) < 0.03 and lie[:, head, 1].mean() < idle_head - 0.2
    assert lab["contacts"][pure["lie"]].mean() > 0.95 and np.abs(lie[:, paws, 1] - 0.02).max() < 0.02
    rear = world[pure["stand"]]
    assert rear[:, head, 1].mean() > idle_head + 0.2
    assert rear[:, paws[:2], 1].min() > 0.25                                  # front paws up
    assert lab["contacts"][pure["stand"]][:, :2].max() == 0 and lab["contacts"][pure["stand"]][:, 2:].min() == 1
    assert lab["contacts"][pure["jump"]].mean() < 0.2
    assert np.isfinite(world).all()


def test_walk_is_the_lateral_sequence_walk():
    """Ground-truth footfall (paws LF, RF, LH, RH after LH): walk LH 0, LF .25, RH .5, RF .75; trot diagonal,
    pace lateral pairs."""
    truth = measure_ground_truth(("walk", "pace", "trot"), clips=2, seconds=60.0)
    circ = lambda a, b: abs((a - b + 0.5) % 1.0 - 0.5)  # noqa: E731
    for gait, want in {"walk": (0.25, 0.75, 0.0, 0.5), "pace": (0.0, 0.5, 0.0, 0.5),
                       "trot": (0.5, 0.0, 0.0, 0.5)}.items():
        got = truth[gait]["offsets"]
        assert max(circ(g, w) for g, w in zip(got, want)) < 0.05, (gait, got)


def test_every_start_from_standstill_lifts_the_same_paw_first(clips):
    """The phase rests while the dog stands still, so starting to walk (or trot) from rest is one motion."""
    firsts: dict[str, set[int]] = {}
    for _, lab in clips:
        still = lab["gait"][:, [GAIT_NAMES.index(n) for n in STATIONARY]].sum(-1) > 0.99
        for s, e in _intervals(still):
            if e + 1 >= len(still) or s == 0:
                continue
            nxt = GAIT_NAMES[int(np.argmax(lab["gait"][e + 30]))]
            if nxt not in ("walk", "trot"):
                continue
            c = lab["contacts"][e:e + 60].astype(bool)
            lift = [int(np.argmax(~c[:, k])) if (~c[:, k]).any() else 99 for k in range(4)]
            firsts.setdefault(nxt, set()).add(int(np.argmin(lift)))
    assert firsts, "no start from standstill in three minutes"
    for gait, legs in firsts.items():      # one paw, or paws of one pair (the same footfall offset: trot's diagonals)
        assert len({GAITS[gait].offsets[k] for k in legs}) == 1, (gait, legs)


def test_dataset_speeds_are_the_median_speed_of_each_gait(quad_data, mann_config):
    from neuropuppet.trainers.mann.dataset import build_dataset, find_clips
    ds = build_dataset(find_clips(quad_data), mann_config(quad_data))
    for k, g in enumerate(ds.gaits):
        pure = ds.truth["gait"][:, k] > 0.99
        if pure.sum() > 10:
            assert ds.gait_speeds[g] == pytest.approx(float(np.median(ds.truth["speed"][pure])))
    assert ds.gait_speeds["idle"] == 0.0 and ds.gait_speeds["lie"] == 0.0
