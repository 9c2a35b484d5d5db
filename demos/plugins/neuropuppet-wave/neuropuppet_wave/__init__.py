"""An example controller plugin that is not locomotion: a seated figure waves its right arm.

Right trigger sets how fast it waves, left trigger how wide; the left stick turns the head.
The per-tick math is a small TorchScript function, compiled once when the controller is built,
so it runs batched on the controller's device like a network would.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import torch

from neuropuppet import PLUGIN_API_VERSION, PoseBatch, Skeleton, TickInputs
from neuropuppet.ports import GAMEPAD
from neuropuppet.artifacts import quiet_torchscript
from neuropuppet.controller import Procedural

SKELETON = Skeleton(
    names=("pelvis", "spine", "neck", "head", "r_shoulder", "r_elbow", "r_hand", "l_shoulder", "l_elbow", "l_hand"),
    parents=np.array([-1, 0, 1, 2, 1, 4, 5, 1, 7, 8]),
    offsets=np.array([
        [0, 1.0, 0], [0, 0.45, 0], [0, 0.12, 0], [0, 0.12, 0],
        [-0.18, 0.05, 0], [-0.28, 0, 0], [-0.25, 0, 0],
        [0.18, 0.05, 0], [0.28, 0, 0], [0.25, 0, 0],
    ]),
)


def _axis_angle(axis: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Quaternions (w, x, y, z) [N, 4] for unit `axis` [3] and `angle` [N]."""
    half = 0.5 * angle
    return torch.cat([torch.cos(half)[:, None], torch.sin(half)[:, None] * axis[None, :]], dim=1)


def wave_step(phase: torch.Tensor, pads: torch.Tensor, dt: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Advance wave phase [N] and return (new phase, local rotations [N, 10, 4])."""
    speed = 1.0 + 4.0 * pads[:, 5]                  # right trigger: 1..5 waves per second
    width = 0.3 + 0.6 * pads[:, 4]                  # left trigger: amplitude in radians
    phase = torch.remainder(phase + 2.0 * math.pi * speed * dt, 2.0 * math.pi)
    n = phase.shape[0]
    z = torch.tensor([0.0, 0.0, 1.0], device=phase.device)
    y = torch.tensor([0.0, 1.0, 0.0], device=phase.device)
    x = torch.tensor([1.0, 0.0, 0.0], device=phase.device)
    rot = torch.zeros(n, 10, 4, device=phase.device)
    rot[:, :, 0] = 1.0
    rot[:, 3] = _axis_angle(y, -0.8 * pads[:, 0])                         # head yaw from left stick x
    rot[:, 2] = _axis_angle(x, -0.3 * pads[:, 1])                         # neck pitch from left stick y
    rot[:, 4] = _axis_angle(z, torch.full_like(phase, -1.3))              # raise right upper arm
    rot[:, 7] = _axis_angle(z, torch.full_like(phase, -1.35))             # left arm hangs down
    rot[:, 5] = _axis_angle(z, -1.2 + width * torch.sin(phase))           # forearm waves
    rot[:, 1] = _axis_angle(z, 0.05 * torch.sin(phase))                   # a little body sway
    return phase, rot


class WaveController(Procedural):
    """N waving figures (see module docstring)."""

    name = "wave"
    api_version = PLUGIN_API_VERSION
    description = "example third-party plugin: waves an arm, triggers set speed and width"
    inputs = (GAMEPAD,)
    outputs = ()
    controls = (("right trigger", "wave faster"), ("left trigger", "wave wider"), ("left stick", "turn the head"))

    def __init__(self, batch_size: int = 1, device: torch.device | str = "cpu", spacing: float = 1.0) -> None:
        self.skeleton = SKELETON
        self.batch_size = batch_size
        self.device = torch.device(device)
        with quiet_torchscript():
            self._step = torch.jit.script(wave_step)
        self.phase = torch.zeros(batch_size, device=self.device)
        self.pose = PoseBatch.rest(SKELETON, batch_size, self.device)
        self.pose.root_position[:, 0] = torch.arange(batch_size, device=self.device) * spacing  # a row


    def reset(self, indices: Sequence[int] | None = None) -> None:
        if indices is None:
            self.phase.zero_()
        else:
            self.phase[list(indices)] = 0.0

    def step(self, inputs: TickInputs) -> PoseBatch:
        pads = torch.nan_to_num(inputs["gamepad"], nan=0.0, posinf=0.0, neginf=0.0).clamp(-1.0, 1.0)
        phase, rotations = self._step(self.phase, pads, inputs.dt)
        self.phase.copy_(phase)                       # in place: the state tensor stays the one reset() writes
        self.pose.local_rotations.copy_(rotations)
        return self.pose
