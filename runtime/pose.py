"""The shared pose representation every controller emits and every consumer reads.

A batch of N characters on one skeleton, as plain tensors (Holden-style local transforms):

  root_position   [N, 3]     character root in world space (on the ground under the hips), metres
  root_rotation   [N, 4]     character root orientation, unit quaternion (w, x, y, z); Y up,
                             the character faces its local +Z
  local_positions [N, J, 3]  each joint's translation in its parent's frame; joint 0 relative to
                             the root. For most joints this equals the skeleton's rest offset.
  local_rotations [N, J, 4]  each joint's rotation in its parent's frame, unit quaternion (w, x, y, z)
  extras          the controller's declared output channels by name ([N, *shape] each; their
                  `neuropuppet.ports.OutputSpec`s say what they mean): "contacts" [N, C] in 0..1,
                  "trajectory" [N, T, 3] world points, "gaze_origin"/"gaze_direction" [N, 3],
                  "eyelid_closure", "expert_weights", "phase", and a controller's own.

Tensors live on the controller's device. `to_numpy()` is the one hand-off to the CPU.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .motion.skeleton import Skeleton
from .ports import OutputSpec


@dataclass
class PoseBatch:
    """Poses of N characters sharing one skeleton (see module docstring for layout)."""

    skeleton: Skeleton
    root_position: torch.Tensor
    root_rotation: torch.Tensor
    local_positions: torch.Tensor
    local_rotations: torch.Tensor
    extras: dict[str, torch.Tensor] = field(default_factory=dict)

    @property
    def batch_size(self) -> int:
        return int(self.root_position.shape[0])

    @classmethod
    def rest(cls, skeleton: Skeleton, batch_size: int = 1, device: torch.device | str = "cpu") -> "PoseBatch":
        """N characters in the skeleton's rest pose at the world origin, facing +Z."""
        j = skeleton.num_joints
        ident = torch.zeros(batch_size, 4, device=device)
        ident[:, 0] = 1.0
        offsets = torch.as_tensor(skeleton.offsets, device=device)
        return cls(
            skeleton=skeleton,
            root_position=torch.zeros(batch_size, 3, device=device),
            root_rotation=ident.clone(),
            local_positions=offsets.expand(batch_size, j, 3).clone(),
            local_rotations=ident[:, None, :].expand(batch_size, j, 4).clone(),
        )

    def tensors(self) -> dict[str, torch.Tensor]:
        """All tensors by name (core fields first, then extras)."""
        core = {
            "root_position": self.root_position,
            "root_rotation": self.root_rotation,
            "local_positions": self.local_positions,
            "local_rotations": self.local_rotations,
        }
        return {**core, **self.extras}

    def copy_(self, other: "PoseBatch") -> "PoseBatch":
        """Copy `other`'s values into this batch's buffers in place (no allocation when shapes match)."""
        self.root_position.copy_(other.root_position)
        self.root_rotation.copy_(other.root_rotation)
        self.local_positions.copy_(other.local_positions)
        self.local_rotations.copy_(other.local_rotations)
        for k, v in other.extras.items():
            mine = self.extras.get(k)
            if mine is None or mine.shape != v.shape or mine.device != v.device:
                self.extras[k] = v.clone()
            else:
                mine.copy_(v)
        return self

    def clone(self) -> "PoseBatch":
        return PoseBatch(
            self.skeleton,
            self.root_position.clone(),
            self.root_rotation.clone(),
            self.local_positions.clone(),
            self.local_rotations.clone(),
            {k: v.clone() for k, v in self.extras.items()},
        )

    def to_numpy(self, output_specs: "dict[str, OutputSpec] | None" = None) -> "PoseArrays":
        """Copy to host memory as float32 numpy arrays (the hand-off to renderers and games).

        Always a copy: the arrays stay valid after later ticks reuse this batch's buffers.
        """
        return PoseArrays(
            self.skeleton,
            *(host_array(t) for t in (self.root_position, self.root_rotation, self.local_positions, self.local_rotations)),
            {k: host_array(v) for k, v in self.extras.items()},
            output_specs or {},
        )

    def is_finite(self) -> bool:
        """True when no core tensor holds NaN or inf (one device sync: call it in checks, not per tick)."""
        return all(bool(torch.isfinite(t).all()) for t in
                   (self.root_position, self.root_rotation, self.local_positions, self.local_rotations))


def host_array(t: torch.Tensor) -> np.ndarray:
    """A float32 numpy copy of `t` in host memory (any device or dtype)."""
    return t.detach().to("cpu", torch.float32, copy=True).numpy()


@dataclass
class PoseArrays:
    """A `PoseBatch` copied to host memory as numpy arrays, same field names and layout."""

    skeleton: Skeleton
    root_position: np.ndarray
    root_rotation: np.ndarray
    local_positions: np.ndarray
    local_rotations: np.ndarray
    extras: dict[str, np.ndarray] = field(default_factory=dict)
    output_specs: dict[str, OutputSpec] = field(default_factory=dict)
    """What each extra means (declared by the controllers of the character's stack)."""

    @property
    def batch_size(self) -> int:
        return int(self.root_position.shape[0])
