"""Controller plugin: batching, reset, bad input, terrain, export checks (random weights)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from neuropuppet.artifacts import ArtifactMetadata, load_artifact, save_artifact
from neuropuppet.channels import GAMEPAD_WIDTH, TickInputs
from neuropuppet.controller import Controller, missing_controller_attributes
from neuropuppet.controllers.pfnn import PFNNController
from neuropuppet.errors import ArtifactError, InputError
from neuropuppet.terrain import HeightField

from neuropuppet.motion.skeleton import Skeleton


def chain_skeleton(j: int) -> Skeleton:
    return Skeleton([f"joint{i}" for i in range(j)], [-1] + list(range(j - 1)), np.full((j, 3), 0.05))


def make(random_artifact: Path, n: int = 1, **kw) -> PFNNController:
    return PFNNController.from_artifact(load_artifact(random_artifact, device="cpu"), batch_size=n, device="cpu", **kw)


def test_plugin_protocol(random_artifact: Path) -> None:
    assert missing_controller_attributes(PFNNController) == []
    c = make(random_artifact)
    assert isinstance(c, Controller)
    assert c.name == "pfnn" and [s.name for s in c.inputs] == ["gamepad", "camera_yaw", "terrain"]
    assert {o.name for o in c.outputs} == {"contacts", "trajectory", "phase"} and c.default_modifiers == ("foot_lock",)


def test_batch_equals_single_characters(random_artifact: Path) -> None:
    pads = torch.zeros(3, GAMEPAD_WIDTH)
    pads[0, 1] = 1.0
    pads[1, 0] = -0.7
    pads[2, 5] = 1.0
    batch = make(random_artifact, 3)
    singles = [make(random_artifact, 1) for _ in range(3)]
    terrain = HeightField(np.random.default_rng(1).uniform(0, 0.4, (20, 20)).astype(np.float32), (-10, -10), 1.0)
    for _ in range(30):
        pb = batch.step(TickInputs(1 / 60, gamepad=pads.clone(), terrain=terrain)).clone()
        ps = [s.step(TickInputs(1 / 60, gamepad=pads[i:i + 1].clone(), terrain=terrain)).clone() for i, s in enumerate(singles)]
    for i in range(3):
        assert torch.allclose(pb.root_position[i], ps[i].root_position[0], atol=1e-4)
        assert torch.allclose(pb.local_rotations[i], ps[i].local_rotations[0], atol=1e-4)


def test_bad_sticks_never_give_nan(random_artifact: Path) -> None:
    c = make(random_artifact, 4)
    pads = torch.tensor([[float("nan")] * GAMEPAD_WIDTH, [1e30] * GAMEPAD_WIDTH, [-1e30] * GAMEPAD_WIDTH,
                         [float("inf")] * GAMEPAD_WIDTH])
    for _ in range(100):
        pose = c.step(TickInputs(1 / 60, gamepad=pads.clone()))
    assert pose.is_finite()
    q = pose.local_rotations.norm(dim=-1)
    assert torch.allclose(q, torch.ones_like(q), atol=1e-4)


def test_terrain_outside_the_field_is_clamped(random_artifact: Path) -> None:
    c = make(random_artifact, 1)
    field = HeightField(np.full((4, 4), 2.5, np.float32), (0.0, 0.0), 1.0)
    c.place(np.array([[500.0, -500.0]]))
    pose = c.step(TickInputs(1 / 60, gamepad=torch.zeros(1, GAMEPAD_WIDTH), terrain=field))
    assert pose.is_finite()
    assert abs(float(pose.root_position[0, 1]) - 2.5) < 1e-5  # stands on the border height


def test_wrong_gamepad_shape_is_an_input_error(random_artifact: Path) -> None:
    c = make(random_artifact, 2)
    with pytest.raises(InputError, match="gamepad"):
        c.step(TickInputs(1 / 60, gamepad=torch.zeros(3, GAMEPAD_WIDTH)))


def test_reset_puts_characters_back(random_artifact: Path) -> None:
    c = make(random_artifact, 2)
    pads = torch.zeros(2, GAMEPAD_WIDTH)
    pads[:, 1] = 1.0
    for _ in range(20):
        c.step(TickInputs(1 / 60, gamepad=pads.clone()))
    moved = c.state["root_xz"].clone()
    c.reset([1])
    assert torch.equal(c.state["root_xz"][0], moved[0])
    assert torch.equal(c.state["root_xz"][1], torch.zeros(2))


def test_artifact_of_another_controller_is_refused(random_artifact: Path, tmp_path: Path) -> None:
    meta = ArtifactMetadata(controller="mann", controller_version="1", inputs={"x": [-1, 4]}, outputs={"y": [-1, 4]})
    path = save_artifact(torch.nn.Linear(4, 4), tmp_path / "mann.pt", meta)
    with pytest.raises(ArtifactError, match="mann"):
        PFNNController.from_artifact(load_artifact(path, device="cpu"), device="cpu")


def test_skeleton_mismatch_is_refused(random_artifact: Path) -> None:
    with pytest.raises(ArtifactError, match="skeleton"):
        make(random_artifact, skeleton=chain_skeleton(20))


def test_unknown_mode_is_an_input_error(random_artifact: Path) -> None:
    with pytest.raises(InputError, match="mode"):
        make(random_artifact, mode="fastest")
