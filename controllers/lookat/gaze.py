"""Gaze geometry: directions as (yaw, pitch), the eye/head split of a gaze shift, joint limits.

Conventions (neuropuppet's): quaternions (w, x, y, z), Y up, a joint looks along its local +Z, so
yaw turns +Z toward +X (the character's left) about +Y and pitch raises it toward +Y.
"""
from __future__ import annotations

import torch

from neuropuppet.motion.rotations_torch import quat_from_yaw, quat_mul


def yaw_pitch(direction: torch.Tensor) -> torch.Tensor:
    """(yaw, pitch) radians [..., 2] of direction vectors [..., 3] (need not be unit length)."""
    x, y, z = direction[..., 0], direction[..., 1], direction[..., 2]
    return torch.stack([torch.atan2(x, z), torch.atan2(y, torch.hypot(x, z))], dim=-1)


def quat_from_yaw_pitch(angles: torch.Tensor) -> torch.Tensor:
    """The rotation [..., 4] that turns +Z to (yaw, pitch) `angles` [..., 2]: yaw about Y after pitch about X."""
    half = -0.5 * angles[..., 1]                    # pitch up is a negative turn about +X
    zero = torch.zeros_like(half)
    pitch = torch.stack([torch.cos(half), torch.sin(half), zero, zero], dim=-1)
    return quat_mul(quat_from_yaw(angles[..., 0]), pitch)


def head_part(gaze: torch.Tensor, eye_share: float) -> torch.Tensor:
    """The head's part of a gaze shift `gaze` (yaw, pitch) [..., 2]: all beyond the first `eye_share`
    radians of its size, which the eyes take alone (small shifts move the eyes only)."""
    size = torch.linalg.norm(gaze, dim=-1, keepdim=True)
    return gaze * (torch.clamp(size - eye_share, min=0.0) / torch.clamp(size, min=1e-6))


def clamp_angles(angles: torch.Tensor, limits: torch.Tensor) -> torch.Tensor:
    """(yaw, pitch) [..., 2] clamped to +-limits [2] (radians)."""
    return torch.maximum(torch.minimum(angles, limits), -limits)


def angle_between(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Angle in radians [...] between vectors [..., 3] (atan2 form: exact near 0 and pi)."""
    return torch.atan2(torch.linalg.norm(torch.linalg.cross(a, b, dim=-1), dim=-1), (a * b).sum(-1))
