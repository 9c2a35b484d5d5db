"""The shipped default artifact with the left stick only partly pushed forward.

A partly pushed stick must walk the character forward (slower), not side-step it: the default was
once trained on synthetic data where every slow walk was a strafe, and walked up to ~60 degrees off
to the side at half stick.

Stated bounds (stick held forward for 10 s on flat ground, measured over the last 5 s):
  heading of travel within HEADING_TOL_DEG of +Z
  speed above MIN_SPEED_M_S[stick]
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.channels import GAMEPAD_WIDTH, TickInputs
from neuropuppet.controllers.pfnn import PFNNController, default_artifact

HEADING_TOL_DEG = 20.0
MIN_SPEED_M_S = {0.5: 0.25, 0.7: 0.45}
FPS = 60


@pytest.mark.parametrize("stick", sorted(MIN_SPEED_M_S))
def test_partial_stick_walks_forward(stick: float) -> None:
    path = default_artifact()
    assert path is not None, "the shipped default controllers/pfnn/default/pfnn.pt is missing"
    c = PFNNController.from_artifact(load_artifact(path, device="cpu"), batch_size=1, device="cpu")
    pads = torch.zeros(1, GAMEPAD_WIDTH)
    pads[0, 1] = stick  # left stick forward (+Z, the way the character starts facing)
    roots = []
    for _ in range(10 * FPS):
        pose = c.step(TickInputs(1 / FPS, gamepad=pads.clone()))
        roots.append(pose.root_position[0].numpy().copy())
    a, b = roots[5 * FPS], roots[-1]
    d = np.array([b[0] - a[0], b[2] - a[2]])
    speed = float(np.linalg.norm(d)) / ((len(roots) - 1 - 5 * FPS) / FPS)
    heading = float(np.degrees(np.arctan2(-d[0], d[1])))
    assert abs(heading) < HEADING_TOL_DEG, f"stick {stick}: travels {heading:.1f} deg off +Z at {speed:.2f} m/s"
    assert speed > MIN_SPEED_M_S[stick], f"stick {stick}: {speed:.2f} m/s"
