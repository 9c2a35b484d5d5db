"""The compiled tick's bound call (`NativeTick` skips numba's dispatcher for arrays it has seen) follows
every change a caller can make: new state tensors, a new terrain, pads of the wrong shape."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.channels import GAMEPAD_WIDTH, TickInputs
from neuropuppet.controllers.pfnn import PFNNController
from neuropuppet.terrain import HeightField


def test_bound_call_follows_new_state_tensors_and_terrain(random_artifact: Path) -> None:
    art = load_artifact(random_artifact, device="cpu")
    native_c = PFNNController.from_artifact(art, batch_size=2, device="cpu", engine="native")
    torch_c = PFNNController.from_artifact(art, batch_size=2, device="cpu", engine="torch")
    flat, raised = HeightField.flat(), HeightField(np.full((4, 4), 0.5, np.float32), (-2.0, -2.0), 1.0)
    pads = torch.zeros(2, GAMEPAD_WIDTH)
    pads[:, 1] = torch.tensor([0.9, 0.4])
    for t in range(40):
        terrain = flat if t < 20 else raised
        if t in (10, 30):     # the user replaces the state tensors: new objects, the views are remade
            native_c.state = {k: v.clone() for k, v in torch_c.state.items()}
        else:
            for k, v in torch_c.state.items():
                native_c.state[k].copy_(v)
        want = torch_c.step(TickInputs(1 / 60, gamepad=pads.clone(), terrain=terrain)).clone()
        got = native_c.step(TickInputs(1 / 60, gamepad=pads.clone(), terrain=terrain))
        assert torch.allclose(got.root_position, want.root_position, atol=2e-5), t
        assert torch.allclose(got.local_rotations, want.local_rotations, atol=2e-5), t
        for k, v in torch_c.state.items():
            assert torch.allclose(native_c.state[k], v, atol=1e-4), (t, k)
    assert torch.allclose(got.root_position[:, 1], torch.tensor(0.5))     # the new terrain's height


def test_bound_call_still_checks_the_pads(random_artifact: Path) -> None:
    c = PFNNController.from_artifact(load_artifact(random_artifact, device="cpu"), batch_size=2, device="cpu",
                                     engine="native")
    native, views = c._native, c._state_views()
    pads = np.zeros((2, GAMEPAD_WIDTH), np.float32)
    native(pads, *views)
    native(pads, *views)                                  # bound now
    with pytest.raises(ValueError, match="shapes"):
        native(np.zeros((3, GAMEPAD_WIDTH), np.float32), *views)
    with pytest.raises(ValueError, match="shapes"):
        native(pads, *views[:-1], np.zeros((2, 30, 6), np.float32))
