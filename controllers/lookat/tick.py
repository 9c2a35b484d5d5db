"""One look-at tick for N characters, as a pure function of tensors (compiled once with TorchScript).

Inputs are what the pose below says (world transforms of the chest and the neck chain), the target
and the smoothing state; outputs are the chain's and the eyes' new local rotations, the gaze, and
the new state. The steps are numbered as in controller.py's module docstring.
"""
from __future__ import annotations

from typing import Tuple

import torch

from neuropuppet.motion.rotations_torch import quat_exp, quat_inv, quat_log, quat_mul, quat_rotate

from .gaze import angle_between, clamp_angles, head_part, quat_from_yaw_pitch, yaw_pitch
from .smoothing import smooth_toward


def ahead_if_undefined(direction: torch.Tensor) -> torch.Tensor:
    """`direction` [..., 3], or straight ahead (+Z) where it is not finite or has no length."""
    ok = torch.isfinite(direction).all(-1, keepdim=True) & (torch.linalg.norm(direction, dim=-1, keepdim=True) > 1e-6)
    ahead = torch.zeros_like(direction)
    ahead[..., 2] = 1.0
    return torch.where(ok, direction, ahead)


def look_at(target: torch.Tensor, chest_q: torch.Tensor, chain_p: torch.Tensor, chain_q: torch.Tensor,
            bones: torch.Tensor, head: torch.Tensor, head_velocity: torch.Tensor, eyes: torch.Tensor,
            eye_velocity: torch.Tensor, eye_centre: torch.Tensor, eye_offsets: torch.Tensor, reach: torch.Tensor,
            head_limits: torch.Tensor, eye_limits: torch.Tensor, eye_share: float, head_smooth_s: float,
            eye_smooth_s: float, dt: float) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor,
                                                     torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor,
                                                     torch.Tensor, torch.Tensor]:
    """target [N, 3]; chest rotation [N, 4]; Neck, Neck1, Head world positions [N, 3, 3] and rotations
    [N, 3, 4] below; bones: Neck1's and Head's local offsets [N, 2, 3]; state: head (yaw, pitch) [N, 2]
    and its velocity, eyes [N, 2, 2] and theirs, eye_centre [N, 3] (in the neutral head's frame);
    eye_offsets [2, 3] in the head; reach [1, 3, 1] (the share of the turn each chain joint has done).

    Returns (chain local rotations [N, 3, 4], eye local rotations [N, 2, 4], gaze origin [N, 3], gaze
    direction [N, 3], gaze error [N, 1], head, head_velocity, eyes, eye_velocity, eye_centre)."""
    # 1-2. the gaze shift in the neutral head's frame, seen from where the eyes were last tick
    head_p, head_q = chain_p[:, 2], chain_q[:, 2]
    to_head = quat_inv(head_q)
    gaze = yaw_pitch(ahead_if_undefined(quat_rotate(to_head, target - head_p) - eye_centre))
    # 3. the head takes what the eyes leave, within its limits, slowly
    goal = clamp_angles(head_part(gaze, eye_share), head_limits)
    head, head_velocity = smooth_toward(head, head_velocity, goal, head_smooth_s, dt)

    # 4. the head's turn, as a world rotation, spread over the neck chain; then local rotations
    turn = quat_mul(quat_mul(head_q, quat_from_yaw_pitch(head)), to_head)
    world_q = quat_mul(quat_exp(quat_log(turn).unsqueeze(1) * reach), chain_q)               # [N, 3, 4]
    parent_q = torch.cat([chest_q.unsqueeze(1), world_q[:, :2]], dim=1)
    local_q = quat_mul(quat_inv(parent_q), world_q)
    new_head_p = chain_p[:, 0] + quat_rotate(world_q[:, :2], bones).sum(1)                  # Neck -> Neck1 -> Head
    new_head_q = world_q[:, 2]

    # 5. each eye aims at the target from its own position, within its limits, fast
    eye_in_head = quat_rotate(quat_inv(new_head_q).unsqueeze(1), (target - new_head_p).unsqueeze(1)) - eye_offsets
    eye_goal = clamp_angles(yaw_pitch(ahead_if_undefined(eye_in_head)), eye_limits)
    eyes, eye_velocity = smooth_toward(eyes, eye_velocity, eye_goal, eye_smooth_s, dt)
    eye_q = quat_from_yaw_pitch(eyes)                                                           # in the head
    origin = (new_head_p.unsqueeze(1) + quat_rotate(new_head_q.unsqueeze(1), eye_offsets)).mean(1)
    eye_centre = quat_rotate(to_head, origin - head_p)

    forward = torch.zeros_like(origin)
    forward[:, 2] = 1.0
    looks = quat_rotate(new_head_q, quat_rotate(eye_q, forward.unsqueeze(1)).mean(1))
    direction = looks / torch.linalg.norm(looks, dim=-1, keepdim=True).clamp_min(1e-6)
    error = torch.nan_to_num(angle_between(direction, target - origin), nan=0.0).unsqueeze(-1)   # bad target: 0
    return local_q, eye_q, origin, direction, error, head, head_velocity, eyes, eye_velocity, eye_centre
