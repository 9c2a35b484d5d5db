"""What the gaze network reads and writes each tick (one description for the trainer and the controller).

Frames: the *neutral head* is the head of the pose below this layer (in the training data: the
head with the neck and head rotations removed, i.e. turned like the chest). Quaternions (w, x, y, z),
Y up, a joint looks along local +Z; angles (yaw, pitch) as in `neuropuppet.controllers.lookat.gaze`.

Input x [..., 5]: the target seen from the neutral eye centre in the neutral head's frame, as a unit
direction (3) and log(distance / 1 m) (1), and the body's turn rate (yaw of the neutral head, rad/s).
Output [..., 7]: the head's (yaw, pitch) over the neutral head, each eye's (yaw, pitch) in the head
(left, right), radians, and the logit of a blink starting this tick.
"""
from __future__ import annotations

import torch

X_SIZE = 5
ANGLES = 6                       # head (2), left eye (2), right eye (2)
Y_SIZE = ANGLES + 1              # + blink logit
MIN_DISTANCE = 0.05              # metres: a target closer than this is treated as this far
X_NAMES = ("dir_x", "dir_y", "dir_z", "log_distance", "turn_rate")
Y_NAMES = ("head_yaw", "head_pitch", "left_yaw", "left_pitch", "right_yaw", "right_pitch", "blink_logit")


def target_features(target_in_head: torch.Tensor, turn_rate: torch.Tensor) -> torch.Tensor:
    """x [..., 5] from the target relative to the neutral eye centre in the neutral head's frame [..., 3]
    and the body's turn rate [..., 1] (rad/s)."""
    dist = torch.linalg.norm(target_in_head, dim=-1, keepdim=True).clamp_min(MIN_DISTANCE)
    return torch.cat([target_in_head / dist, torch.log(dist), turn_rate], dim=-1)


def heading(q: torch.Tensor) -> torch.Tensor:
    """Yaw [...] of where local +Z points under rotations q [..., 4] (radians, about +Y)."""
    w, x, y, z = q.unbind(-1)
    return torch.atan2(2 * (x * z + w * y), 1 - 2 * (x * x + y * y))


def wrap_angle(a: torch.Tensor) -> torch.Tensor:
    """Angles wrapped to [-pi, pi)."""
    return torch.remainder(a + torch.pi, 2 * torch.pi) - torch.pi
