"""Dataset layout, labels, mirroring and the normalisation round trip."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuropuppet.controllers.pfnn.features import PFNNFeatures
from neuropuppet.errors import MotionDataError
from neuropuppet.trainers.pfnn.dataset import (PFNNDataset, block_normalisation, build_dataset, find_clips,
                                               load_clip, mirror_clip)


def test_layout_sizes_match_the_paper() -> None:
    f = PFNNFeatures.for_joints(31)
    assert (f.x_size, f.y_size) == (342, 311)
    starts = sorted(s.start for s in f.x.blocks.values())
    assert starts[0] == 0 and all(b.stop == a.start for b, a in zip(list(f.x.blocks.values()), list(f.x.blocks.values())[1:]))


def test_synthetic_dataset_layout(synth_folder: Path, tmp_path: Path) -> None:
    paths = find_clips(synth_folder)
    ds = build_dataset(paths, mirror=True)
    f = PFNNFeatures.for_joints(ds.skeleton.num_joints)
    assert ds.X.shape[1] == f.x_size and ds.Y.shape[1] == f.y_size
    assert len(ds.clips) == 2 * len(paths) and any(c.endswith("_mirror") for c in ds.clips)
    assert np.isfinite(ds.X).all() and np.isfinite(ds.Y).all()
    assert ((ds.phase >= 0) & (ds.phase < 1)).all()
    # the current trajectory sample sits at the root, facing +Z
    pos = ds.X[:, f.x["traj_pos"]].reshape(-1, 12, 2)
    dirs = ds.X[:, f.x["traj_dir"]].reshape(-1, 12, 2)
    assert np.abs(pos[:, 6]).max() < 1e-5
    assert np.allclose(dirs[:, 6], [0.0, 1.0], atol=1e-4)
    # gait weights are the labels' (sum to one), contacts are 0/1
    assert np.allclose(ds.X[:, f.x["traj_gait"]].reshape(-1, 12, 6).sum(-1), 1.0, atol=1e-3)
    assert set(np.unique(ds.Y[:, f.y["contacts"]])) <= {0.0, 1.0}
    # hips ride about a metre above the ground in the root frame
    hips_y = ds.Y[:, f.y["joint_pos"]][:, 1]
    assert 0.5 < np.median(hips_y) < 1.3
    # save / load round trip
    ds.save(tmp_path / "d.npz")
    back = PFNNDataset.load(tmp_path / "d.npz")
    assert np.array_equal(back.X, ds.X) and back.clips == ds.clips and back.skeleton.same_topology(ds.skeleton)


def test_mirror_reflects_root_motion(synth_folder: Path) -> None:
    clip = load_clip(find_clips(synth_folder)[0])
    m = mirror_clip(clip)
    f = PFNNFeatures.for_joints(clip.skeleton.num_joints)
    from neuropuppet.trainers.pfnn.dataset import clip_rows
    _, y, _ = clip_rows(clip, f)
    _, ym, _ = clip_rows(m, f)
    assert np.allclose(ym[:, 0], -y[:, 0], atol=2e-3)   # sideways velocity flips
    assert np.allclose(ym[:, 1], y[:, 1], atol=2e-3)    # forward velocity stays
    assert np.allclose(ym[:, 2], -y[:, 2], atol=2e-3)   # turning flips


def test_normalisation_round_trip_and_block_std() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(size=(500, 10)) * np.arange(1, 11) + 3.0
    blocks = [("a", slice(0, 4)), ("b", slice(4, 10))]
    mean, std = block_normalisation(data, blocks, {"b": 0.5})
    assert np.allclose(std[:4], data[:, :4].std(0).mean(), rtol=1e-5)
    assert np.allclose(std[4:], data[:, 4:].std(0).mean() / 0.5, rtol=1e-5)
    back = ((data - mean) / std) * std + mean
    assert np.allclose(back, data, atol=1e-4)


def test_cmu_walk_goes_through_builder(shared_mocap: Path) -> None:
    ds = build_dataset([shared_mocap / "cmu_02_01_walk.bvh"], mirror=True)
    f = PFNNFeatures.for_joints(31)
    assert ds.X.shape[1] == 342 and ds.Y.shape[1] == 311 and len(ds) > 50
    speed = np.linalg.norm(ds.Y[:, 0:2], axis=-1) * 60.0
    assert 0.6 < np.median(speed) < 2.5           # a walk, in metres per second (CMU units converted)
    assert np.median(ds.Y[:, 1]) > 0                # forward is +Z in the root frame
    assert np.isfinite(ds.X).all() and np.isfinite(ds.Y).all()
    assert 0.7 < ds.Y[:, f.y["joint_pos"]][:, 1].mean() < 1.3


def test_bad_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MotionDataError, match="no .bvh"):
        find_clips(tmp_path)
    (tmp_path / "broken.bvh").write_text("HIERARCHY\nROOT Hips\n{\n")
    with pytest.raises(MotionDataError, match="broken.bvh"):
        load_clip(tmp_path / "broken.bvh")
