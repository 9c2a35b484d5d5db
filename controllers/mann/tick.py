"""One MANN controller tick for N dogs, as a TorchScript-able module.

State (per character, on the controller's device), updated in place by `forward`:
  root_xz [N, 2], yaw [N]
  past    [N, 61, C]  frames -60..0 of (x, z, facing x, facing z, velocity x, z, speed, G gait weights), world
  future  [N, 5, C]   frames +10..+50, same columns (the last prediction, blended toward the stick each tick)
  joints  [N, J, 12]  previous frame's joint positions, forward axes, up axes, velocities in the root frame
The loop follows the release's demo (reference notes, "Runtime loop"): desired motion from the pad
(`neuropuppet.locomotion.stick.DesiredMotion` over the dog's gait table; with no gait button held a small
stick push walks, a large one trots: `stick_walks`), the future blended toward it with
weights 1-(1-w)^0.75 (position), ^1.25 (direction), ^1 (velocity, speed, gaits), the network run, the
root moved by its update (scaled down by the weight of the stationary gaits: no drift while idle, sitting
or standing), joint positions mixed 50/50 with the previous ones advanced by their velocity, rotations
from the forward/up axes.
"""
from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from neuropuppet.locomotion.stick import DesiredMotion, StickResponse
from neuropuppet.locomotion.gaits import GaitTable
from neuropuppet.locomotion.terrain_probes import sample_heights
from neuropuppet.locomotion.trajectory import (bias_weights, blend_future, blend_toward, rotate_to_local,
                                               rotate_to_world, safe_normalise)
from neuropuppet.motion.rotations_torch import quat_from_matrix

from .features import FPS, FUTURE_KEPT, GAIT_BUTTONS, HISTORY, STICK_WALK, TRAJ_STEP, WINDOW, MANNFeatures

GAIT_RATE = 0.1          # how far the current gait weights and speed move toward the desired ones per tick
STABILISE = 0.5          # share of the previous joint positions (advanced by their velocities) kept each tick
BIAS_POS, BIAS_DIR, BIAS_VEL = 0.75, 1.25, 1.0
PAD_LIMIT = 1.0


def frames_from_axes(fwd: torch.Tensor, up: torch.Tensor) -> torch.Tensor:
    """Rotation matrices [..., 3, 3] whose z column is `fwd` and y column is `up` (orthonormalised, z kept)."""
    z = safe_normalise(fwd, torch.zeros_like(fwd) + torch.tensor([0.0, 0.0, 1.0], device=fwd.device))
    x = torch.linalg.cross(up, z, dim=-1)
    x = safe_normalise(x, torch.zeros_like(x) + torch.tensor([1.0, 0.0, 0.0], device=x.device), 1e-6)
    y = torch.linalg.cross(z, x, dim=-1)
    return torch.stack([x, y, z], dim=-1)


