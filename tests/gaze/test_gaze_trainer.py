"""The gaze trainer on tiny data: a few steps train, export and load; the artifact equals the eager network."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet.artifacts import load_artifact
from neuropuppet.controllers.gaze import GazeController
from neuropuppet.errors import ConfigError, MotionDataError
from neuropuppet.trainers.gaze import GazeTrainConfig, GazeTrainer
from neuropuppet.trainers.gaze.dataset import build_dataset, clip_rows


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("gaze_train")
    cfg = GazeTrainConfig(data=str(root / "data"), synth_minutes=1.5, hidden=8, window=30, batch_size=2,
                          max_steps=3, eval_every=2, checkpoint_every=2, report_clips=1, threads=1,
                          velocity_weight=5.0)
    result = GazeTrainer(cfg, workdir=root / "work").run(progress=False)
    return root, cfg, result


def test_a_few_steps_train_export_and_report(trained):
    root, _, _ = trained
    art = root / "work" / "gaze.pt"
    assert art.is_file()
    report = (root / "work" / "report.md").read_text()
    assert "settled_error_deg" in report and "blinks_per_minute" in report


def test_export_equals_eager(trained):
    root, cfg, _ = trained
    art = load_artifact(root / "work" / "gaze.pt", controller="gaze", device="cpu")
    clips = sorted((root / "data").glob("*.bvh"))
    x = torch.from_numpy(clip_rows(clips[0])["x"][:200]).unsqueeze(0)
    from neuropuppet.controllers.gaze.network import GazeNet
    net = GazeNet("lstm", cfg.hidden)
    ck = sorted((root / "work" / "checkpoints").glob("*.pt"))[-1]
    net.load_state_dict(torch.load(ck, weights_only=False)["model"])
    net.eval()
    with torch.no_grad():
        raw, _, _ = net.sequence(x)
        h, c = net.initial_state(1)
        ticks = []
        for t in range(x.shape[1]):
            angles, logit, h, c = art.module(x[:, t], h, c)
            ticks.append(torch.cat([angles, logit], -1))
    eager = torch.cat([net.y_norm.inverse(raw[0, :, :6]), raw[0, :, 6:]], -1)
    torch.testing.assert_close(torch.cat(ticks), eager, atol=1e-5, rtol=1e-5)
    ctl = GazeController.from_artifact(art, batch_size=2, device="cpu")
    assert ctl.recurrent.h.shape == (1, 2, cfg.hidden)


def test_blinks_are_read_from_the_eyelid_joints(trained):
    root, _, _ = trained
    clip = sorted((root / "data").glob("*.bvh"))[0]
    rows = clip_rows(clip)
    labels = np.load(clip.with_name(clip.name[:-4] + ".labels.npz"))
    np.testing.assert_allclose(rows["closure"], labels["blink"], atol=2e-3)
    onsets = np.nonzero(rows["blink_onset"])[0]
    assert len(onsets) == len(labels["blink_onset"])
    assert np.all(np.abs(onsets - labels["blink_onset"]) <= 1)


def test_bad_config_and_data_are_clear(tmp_path):
    with pytest.raises(ConfigError, match="kind"):
        GazeTrainer(GazeTrainConfig(kind="transformer"), workdir=tmp_path)
    with pytest.raises(ConfigError, match="hidden"):
        GazeTrainer(GazeTrainConfig(hidden=0), workdir=tmp_path)
    with pytest.raises(ConfigError, match="velocity_weight"):
        GazeTrainer(GazeTrainConfig(velocity_weight=-1.0), workdir=tmp_path)
    with pytest.raises(ConfigError, match="cold_start"):
        GazeTrainer(GazeTrainConfig(cold_start=1.5), workdir=tmp_path)
    from neuropuppet.motion.synth import generate
    bvh = next(p for p in generate("biped", tmp_path, minutes=0.05, seed=1, progress=False) if p.suffix == ".bvh")
    with pytest.raises(MotionDataError, match="LeftEyelid"):
        build_dataset([bvh])
