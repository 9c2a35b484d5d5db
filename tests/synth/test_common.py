"""Shared generator plumbing: clip planning, byte-stable files, skeleton order, every kind runs."""
from __future__ import annotations

import numpy as np
import pytest

from neuropuppet.errors import NeuropuppetError
from neuropuppet.motion.synth import KINDS, generate
from neuropuppet.motion.synth.biped import biped_skeleton
from neuropuppet.motion.synth.common import plan_clips, save_height_field, save_npz
from neuropuppet.motion.synth.gaze import gaze_skeleton
from neuropuppet.motion.synth.quadruped import quadruped_skeleton
from neuropuppet.terrain import HeightField


def test_plan_clips_lengths_and_stability():
    plans = plan_clips("biped", minutes=5, seed=7)
    seconds = np.array([p.frames for p in plans]) / 60
    assert abs(seconds.sum() - 300) < 0.1
    assert seconds.min() >= 10 and seconds.max() <= 70
    assert len({p.seed for p in plans}) == len(plans)
    assert plan_clips("biped", minutes=5, seed=7) == plans
    assert plan_clips("biped", minutes=5, seed=8) != plans


def test_save_npz_is_byte_stable_and_loadable(tmp_path):
    field = HeightField(np.arange(12, dtype=np.float32).reshape(3, 4), (-1.5, 2.0), 0.25)
    a = save_height_field(tmp_path / "a.npz", field)
    b = save_height_field(tmp_path / "b.npz", field)
    assert a.read_bytes() == b.read_bytes()
    back = HeightField.load(a)
    field.save(tmp_path / "ref.npz")
    ref = HeightField.load(tmp_path / "ref.npz")
    np.testing.assert_array_equal(back.heights, ref.heights)
    assert back.origin == ref.origin and back.cell_size == ref.cell_size
    save_npz(tmp_path / "l.npz", x=np.arange(3), s=np.asarray(2.5))
    with np.load(tmp_path / "l.npz") as f:
        assert f["s"].shape == () and f["x"].tolist() == [0, 1, 2]


@pytest.mark.parametrize("skeleton", [biped_skeleton, quadruped_skeleton, gaze_skeleton])
def test_skeletons_are_depth_first(skeleton):
    """BVH lists joints depth-first; our skeletons use the same order so files round-trip by index."""
    skel = skeleton()
    order: list[int] = []

    def visit(j: int) -> None:
        order.append(j)
        for c in skel.children(j):
            visit(c)

    visit(0)
    assert order == list(range(skel.num_joints))


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_deterministic(tmp_path, kind):
    a = generate(kind, tmp_path / "a", minutes=0.05, seed=11, progress=False)
    b = generate(kind, tmp_path / "b", minutes=0.05, seed=11, progress=False)
    assert [p.name for p in a] == [p.name for p in b] and a
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes(), f"{pa.name} differs between runs"


@pytest.mark.parametrize("minutes", [0, -1, float("nan")])
def test_bad_minutes(tmp_path, minutes):
    with pytest.raises(NeuropuppetError, match="minutes"):
        generate("biped", tmp_path, minutes=minutes)