class MANNTick(nn.Module):
    """Advance N dogs by one frame. `net` is a MANN (eager or TorchScript); `gaits` the dog's gait table,
    `stationary` [G] 1 on the gait columns that do not move the root; parents [J]; offsets [J, 3]."""

    __jit_ignored_attributes__ = ["gaits"]

    def __init__(self, net: nn.Module, features: MANNFeatures, gaits: GaitTable, stick: StickResponse,
                 parents: torch.Tensor, offsets: torch.Tensor, stationary: torch.Tensor,
                 ablate: int = -1) -> None:
        super().__init__()
        self.net = net
        self.gaits = gaits
        self.desired = DesiredMotion(gaits, stick)
        self.num_joints = features.num_joints
        self.num_gaits = len(features.gaits)
        self.num_feet = len(features.feet)
        self.num_experts = int(getattr(net, "num_experts", 8))
        self.ablate = int(ablate)
        self.step_seconds = WINDOW.step_seconds(FPS)
        self.fps = FPS
        self.gait_rate = GAIT_RATE
        self.future_kept = FUTURE_KEPT
        self.stabilise = STABILISE
        x, y = features.x, features.y
        self.y_root, self.y_contacts = y.start("root_update"), y.start("contacts")
        self.y_fpos, self.y_fdir, self.y_fvel = y.start("future_pos"), y.start("future_dir"), y.start("future_vel")
        self.y_jpos, self.y_jfwd = y.start("joint_pos"), y.start("joint_fwd")
        self.y_jup, self.y_jvel = y.start("joint_up"), y.start("joint_vel")
        self.x_starts = [x.start(b) for b in features.x.names]
        if features.x.names != ("traj_pos", "traj_dir", "traj_vel", "traj_speed", "traj_gait", "joint_pos",
                                "joint_fwd", "joint_up", "joint_vel"):
            raise ValueError(f"mann tick: input blocks {features.x.names} are not in the order the tick writes them")
        self.register_buffer("pad_low", torch.tensor([-PAD_LIMIT] * 4 + [0.0] * 17))
        self.register_buffer("pad_high", torch.full((21,), PAD_LIMIT))
        self.register_buffer("parents", parents.long().clamp(min=0).clone())
        self.register_buffer("offsets", offsets.float().clone())
        self.register_buffer("stationary", stationary.float().clone())
        self.register_buffer("w_pos", bias_weights(FUTURE_KEPT, BIAS_POS, torch.device("cpu")))
        self.register_buffer("w_dir", bias_weights(FUTURE_KEPT, BIAS_DIR, torch.device("cpu")))
        self.register_buffer("w_vel", bias_weights(FUTURE_KEPT, BIAS_VEL, torch.device("cpu")))
        self.register_buffer("sample_frames", torch.tensor(list(WINDOW.history_frames)))
        names = [g.name for g in gaits.gaits]
        self.walk_column = gaits.gait("walk").selected_by[0] if "walk" in names else -1
        buttons = [c for g in gaits.modifiers if g.name in GAIT_BUTTONS for c in g.selected_by]
        self.register_buffer("gait_buttons", torch.tensor(buttons if buttons else [0], dtype=torch.long))
        self.has_gait_buttons = len(buttons) > 0
        self.walk_below, self.trot_above = float(STICK_WALK[0]), float(STICK_WALK[1])

    def stick_walks(self, pads: torch.Tensor) -> torch.Tensor:
        """pads with the walk selector pressed by the stick's walk share (features.STICK_WALK: 1 up to a small
        push, 0 beyond a large one) where no gait button is held."""
        if self.walk_column < 0:
            return pads
        mag = pads[:, 0:2].norm(p=2, dim=-1).clamp(max=1.0)
        share = ((self.trot_above - mag) / (self.trot_above - self.walk_below)).clamp(0.0, 1.0)
        if self.has_gait_buttons:
            share = share * (1.0 - pads.index_select(1, self.gait_buttons).amax(-1).clamp(0.0, 1.0))
        out = pads.clone()
        out[:, self.walk_column] = torch.maximum(pads[:, self.walk_column], share)
        return out

    def _predict(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        y, coeff = self.net(x)
        if self.ablate >= 0:    # one expert switched off: the others renormalised (expert analysis)
            keep = torch.ones_like(coeff)
            keep[:, self.ablate] = 0.0
            coeff = coeff * keep
            coeff = coeff / coeff.sum(-1, keepdim=True).clamp(min=1e-6)
            y = self.net.with_coefficients(x, coeff)
        return y, coeff

    def forward(self, pads: torch.Tensor, heights: torch.Tensor, terrain: torch.Tensor, root_xz: torch.Tensor,
                yaw: torch.Tensor, past: torch.Tensor, future: torch.Tensor, joints: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor,
                           torch.Tensor]:
        n = pads.shape[0]
        j = self.num_joints
        g0 = 7
        pads = self.stick_walks(torch.clamp(torch.nan_to_num(pads, 0.0, 0.0, 0.0), self.pad_low, self.pad_high))
        facing = torch.stack([torch.sin(yaw), torch.cos(yaw)], dim=-1)

        # 1. desired motion, blended into the kept future
        want_vel, want_dir, want_gait = self.desired(pads, facing)
        want_speed = want_vel.norm(p=2, dim=-1, keepdim=True)
        fut_pos, fut_dir = blend_future(future[:, :, 0:2], future[:, :, 2:4], root_xz, want_vel, want_dir,
                                        self.w_pos, self.w_dir, self.step_seconds)
        fut_vel = blend_toward(future[:, :, 4:6], want_vel, self.w_vel)
        fut_speed = blend_toward(future[:, :, 6:7], want_speed, self.w_vel)
        fut_gait = blend_toward(future[:, :, g0:], want_gait, self.w_vel)
        last = past[:, -1]
        cur_gait = last[:, g0:] + (want_gait - last[:, g0:]) * self.gait_rate
        cur_speed = last[:, 6:7] + (want_speed - last[:, 6:7]) * self.gait_rate

        # 2. network input in the root frame, blocks in layout order
        hist = past.index_select(1, self.sample_frames)
        now = torch.cat([root_xz, facing, last[:, 4:6], cur_speed, cur_gait], dim=-1).unsqueeze(1)
        samples = torch.cat([hist[:, :-1], now, torch.cat([fut_pos, fut_dir, fut_vel, fut_speed, fut_gait], -1)], 1)
        x = torch.cat([rotate_to_local(samples[:, :, 0:2] - root_xz.unsqueeze(1), yaw).reshape(n, -1),
                       rotate_to_local(samples[:, :, 2:4], yaw).reshape(n, -1),
                       rotate_to_local(samples[:, :, 4:6], yaw).reshape(n, -1),
                       samples[:, :, 6].reshape(n, -1), samples[:, :, g0:].reshape(n, -1),
                       joints[:, :, 0:3].reshape(n, -1), joints[:, :, 3:6].reshape(n, -1),
                       joints[:, :, 6:9].reshape(n, -1), joints[:, :, 9:12].reshape(n, -1)], dim=1)

        # 3. predict
        y, coeff = self._predict(x)
        y = torch.nan_to_num(y, 0.0, 0.0, 0.0)

        # 4. move the root (scaled down by the stationary gaits' weight)
        moving = (1.0 - (cur_gait * self.stationary).sum(-1, keepdim=True)).clamp(0.0, 1.0)
        upd = y[:, self.y_root:self.y_root + 3]
        d = torch.stack([upd[:, 0], upd[:, 2]], -1).clamp(-0.2, 0.2) * moving
        new_xz = root_xz + rotate_to_world(d, yaw)
        new_yaw = yaw + upd[:, 1].clamp(-0.2, 0.2) * moving.squeeze(-1)
        new_yaw = torch.atan2(torch.sin(new_yaw), torch.cos(new_yaw))
        new_dir = torch.stack([torch.sin(new_yaw), torch.cos(new_yaw)], -1)

        # 5. the state
        fk = self.future_kept
        pred_pos = rotate_to_world(y[:, self.y_fpos:self.y_fpos + 2 * fk].reshape(n, fk, 2), new_yaw) + new_xz.unsqueeze(1)
        pred_dir = rotate_to_world(y[:, self.y_fdir:self.y_fdir + 2 * fk].reshape(n, fk, 2), new_yaw)
        pred_dir = safe_normalise(pred_dir, new_dir.unsqueeze(1).expand_as(pred_dir))
        pred_vel = rotate_to_world(y[:, self.y_fvel:self.y_fvel + 2 * fk].reshape(n, fk, 2), new_yaw)
        root_vel = (new_xz - root_xz) * self.fps
        past.copy_(torch.cat([past[:, 1:], torch.cat([new_xz, new_dir, root_vel, cur_speed, cur_gait], -1).unsqueeze(1)], 1))
        future.copy_(torch.cat([pred_pos, pred_dir, pred_vel, fut_speed, fut_gait], dim=-1))

        jpos = y[:, self.y_jpos:self.y_jpos + 3 * j].view(n, j, 3)
        jvel = y[:, self.y_jvel:self.y_jvel + 3 * j].view(n, j, 3)
        old = joints[:, :, 0:3] + joints[:, :, 9:12] / self.fps            # previous frame advanced, old root frame
        world_xz = rotate_to_world(old[:, :, [0, 2]], yaw) + (root_xz - new_xz).unsqueeze(1)
        moved = rotate_to_local(world_xz, new_yaw)
        old_new = torch.stack([moved[:, :, 0], old[:, :, 1], moved[:, :, 1]], -1)
        jpos = jpos + (old_new - jpos) * self.stabilise
        frames = frames_from_axes(y[:, self.y_jfwd:self.y_jfwd + 3 * j].view(n, j, 3),
                                  y[:, self.y_jup:self.y_jup + 3 * j].view(n, j, 3))
        joints.copy_(torch.cat([jpos, frames[..., 2], frames[..., 1], jvel], dim=-1))
        root_xz.copy_(new_xz)
        yaw.copy_(new_yaw)

        # 6. the pose: local rotations R_parent^T R_joint (joint 0 relative to the root)
        parent = frames.index_select(1, self.parents)
        local = torch.matmul(parent.transpose(-1, -2), frames)
        local = torch.cat([frames[:, :1], local[:, 1:]], dim=1)
        ground = sample_heights(heights, terrain, new_xz[:, 0], new_xz[:, 1])
        root_position = torch.stack([new_xz[:, 0], ground, new_xz[:, 1]], dim=-1)
        half = new_yaw * 0.5
        zero = torch.zeros_like(half)
        root_rotation = torch.stack([torch.cos(half), zero, torch.sin(half), zero], dim=-1)
        local_positions = torch.cat([jpos[:, :1], self.offsets[1:].unsqueeze(0).expand(n, j - 1, 3)], dim=1)
        contacts = y[:, self.y_contacts:self.y_contacts + self.num_feet].clamp(0.0, 1.0)
        return root_position, root_rotation, local_positions, quat_from_matrix(local), contacts, coeff, cur_gait


def initial_state(n: int, num_gaits: int, idle: int, rest_joints: torch.Tensor, device: torch.device
                  ) -> dict[str, torch.Tensor]:
    """State tensors of N dogs standing idle at the origin facing +Z (rest_joints [J, 12])."""
    c = 7 + num_gaits
    past = torch.zeros(n, HISTORY, c, device=device)
    past[:, :, 3] = 1.0
    past[:, :, 7 + idle] = 1.0
    future = torch.zeros(n, FUTURE_KEPT, c, device=device)
    future[:, :, 3] = 1.0
    future[:, :, 7 + idle] = 1.0
    j = rest_joints.shape[0]
    return {"root_xz": torch.zeros(n, 2, device=device), "yaw": torch.zeros(n, device=device), "past": past,
            "future": future, "joints": rest_joints.to(device).float().expand(n, j, 12).clone()}


__all__ = ["GAIT_RATE", "MANNTick", "STABILISE", "TRAJ_STEP", "frames_from_axes", "initial_state"]
