"""Stick to desired motion: the velocity, facing and gait weights a locomotion controller steers toward.

Convention (the view of a camera with yaw 0 behind a character facing +Z; `third_person` rewrites the
pad first for camera-relative play): 2D vectors are (x, z) on the ground, the left stick moves
(stick right = world -X, stick up = world +Z), the right stick, pushed past `look_threshold`, sets the
facing (else the character faces where it goes). Gait weights and top speeds come from a
`GaitTable`; the stick's response curve from a `StickResponse`:

  m     = clamp(live * move_ramp, 0, 1)             live = stick length past the dead zone, 0..1
  drive = m * (min_drive + (1 - min_drive) * live)  fraction of the top speed
  velocity = stick direction * drive * top speed of the selected gaits

`DesiredMotion` is the batched torch version (TorchScript-able); `neuropuppet.kernels.locomotion`
holds the numba one for the compiled CPU ticks, reading the same `GaitTable.arrays()` and
`StickResponse` (tests/pfnn/test_native_tick.py checks the two agree tick by tick).
"""
from __future__ import annotations

from typing import NamedTuple, Tuple

import torch
from torch import nn

from .gaits import GaitTable
from .trajectory import safe_normalise


class StickResponse(NamedTuple):
    """The stick's response curve (see the module docstring); numba takes it as an argument as is."""

    dead_zone: float = 0.15
    move_ramp: float = 10.0
    min_drive: float = 0.0
    look_threshold: float = 0.25


class DesiredMotion(nn.Module):
    """pads [N, 21], current facing [N, 2] -> desired velocity [N, 2] (m/s, world), facing [N, 2]
    (unit) and gait weights [N, G] (the table's columns)."""

    def __init__(self, gaits: GaitTable, response: StickResponse = StickResponse()) -> None:
        super().__init__()
        a = gaits.arrays()
        g = len(gaits.columns)
        eye = torch.eye(g)
        self.num_modifiers = int(a.targets.shape[0])
        self.dead_zone = float(response.dead_zone)
        self.move_ramp = float(response.move_ramp)
        self.min_drive = float(response.min_drive)
        self.look_threshold = float(response.look_threshold)
        self.register_buffer("idle", eye[a.idle].clone())
        self.register_buffer("moving", eye[a.moving].clone())
        self.register_buffer("speeds", torch.from_numpy(a.speeds.copy()))
        self.register_buffer("targets", eye[torch.from_numpy(a.targets)].reshape(-1, g).clone())
        self.register_buffer("sources", torch.from_numpy(a.sources.copy()).reshape(-1, g))
        self.register_buffer("selectors", torch.from_numpy(a.selectors.copy()))

    def forward(self, pads: torch.Tensor, facing: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        stick = torch.stack([-pads[:, 0], pads[:, 1]], dim=-1)
        mag = stick.norm(p=2, dim=-1).clamp(max=1.0)
        live = ((mag - self.dead_zone) / (1.0 - self.dead_zone)).clamp(0.0, 1.0)
        stick_dir = safe_normalise(stick, facing)
        moving = (live * self.move_ramp).clamp(max=1.0)
        drive = moving * (self.min_drive + (1.0 - self.min_drive) * live)
        m = moving.unsqueeze(-1)
        gait = (1.0 - m) * self.idle + m * self.moving
        speed_w = self.moving.unsqueeze(0).expand_as(gait)
        if self.num_modifiers > 0:
            amounts = (pads.unsqueeze(1) * self.selectors).amax(-1).clamp(0.0, 1.0)     # [N, M]
            for k in range(self.num_modifiers):
                a = amounts[:, k:k + 1]
                take = gait * self.sources[k] * a
                gait = gait - take + take.sum(-1, keepdim=True) * self.targets[k]
                take = speed_w * self.sources[k] * a
                speed_w = speed_w - take + take.sum(-1, keepdim=True) * self.targets[k]
        top = (speed_w * self.speeds).sum(-1)
        velocity = stick_dir * (drive * top).unsqueeze(-1)
        look = torch.stack([-pads[:, 2], pads[:, 3]], dim=-1)
        look_live = look.norm(p=2, dim=-1, keepdim=True) > self.look_threshold
        move_dir = safe_normalise(velocity, facing, 1e-3)
        want_facing = torch.where(look_live, safe_normalise(look, facing), move_dir)
        return velocity, want_facing, gait


__all__ = ["DesiredMotion", "StickResponse"]
