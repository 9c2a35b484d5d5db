"""Forward kinematics in torch, scriptable (`torch.jit.script(forward_kinematics)` compiles)."""
from __future__ import annotations

from typing import List, Optional, Tuple

import torch

from .rotations_torch import quat_mul, quat_normalize, quat_rotate


def forward_kinematics(parents: List[int], local_positions: torch.Tensor, local_rotations: torch.Tensor,
                       root_position: Optional[torch.Tensor] = None,
                       root_rotation: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """World positions [..., J, 3] and rotations [..., J, 4]; same contract as the numpy version.

    parents: parent index per joint (-1 for the root), parents before children. Pass a Python list
    (e.g. `skeleton.parents.tolist()`); a module can keep it as a `List[int]` attribute.
    """
    local_rotations = quat_normalize(local_rotations)
    positions: List[torch.Tensor] = []
    rotations: List[torch.Tensor] = []
    for j in range(len(parents)):
        p = parents[j]
        if p < 0:
            pos = local_positions[..., j, :]
            rot = local_rotations[..., j, :]
            if root_rotation is not None:
                pos = quat_rotate(root_rotation, pos)
                rot = quat_mul(root_rotation, rot)
            if root_position is not None:
                pos = pos + root_position
            positions.append(pos)
            rotations.append(rot)
        else:
            positions.append(positions[p] + quat_rotate(rotations[p], local_positions[..., j, :]))
            rotations.append(quat_mul(rotations[p], local_rotations[..., j, :]))
    return torch.stack(positions, dim=-2), torch.stack(rotations, dim=-2)


def forward_kinematics_tensor(parents: torch.Tensor, local_positions: torch.Tensor, local_rotations: torch.Tensor,
                              root_position: Optional[torch.Tensor] = None,
                              root_rotation: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
    """`forward_kinematics` with parents given as an integer tensor [J]."""
    plist: List[int] = parents.tolist()
    return forward_kinematics(plist, local_positions, local_rotations, root_position, root_rotation)


class ForwardKinematics(torch.nn.Module):
    """FK for one skeleton as a scriptable module (parents baked in)."""

    def __init__(self, parents: List[int]):
        super().__init__()
        self.parents: List[int] = [int(p) for p in parents]

    def forward(self, local_positions: torch.Tensor, local_rotations: torch.Tensor,
                root_position: Optional[torch.Tensor] = None,
                root_rotation: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, torch.Tensor]:
        return forward_kinematics(self.parents, local_positions, local_rotations, root_position, root_rotation)
