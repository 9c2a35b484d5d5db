"""A small recurrent controller with a real artifact, used by the runtime tests."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

import neuropuppet as npp
from neuropuppet.ports import GAMEPAD
from neuropuppet.artifacts import ArtifactMetadata, save_artifact

SKELETON = npp.Skeleton(("root", "a", "b"), np.array([-1, 0, 1]), np.array([[0, 1, 0], [0, 0.5, 0], [0, 0.5, 0]]))


class ToyNet(torch.nn.Module):
    """x [N, 21 + 8] -> (velocity [N, 2], joint angles [N, 3], new hidden [N, 8])."""

    def __init__(self) -> None:
        super().__init__()
        self.cell = torch.nn.GRUCell(21, 8)
        self.head = torch.nn.Linear(8, 5)

    def forward(self, pad: torch.Tensor, hidden: torch.Tensor):
        h = self.cell(pad, hidden)
        out = self.head(h)
        return out[:, :2] + pad[:, :2], torch.tanh(out[:, 2:]), h


def toy_metadata() -> ArtifactMetadata:
    return ArtifactMetadata("toy", "1.0", {"pad": [-1, 21], "hidden": [-1, 8]},
                            {"velocity": [-1, 2], "angles": [-1, 3], "hidden": [-1, 8]},
                            skeleton=SKELETON.to_dict())


def make_toy_artifact(path: Path, seed: int = 0) -> Path:
    torch.manual_seed(seed)
    return save_artifact(ToyNet(), path, toy_metadata())


class ToyController:
    name = "toy"
    api_version = npp.PLUGIN_API_VERSION
    inputs = (GAMEPAD,)
    outputs = ()
    description = "test controller: a GRU drives the root and three joints"
    artifact_path: Path | None = None

    def __init__(self, artifact, batch_size, device):
        self.net = artifact
        self.skeleton = npp.Skeleton.from_dict(artifact.metadata.skeleton)
        self.batch_size, self.device = batch_size, device
        self.hidden = torch.zeros(batch_size, 8, device=device)
        self.pose = npp.PoseBatch.rest(self.skeleton, batch_size, device)

    @classmethod
    def default_artifact(cls):
        return cls.artifact_path

    @classmethod
    def from_artifact(cls, artifact, *, batch_size=1, device=None, **options: Any):
        return cls(artifact, batch_size, torch.device(device or "cpu"))

    def reset(self, indices: Sequence[int] | None = None) -> None:
        self.hidden.zero_()

    def step(self, inputs):
        vel, ang, self.hidden = self.net(inputs.gamepad, self.hidden)
        self.pose.root_position[:, 0::2] += vel * inputs.dt
        half = 0.5 * ang
        self.pose.local_rotations[:, :, 0] = torch.cos(half)
        self.pose.local_rotations[:, :, 3] = torch.sin(half)
        return self.pose
