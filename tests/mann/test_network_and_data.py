"""MANN's dataset layout, normalisation, gating, expert blending and export."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.controllers.mann import MANN, MANNFeatures
from neuropuppet.errors import ConfigError, MotionDataError
from neuropuppet.nn import Normalisation
from neuropuppet.trainers.mann import MANNTrainer
from neuropuppet.trainers.mann.dataset import build_dataset, find_clips


def test_layout_sizes_and_gating_columns():
    f = MANNFeatures.build(27, ("idle", "walk", "pace", "trot", "canter", "sit", "stand", "jump"), (11, 15, 22, 26))
    assert f.x_size == 12 * (2 + 2 + 2 + 1 + 8) + 27 * 12 == 504
    assert f.y_size == 3 + 4 + 6 * 6 + 27 * 12 == 367
    cols = f.gate_columns()
    assert len(cols) == 4 * 3 + 1 + 8
    assert cols[0] == f.x.start("joint_vel") + 3 * 11
    assert cols[12] == f.x.start("traj_speed") + 6


def test_dataset_rows_match_labels_and_normalise_round_trip(quad_data, mann_config):
    cfg = mann_config(quad_data)
    ds = build_dataset(find_clips(quad_data), cfg)
    f = ds.features
    assert ds.X.shape == (len(ds), f.x_size) and ds.Y.shape == (len(ds), f.y_size)
    assert np.isfinite(ds.X).all() and np.isfinite(ds.Y).all()
    # the current trajectory sample sits at the root: position 0, facing +Z
    now = f.x.view(ds.X, "traj_pos")[:, 6]
    assert np.abs(now).max() < 1e-5
    assert np.allclose(f.x.view(ds.X, "traj_dir")[:, 6], [0.0, 1.0], atol=1e-5)
    # contacts in y are the labels' contacts; gait weights in x the labels' gaits (of the previous frame)
    assert np.array_equal(ds.Y[:, f.y["contacts"]], ds.truth["contacts"])
    x = torch.from_numpy(ds.X[:50])
    stats = Normalisation.from_data(ds.X, f.x)
    assert torch.allclose(stats.inverse(stats(x)), x, atol=1e-4)


def test_gating_sums_to_one_and_one_hot_equals_one_expert():
    torch.manual_seed(0)
    f = MANNFeatures.build(27, tuple("abcdefgh"), (11, 15, 22, 26))
    net = MANN(f.x_size, f.y_size, f.gate_columns(), hidden=16).eval()
    x = torch.randn(5, f.x_size)
    _, coeff = net(x)
    assert coeff.shape == (5, 8) and torch.allclose(coeff.sum(-1), torch.ones(5), atol=1e-6)
    assert (coeff > 0).all()
    k = 3
    one_hot = torch.zeros(5, 8)
    one_hot[:, k] = 1.0
    xn = net.x_norm(x)
    h = xn
    for i, layer in enumerate(net.motion.layers):
        h = h @ layer.expert_weight(k) + layer.bias[k]
        if i < 2:
            h = torch.nn.functional.elu(h)
    assert torch.allclose(net.motion(xn, one_hot), h, atol=1e-5)


def test_export_equals_eager(tiny_run):
    result, work = tiny_run
    art = load_artifact(work / "mann.pt", controller="mann")
    model = result.model.eval()
    x = torch.randn(7, art.metadata.inputs["x"][1])
    with torch.no_grad():
        y0, c0 = model(x)
        y1, c1 = art.module(x)
    assert torch.allclose(y0, y1, atol=1e-5) and torch.allclose(c0, c1, atol=1e-6)
    assert art.metadata.extra["feet"] == ["LeftHandPaw", "RightHandPaw", "LeftFootPaw", "RightFootPaw"]


def test_short_training_lowers_validation_loss(tiny_run):
    result, _ = tiny_run
    history = result.metrics["history"]
    assert history[-1]["val_loss"] < 0.9 * history[0]["val_loss"]


def test_bvh_without_the_configured_feet_is_a_clear_error(quad_data, mann_config):
    cfg = mann_config(quad_data, feet=["LeftPaw", "RightHand", "LeftFoot", "RightFoot"])
    with pytest.raises(MotionDataError, match="LeftPaw"):
        build_dataset(find_clips(quad_data)[:1], cfg)


def test_labels_of_another_length_are_a_clear_error(quad_data, tmp_path, mann_config):
    clip = find_clips(quad_data)[0]
    shutil.copy(clip, tmp_path / clip.name)
    labels = dict(np.load(clip.with_name(clip.name[:-4] + ".labels.npz")))
    np.savez(tmp_path / (clip.name[:-4] + ".labels.npz"), **{k: v[:-30] if v.ndim else v for k, v in labels.items()})
    with pytest.raises(MotionDataError, match="labels have"):
        build_dataset([tmp_path / clip.name], mann_config(tmp_path))


@pytest.mark.parametrize("override, message", [({"hidden": 0}, "hidden"), ({"idle_gait": "nap"}, "idle_gait"),
                                               ({"feet": ["LeftHand", "LeftHand"]}, "twice"),
                                               ({"keep_prob": 0.0}, "keep_prob")])
def test_bad_config_is_a_clear_error(quad_data, tmp_path, mann_config, override, message):
    with pytest.raises(ConfigError, match=message):
        MANNTrainer(mann_config(quad_data, **override), workdir=tmp_path)
