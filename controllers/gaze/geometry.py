"""Frames of a gaze skeleton: the neutral head, the eye centre, angles of joints (torch, batched).

Shared by the trainer's dataset (rows of a BVH clip) and the controller (the pose below each tick).
"""
from __future__ import annotations

import torch

from neuropuppet.controllers.lookat.gaze import quat_from_yaw_pitch, yaw_pitch
from neuropuppet.motion.rotations_torch import quat_inv, quat_mul, quat_rotate

from .features import target_features

__all__ = ["quat_from_yaw_pitch", "yaw_pitch", "target_in_head", "looks_along", "gaze_inputs", "relative_angles",
           "gaze_from_angles"]


def looks_along(q: torch.Tensor) -> torch.Tensor:
    """Where local +Z points [..., 3] under rotations q [..., 4]."""
    z = torch.zeros(q.shape[:-1] + (3,), dtype=q.dtype, device=q.device)
    z[..., 2] = 1.0
    return quat_rotate(q, z)


def target_in_head(target: torch.Tensor, head_p: torch.Tensor, head_q: torch.Tensor, eye_mid: torch.Tensor
                   ) -> torch.Tensor:
    """The target [..., 3] seen from the eye centre (`eye_mid` [3] in the head) of a head at head_p, head_q."""
    centre = head_p + quat_rotate(head_q, eye_mid.expand_as(head_p))
    return quat_rotate(quat_inv(head_q), target - centre)


def gaze_inputs(target: torch.Tensor, head_p: torch.Tensor, head_q: torch.Tensor, eye_mid: torch.Tensor,
                turn_rate: torch.Tensor) -> torch.Tensor:
    """Network features x [..., 5] (see features.py) of a target and a neutral head."""
    return target_features(target_in_head(target, head_p, head_q, eye_mid), turn_rate)


def relative_angles(parent_q: torch.Tensor, child_q: torch.Tensor) -> torch.Tensor:
    """(yaw, pitch) [..., 2] of the child's +Z in the parent's frame (world rotations [..., 4])."""
    return yaw_pitch(looks_along(quat_mul(quat_inv(parent_q), child_q)))


def gaze_from_angles(angles: torch.Tensor) -> torch.Tensor:
    """Mean gaze direction [..., 3] of both eyes in the neutral head's frame from angles [..., 6] (radians:
    head over the neutral head, eyes in the head; the eye centre's shift by the head's turn ignored)."""
    head = quat_from_yaw_pitch(angles[..., 0:2])
    dirs = [looks_along(quat_mul(head, quat_from_yaw_pitch(angles[..., k:k + 2]))) for k in (2, 4)]
    return 0.5 * (dirs[0] + dirs[1])
