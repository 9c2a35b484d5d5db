"""Fixtures for the PFNN tests: a tiny synthetic biped data folder and a random-weight artifact."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from neuropuppet.controllers.pfnn import PFNN, PFNNFeatures, export_pfnn
from neuropuppet.motion.skeleton import Skeleton


@pytest.fixture(scope="session")
def synth_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 1.2 minutes of synthetic biped clips (+ terrain, labels)."""
    from neuropuppet.motion import synth
    out = tmp_path_factory.mktemp("synth_biped")
    synth.generate("biped", out, 1.2, seed=3, progress=False)
    return out


def chain_skeleton(j: int = 31) -> Skeleton:
    rng = np.random.default_rng(0)
    return Skeleton([f"joint{i}" for i in range(j)], [-1] + list(range(j - 1)), rng.uniform(-0.1, 0.1, (j, 3)))


@pytest.fixture(scope="session")
def random_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pfnn artifact with random weights (hidden 64) on a 31-joint chain skeleton."""
    torch.manual_seed(0)
    sk = chain_skeleton()
    f = PFNNFeatures.for_joints(sk.num_joints)
    net = PFNN(f.x_size, f.y_size, hidden=64)
    rest = np.zeros((sk.num_joints, 6), np.float32)
    rest[:, 1] = 0.9
    return export_pfnn(net, sk, tmp_path_factory.mktemp("art") / "pfnn.pt", rest_joints=rest,
                       gait_speeds=[0.0, 1.4, 3.2, 0.8])
