"""Quadruped generator: footfall pattern per gait, planted paws, files."""
from __future__ import annotations

import numpy as np
import pytest

from neuropuppet.motion.bvh import read_bvh
from neuropuppet.motion.synth import generate
from neuropuppet.motion.synth.quadruped import GAIT_NAMES, GAITS, LEGS, _LEG_JOINTS, quadruped_skeleton


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    out = tmp_path_factory.mktemp("quad")
    paths = generate("quadruped", out, minutes=1.0, seed=1, progress=False)
    result = []
    for bvh in sorted(p for p in paths if p.suffix == ".bvh"):
        labels = dict(np.load(bvh.with_name(bvh.name[:-4] + ".labels.npz")))
        result.append((read_bvh(bvh), labels))
    return result


def test_skeleton_shape():
    skel = quadruped_skeleton()
    assert 25 <= skel.num_joints <= 31
    for leg in LEGS:
        chain = _LEG_JOINTS[leg]
        assert skel.parents[skel.index(chain[1])] == skel.index(chain[0])


def _touchdown_fractions(labels, gait: str) -> dict[str, np.ndarray]:
    pure = labels["gait"][:, GAIT_NAMES.index(gait)] > 0.999
    cycle = labels["phase"] / (2 * np.pi)
    out = {}
    for k, leg in enumerate(LEGS):
        c = labels["contacts"][:, k].astype(int)
        down = np.nonzero((np.diff(c) == 1) & pure[1:])[0] + 1
        out[leg] = cycle[down]
    return out


@pytest.mark.parametrize("gait", ["walk", "pace", "trot", "canter"])
def test_footfall_offsets_match_gait(clips, gait):
    expected = np.array(GAITS[gait].offsets)
    checked = 0
    for _, labels in clips:
        fractions = _touchdown_fractions(labels, gait)
        if min(len(f) for f in fractions.values()) < 2:
            continue
        for k, leg in enumerate(LEGS):
            err = np.angle(np.exp(2j * np.pi * (fractions[leg] - expected[k])))  # radians of cycle
            assert np.median(np.abs(err)) < 0.35, f"{gait}: {leg} lands at {np.median(fractions[leg]):.2f}, expected {expected[k]}"
        checked += 1
    assert checked > 0, f"no pure {gait} stretch in a minute of data"
    # the patterns differ: trot pairs diagonals, pace pairs laterals, walk has four beats
    if gait == "trot":
        assert expected[0] == expected[3] and expected[1] == expected[2]
    if gait == "pace":
        assert expected[0] == expected[2] and expected[1] == expected[3]
    if gait == "walk":
        assert len(set(expected)) == 4


def test_paws_planted_and_all_down_when_still(clips):
    for motion, labels in clips:
        world = motion.world_positions()
        for k, leg in enumerate(LEGS):
            paw = world[:, motion.skeleton.index(_LEG_JOINTS[leg][2])]
            down = labels["contacts"][1:, k] & labels["contacts"][:-1, k]
            speed = np.linalg.norm(np.diff(paw[:, [0, 2]], axis=0), axis=1) * motion.fps
            assert speed[down].mean() < 0.005 and np.percentile(speed[down], 99) < 0.01
        # one still pose (idle, sit, lie: between them the paws step to their new places)
        still = labels["gait"][:, [GAIT_NAMES.index(g) for g in ("idle", "sit", "lie")]].max(1) > 0.999
        still &= labels["speed"] < 0.01
        settled = np.convolve(still, np.ones(18), mode="full")[:len(still)] >= 18  # still for 0.3 s
        assert settled.any() and labels["contacts"][settled].all()
        rear = labels["gait"][:, GAIT_NAMES.index("stand")] > 0.999         # stand = reared up on the hind paws
        assert labels["contacts"][rear][:, 2:].all() and not labels["contacts"][rear][:, :2].any()
        jump = labels["gait"][:, GAIT_NAMES.index("jump")] > 0.999
        if jump.any():
            assert not labels["contacts"][jump].all(axis=1).any(), "a jump has flight frames"
