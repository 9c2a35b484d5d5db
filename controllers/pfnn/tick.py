"""One PFNN controller tick for N characters, as a TorchScript-able module (few Python ops per tick).

State (per character, on the controller's device), updated in place by `forward`:
  root_xz [N, 2], yaw [N], phase [N]
  past    [N, 61, 10]  frames -60..0 of (x, z, facing x, facing z, 6 gait weights), world space
  future  [N, 5, 10]   frames +10..+50, same columns (the last prediction, blended each tick)
  joints  [N, J, 6]    previous frame's joint positions and velocities in the root frame
The network's input and output are laid out by `features.PFNNFeatures` (block starts read from it);
stick, gaits, trajectory blend and terrain probes come from `neuropuppet.locomotion`.
"""
from __future__ import annotations

from typing import Tuple

import torch
from torch import nn

from neuropuppet.locomotion.stick import DesiredMotion
from neuropuppet.locomotion.terrain_probes import probe_heights, sample_heights
from neuropuppet.locomotion.trajectory import bias_weights, blend_future, blend_toward, safe_normalise

from . import features
from .features import FUTURE_KEPT, HISTORY, NUM_GAITS, PFNNFeatures

MODES = {"exact": 0, "nearest50": 1, "linear10": 2, "bucket50": 0}
"""Phase-function modes: exact cubic; the artifact's nearest-50 / linear-10 tables as blend
coefficients; bucket50 = nearest-50 with real precomputed weight tables (`PhaseBucketedPFNN`)."""


def quat_exp(v: torch.Tensor) -> torch.Tensor:
    """Log-quaternion (axis * angle / 2) [..., 3] -> unit quaternion (w, x, y, z) [..., 4]."""
    half = v.norm(p=2, dim=-1, keepdim=True)
    sinc = torch.where(half > 1e-6, torch.sin(half) / half.clamp(min=1e-6), 1.0 - half * half / 6.0)
    return torch.cat([torch.cos(half), v * sinc], dim=-1)


