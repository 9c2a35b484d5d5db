"""User input -> desired future trajectory, and the blend of the predicted trajectory toward it.

All functions are TorchScript-compatible and batched over N characters. 2D vectors are (x, z)
on the ground plane; yaw 0 faces +Z and yaw pi/2 faces +X. The camera is assumed behind the
character looking along +Z, so stick right means world -X (right-handed, Y up).
"""
from __future__ import annotations

import torch

# Gamepad columns (neuropuppet.channels): axes 0-5 (left x, left y, right x, right y, left trigger,
# right trigger), then buttons from column 6 (left shoulder = 6 + 9 = 15, right shoulder = 16).
# TorchScript cannot read module-level ints, so the columns are written as literals below.


def rotate_to_local(v: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor:
    """World (x, z) vectors [N, ..., 2] into the frame of a root with heading `yaw` [N]."""
    c = torch.cos(yaw).view([-1] + [1] * (v.dim() - 2))
    s = torch.sin(yaw).view([-1] + [1] * (v.dim() - 2))
    x, z = v[..., 0], v[..., 1]
    return torch.stack([x * c - z * s, x * s + z * c], dim=-1)


def rotate_to_world(v: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor:
    """Inverse of `rotate_to_local`."""
    c = torch.cos(yaw).view([-1] + [1] * (v.dim() - 2))
    s = torch.sin(yaw).view([-1] + [1] * (v.dim() - 2))
    x, z = v[..., 0], v[..., 1]
    return torch.stack([x * c + z * s, -x * s + z * c], dim=-1)


def yaw_to_direction(yaw: torch.Tensor) -> torch.Tensor:
    return torch.stack([torch.sin(yaw), torch.cos(yaw)], dim=-1)


def direction_to_yaw(d: torch.Tensor) -> torch.Tensor:
    return torch.atan2(d[..., 0], d[..., 1])


# Stick response. Past the dead zone the gait is locomotion almost at once (MOVE_RAMP) and the speed
# starts at MIN_DRIVE of the gait's top speed: the shipped model, trained on synthetic data whose
# slow walks are mostly side-steps, strafes at slow forward speeds (about 45-80 degrees off at
# 0.1-0.6 m/s), so partial stick walks forward at 80-100 % of walking speed instead (ramping up
# continuously over the first tenth of the stick's live range).
MIN_DRIVE = 0.8
MOVE_RAMP = 10.0
DEAD_ZONE = 0.15


def safe_normalise(v: torch.Tensor, fallback: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """v / |v|, or `fallback` where |v| < eps."""
    n = v.norm(p=2, dim=-1, keepdim=True)
    return torch.where(n > eps, v / n.clamp(min=eps), fallback)


def desired_from_gamepad(pads: torch.Tensor, facing: torch.Tensor, gait_speeds: torch.Tensor,
                         dead_zone: float, move_ramp: float, min_drive: float
                         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Desired velocity [N, 2] (m/s, world), facing [N, 2] and gait weights [N, 6] from pads [N, 21].

    Left stick = velocity, right stick = facing (else face where you go), right trigger or right
    shoulder = run, left trigger or left shoulder = crouch. gait_speeds [4]: stand, walk, jog,
    crouch top speeds in m/s.
    """
    stick = torch.stack([-pads[:, 0], pads[:, 1]], dim=-1)
    mag = stick.norm(p=2, dim=-1).clamp(max=1.0)
    live = ((mag - dead_zone) / (1.0 - dead_zone)).clamp(0.0, 1.0)
    stick_dir = safe_normalise(stick, facing)
    run = torch.maximum(pads[:, 5], pads[:, 16]).clamp(0.0, 1.0)
    crouch = torch.maximum(pads[:, 4], pads[:, 15]).clamp(0.0, 1.0)
    moving = (live * move_ramp).clamp(max=1.0)
    live = moving * (min_drive + (1.0 - min_drive) * live)
    stand_w = (1.0 - moving) * (1.0 - crouch)
    walk_w = moving * (1.0 - run) * (1.0 - crouch)
    jog_w = moving * run * (1.0 - crouch)
    crouch_w = crouch
    zeros = torch.zeros_like(mag)
    gait = torch.stack([stand_w, walk_w, jog_w, crouch_w, zeros, zeros], dim=-1)
    top = (1.0 - crouch) * ((1.0 - run) * gait_speeds[1] + run * gait_speeds[2]) + crouch * gait_speeds[3]
    velocity = stick_dir * (live * top).unsqueeze(-1)
    look = torch.stack([-pads[:, 2], pads[:, 3]], dim=-1)
    look_live = look.norm(p=2, dim=-1, keepdim=True) > 0.25
    move_dir = safe_normalise(velocity, facing, 1e-3)
    want_facing = torch.where(look_live, safe_normalise(look, facing), move_dir)
    return velocity, want_facing, gait


def bias_weights(samples: int, bias: float, device: torch.device) -> torch.Tensor:
    """Blend weight toward the desired trajectory at each of `samples` future samples: 1-(1-t)^bias."""
    t = torch.arange(1, samples + 1, dtype=torch.float32, device=device) / samples
    return 1.0 - torch.pow(1.0 - t, bias)


def blend_future(pred_pos: torch.Tensor, pred_dir: torch.Tensor, root_xz: torch.Tensor,
                 desired_vel: torch.Tensor, desired_dir: torch.Tensor, w_pos: torch.Tensor,
                 w_dir: torch.Tensor, step_seconds: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Blend predicted future points [N, S, 2] (world) toward the desired ones.

    Positions blend per step (the predicted step toward velocity * step_seconds) and are then
    integrated from the root, so the trajectory stays connected; facings blend and renormalise.
    w_pos, w_dir [S] are `bias_weights`.
    """
    prev = torch.cat([root_xz.unsqueeze(1), pred_pos[:, :-1]], dim=1)
    steps = pred_pos - prev
    want = (desired_vel * step_seconds).unsqueeze(1)
    wp = w_pos.view(1, -1, 1)
    pos = root_xz.unsqueeze(1) + torch.cumsum(steps + (want - steps) * wp, dim=1)
    wd = w_dir.view(1, -1, 1)
    mixed = pred_dir + (desired_dir.unsqueeze(1) - pred_dir) * wd
    fallback = desired_dir.unsqueeze(1).expand_as(mixed)
    return pos, safe_normalise(mixed, fallback)
