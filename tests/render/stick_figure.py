"""A self-contained test controller: a stick figure whose root walks with the left stick, third-person style.

The stick is camera-relative (`neuropuppet.locomotion.third_person.camera_relative_stick` on the
"camera_yaw" input): stick up walks away from the camera, stick right to the camera's right. With the
default camera (yaw 0, behind a +Z-facing character) stick right moves it toward world -X (screen right),
stick up toward +Z, at up to SPEED m/s. It turns to face its velocity and swings its legs; its contacts
name the feet they belong to.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

import neuropuppet as npp
from neuropuppet import plugins
from neuropuppet.locomotion.third_person import camera_relative_stick
from neuropuppet.ports import CAMERA_YAW, GAMEPAD, OutputSpec

SPEED = 2.0

SKELETON = npp.Skeleton(
    names=("Hips", "Spine", "Head", "LeftUpLeg", "LeftFoot", "RightUpLeg", "RightFoot", "LeftArm", "RightArm"),
    parents=np.array([-1, 0, 1, 0, 3, 0, 5, 1, 1]),
    offsets=np.array([[0, 0.95, 0], [0, 0.5, 0], [0, 0.3, 0], [0.12, 0, 0], [0, -0.9, 0], [-0.12, 0, 0],
                      [0, -0.9, 0], [0.2, 0.1, 0], [-0.2, 0.1, 0]], np.float32),
)


def _yaw_quat(angle: torch.Tensor) -> torch.Tensor:
    return torch.stack([torch.cos(angle / 2), torch.zeros_like(angle), torch.sin(angle / 2), torch.zeros_like(angle)], -1)


def _pitch_quat(angle: torch.Tensor) -> torch.Tensor:
    return torch.stack([torch.cos(angle / 2), torch.sin(angle / 2), torch.zeros_like(angle), torch.zeros_like(angle)], -1)


class StickFigure:
    name = "stick"
    api_version = npp.PLUGIN_API_VERSION
    inputs = (GAMEPAD, CAMERA_YAW)
    outputs = (OutputSpec("contacts", (2,), "feet on the ground", interpolation="none",
                          joints=("LeftFoot", "RightFoot")),
               OutputSpec("trajectory", (6, 3), "where the root goes in the next second (world points)"))
    controls = (("left stick / WASD", "move, relative to the camera"),)
    description = "test stick figure driven by the left stick"

    def __init__(self, batch_size: int, device: torch.device) -> None:
        self.skeleton, self.batch_size, self.device = SKELETON, batch_size, torch.device(device)
        self.pose = npp.PoseBatch.rest(SKELETON, batch_size, self.device)
        self.phase = torch.zeros(batch_size)
        self.facing = torch.zeros(batch_size)
        self.reset()

    @classmethod
    def default_artifact(cls) -> Path | None:
        return None

    @classmethod
    def from_artifact(cls, artifact: Any, *, batch_size: int = 1, device: Any = None, **options: Any) -> "StickFigure":
        return cls(batch_size, device or "cpu")

    def reset(self, indices: Sequence[int] | None = None) -> None:
        idx = slice(None) if indices is None else list(indices)
        spacing = torch.arange(self.batch_size, dtype=torch.float32) * 1.5
        self.pose.root_position[idx] = 0.0
        self.pose.root_position[idx, 0] = spacing[idx] - spacing.mean()
        self.phase[idx] = 0.0
        self.facing[idx] = 0.0

    def step(self, inputs: npp.TickInputs) -> npp.PoseBatch:
        pad = inputs["gamepad"]
        yaw = inputs.get("camera_yaw")
        ground = camera_relative_stick(pad, yaw if yaw is not None else torch.zeros(len(pad), 1))   # world (x, z)
        velocity = torch.stack([ground[:, 0], torch.zeros_like(pad[:, 0]), ground[:, 1]], -1) * SPEED
        speed = velocity.norm(dim=-1)
        self.pose.root_position += velocity * inputs.dt
        moving = speed > 1e-3
        self.facing = torch.where(moving, torch.atan2(velocity[:, 0], velocity[:, 2]), self.facing)
        self.phase += speed * inputs.dt * 3.0
        self.pose.root_rotation[:] = _yaw_quat(self.facing)
        swing = torch.sin(self.phase) * 0.6 * (speed / SPEED).clamp(max=1.0)
        self.pose.local_rotations[:, 3] = _pitch_quat(swing)
        self.pose.local_rotations[:, 5] = _pitch_quat(-swing)
        forward = torch.stack([torch.sin(self.facing), torch.zeros_like(self.facing), torch.cos(self.facing)], -1)
        steps = torch.arange(6, dtype=torch.float32)[None, :, None] * 0.2
        self.pose.extras["trajectory"] = self.pose.root_position[:, None] + velocity[:, None] * steps \
            + forward[:, None] * 0.0
        self.pose.extras["contacts"] = torch.stack([(swing <= 0).float(), (swing > 0).float()], -1)
        return self.pose


def register() -> None:
    """Make `stick` available to `npp.make` / the CLI in this process."""
    plugins.register("controller", StickFigure.name, StickFigure)