class PFNNTick(nn.Module):
    """Advance N characters by one frame. `net` is a PFNN (eager or the artifact's TorchScript).

    gait_speeds [4]: top speeds of `features.GAITS` (stand, walk, jog, crouch), from the artifact.
    """

    __jit_ignored_attributes__ = ["gaits", "stick", "x_blocks"]   # descriptions the native engine reads

    def __init__(self, net: nn.Module, offsets: torch.Tensor, gait_speeds: torch.Tensor, mode: int = 0,
                 bias_pos: float = 3.0, bias_dir: float = 3.0, fps: float = 60.0) -> None:
        super().__init__()
        self.net = net
        j = offsets.shape[0]
        self.num_joints = j
        self.mode = mode
        self.fps = fps
        self.gaits = features.GAITS.with_speeds([float(v) for v in gait_speeds.reshape(-1).tolist()])
        self.desired = DesiredMotion(self.gaits, features.STICK)
        self.stick = features.STICK
        self.traj_step = features.TRAJ_STEP
        self.future_samples = features.FUTURE_SAMPLES
        self.future_kept = FUTURE_KEPT
        self.num_contacts = features.NUM_CONTACTS
        self.side = features.HEIGHT_SIDE_OFFSET
        self.idle_gait = features.GAIT_NAMES.index(self.gaits.idle)
        self.gait_rate = features.CURRENT_GAIT_RATE
        layout = PFNNFeatures.for_joints(j).y
        self.y_root_vel, self.y_root_rot = layout.start("root_vel"), layout.start("root_rot")
        self.y_dphase, self.y_contacts = layout.start("dphase"), layout.start("contacts")
        self.y_future_pos, self.y_future_dir = layout.start("future_pos"), layout.start("future_dir")
        self.y_joint_pos, self.y_joint_vel = layout.start("joint_pos"), layout.start("joint_vel")
        self.y_joint_rot = layout.start("joint_rot")
        self.x_blocks = PFNNFeatures.for_joints(j).x.names   # the order `forward` concatenates the input in
        self.register_buffer("pad_low", torch.tensor([-1.0] * 4 + [0.0] * 17))   # sticks, then triggers/buttons
        self.register_buffer("pad_high", torch.ones(21))
        self.register_buffer("offsets", offsets.float().clone())
        self.register_buffer("gait_speeds", gait_speeds.float().clone())
        self.register_buffer("w_pos", bias_weights(FUTURE_KEPT, bias_pos, torch.device("cpu")))
        self.register_buffer("w_dir", bias_weights(FUTURE_KEPT, bias_dir, torch.device("cpu")))
        self.register_buffer("sample_frames", torch.tensor(list(features.WINDOW.history_frames)))
        if self.x_blocks != ("traj_pos", "traj_dir", "traj_gait", "traj_height", "joint_pos", "joint_vel"):
            raise ValueError(f"pfnn tick: input blocks {self.x_blocks} are not in the order the tick writes them")

    def forward(self, pads: torch.Tensor, heights: torch.Tensor, terrain: torch.Tensor,
                root_xz: torch.Tensor, yaw: torch.Tensor, phase: torch.Tensor, past: torch.Tensor,
                future: torch.Tensor, joints: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        n = pads.shape[0]
        j = self.num_joints
        pads = torch.clamp(torch.nan_to_num(pads, 0.0, 0.0, 0.0), self.pad_low, self.pad_high)
        cy, sy = torch.cos(yaw), torch.sin(yaw)
        facing = torch.stack([sy, cy], dim=-1)
        to_local = torch.stack([cy, sy, -sy, cy], dim=-1).view(n, 2, 2)  # row vectors: v @ to_local

        # 1. desired trajectory from the pad, blended into the predicted future
        want_vel, want_dir, want_gait = self.desired(pads, facing)
        step_s = self.traj_step / self.fps
        fut_pos, fut_dir = blend_future(future[:, :, 0:2], future[:, :, 2:4], root_xz, want_vel, want_dir,
                                        self.w_pos, self.w_dir, step_s)
        fut_gait = blend_toward(future[:, :, 4:], want_gait, self.w_pos)
        cur_gait = past[:, -1, 4:] + (want_gait - past[:, -1, 4:]) * self.gait_rate

        # 2. network input in the root frame, blocks in layout order
        hist = past.index_select(1, self.sample_frames)  # [N, 7, 10]; the last is "now"
        now = torch.cat([root_xz, facing, cur_gait], dim=-1).unsqueeze(1)
        samples = torch.cat([hist[:, :-1], now, torch.cat([fut_pos, fut_dir, fut_gait], dim=-1)], dim=1)
        rel = samples[:, :, 0:2] - root_xz.unsqueeze(1)
        loc_pos = torch.bmm(rel, to_local)
        loc_dir = torch.bmm(samples[:, :, 2:4], to_local)
        traj_h, traj_abs = probe_heights(heights, terrain, samples[:, :, 0:2], samples[:, :, 2:4], self.side, root_xz)
        x = torch.cat([loc_pos.reshape(n, -1), loc_dir.reshape(n, -1), samples[:, :, 4:].reshape(n, -1),
                       traj_h.reshape(n, -1), joints[:, :, 0:3].reshape(n, -1), joints[:, :, 3:6].reshape(n, -1)], 1)

        # 3. predict
        if self.mode == 1:
            y = self.net.forward_nearest50(x, phase)
        elif self.mode == 2:
            y = self.net.forward_linear10(x, phase)
        else:
            y = self.net(x, phase)
        y = torch.nan_to_num(y, 0.0, 0.0, 0.0)

        # 4. move the root, advance the phase (standing still: no drift, slow phase)
        stand = cur_gait[:, self.idle_gait]
        moving = ((1.0 - stand) * 10.0).clamp(0.0, 1.0).unsqueeze(-1)
        root_vel = y[:, self.y_root_vel:self.y_root_vel + 2]
        step = torch.bmm(root_vel.clamp(-0.5, 0.5).unsqueeze(1), to_local.transpose(1, 2)).squeeze(1) * moving
        new_xz = root_xz + step
        new_yaw = yaw + y[:, self.y_root_rot].clamp(-0.5, 0.5)
        amount = (1.0 - stand).clamp(0.0, 1.0).pow(0.25) * 0.9 + 0.1
        new_phase = torch.remainder(phase + y[:, self.y_dphase].clamp(0.0, 0.1) * amount, 1.0)
        ncy, nsy = torch.cos(new_yaw), torch.sin(new_yaw)
        new_dir = torch.stack([nsy, ncy], dim=-1)
        to_world_new = torch.stack([ncy, -nsy, nsy, ncy], dim=-1).view(n, 2, 2)

        # 5. write the state back
        fs = self.future_samples
        fk = self.future_kept
        o = self.y_future_pos
        pred_pos = torch.bmm(y[:, o:o + 2 * fs].reshape(n, fs, 2), to_world_new) + new_xz.unsqueeze(1)
        o = self.y_future_dir
        pred_dir = torch.bmm(y[:, o:o + 2 * fs].reshape(n, fs, 2), to_world_new)
        pred_dir = safe_normalise(pred_dir, new_dir.unsqueeze(1).expand_as(pred_dir))
        past.copy_(torch.cat([past[:, 1:], torch.cat([new_xz, new_dir, cur_gait], -1).unsqueeze(1)], 1))
        future.copy_(torch.cat([pred_pos[:, :fk], pred_dir[:, :fk], fut_gait], dim=-1))
        root_xz.copy_(new_xz)
        yaw.copy_(torch.atan2(nsy, ncy))
        phase.copy_(new_phase)
        jpos = y[:, self.y_joint_pos:self.y_joint_pos + 3 * j].view(n, j, 3)
        jvel = y[:, self.y_joint_vel:self.y_joint_vel + 3 * j].view(n, j, 3)
        joints.copy_(torch.cat([jpos, jvel], dim=-1))
        jrot = y[:, self.y_joint_rot:self.y_joint_rot + 3 * j].view(n, j, 3)

        # 6. the pose
        ground = sample_heights(heights, terrain, new_xz[:, 0], new_xz[:, 1])
        root_position = torch.stack([new_xz[:, 0], ground, new_xz[:, 1]], dim=-1)
        half = yaw * 0.5
        zero = torch.zeros_like(half)
        root_rotation = torch.stack([torch.cos(half), zero, torch.sin(half), zero], dim=-1)
        local_positions = torch.cat([jpos[:, :1], self.offsets[1:].unsqueeze(0).expand(n, j - 1, 3)], dim=1)
        local_rotations = quat_exp(jrot)
        contacts = y[:, self.y_contacts:self.y_contacts + self.num_contacts].clamp(0.0, 1.0)
        trajectory = torch.stack([samples[:, :, 0], traj_abs[:, :, 1], samples[:, :, 1]], dim=-1)
        return root_position, root_rotation, local_positions, local_rotations, contacts, trajectory


def initial_state(n: int, num_joints: int, rest_joints: torch.Tensor, device: torch.device
                  ) -> dict[str, torch.Tensor]:
    """State tensors of N characters standing at the origin facing +Z (rest_joints [J, 6])."""
    idle = 4 + features.GAIT_NAMES.index(features.GAITS.idle)
    past = torch.zeros(n, HISTORY, 4 + NUM_GAITS, device=device)
    past[:, :, 3] = 1.0
    past[:, :, idle] = 1.0
    future = torch.zeros(n, FUTURE_KEPT, 4 + NUM_GAITS, device=device)
    future[:, :, 3] = 1.0
    future[:, :, idle] = 1.0
    return {
        "root_xz": torch.zeros(n, 2, device=device),
        "yaw": torch.zeros(n, device=device),
        "phase": torch.zeros(n, device=device),
        "past": past,
        "future": future,
        "joints": rest_joints.to(device).float().expand(n, num_joints, 6).clone(),
    }
