"""Shared fixtures: half a minute of synthetic quadruped data, a tiny trained MANN."""
from __future__ import annotations

from pathlib import Path

import pytest

from neuropuppet.motion import synth


@pytest.fixture(scope="session")
def quad_data(tmp_path_factory) -> Path:
    """0.5 min of generated quadruped clips (BVH + labels)."""
    folder = tmp_path_factory.mktemp("quad")
    synth.generate("quadruped", folder, 0.5, seed=3, progress=False)
    return folder


def tiny_config(data: Path, **overrides):
    from neuropuppet.trainers.mann import MANNTrainConfig
    cfg = MANNTrainConfig(data=str(data), hidden=32, gate_hidden=8, batch_size=32, learning_rate=1e-3,
                          max_steps=40, eval_every=20, checkpoint_every=40, report_seconds=0.0, holdout=0.3)
    for k, v in overrides.items():
        setattr(cfg, k, v)
    return cfg


@pytest.fixture(scope="session")
def mann_config():
    """tiny_config(data, **overrides): a config for a few-step run."""
    return tiny_config


@pytest.fixture(scope="session")
def tiny_run(quad_data, tmp_path_factory):
    """A 40-step training run on the half minute (result, work dir)."""
    from neuropuppet.trainers.mann import MANNTrainer
    work = tmp_path_factory.mktemp("mannrun")
    result = MANNTrainer(tiny_config(quad_data), workdir=work).run(resume=False, progress=False)
    return result, work
