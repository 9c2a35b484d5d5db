"""Forward kinematics in numpy: local joint transforms -> world transforms."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .rotations import quat_mul, quat_normalize, quat_rotate

if TYPE_CHECKING:
    from ..pose import PoseArrays


def forward_kinematics(parents: np.ndarray | list[int], local_positions: np.ndarray, local_rotations: np.ndarray,
                       root_position: np.ndarray | None = None,
                       root_rotation: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """World positions [..., J, 3] and rotations [..., J, 4] of a batch of poses.

    parents: [J] parent index per joint, -1 for the root; parents precede children.
    local_positions [..., J, 3], local_rotations [..., J, 4]: each joint's transform in its parent's frame.
    root_position [..., 3] / root_rotation [..., 4]: optional transform applied above joint 0
    (the character root of `neuropuppet.pose`); world_j = root * local_0 * ... * local_j.
    """
    parents = [int(p) for p in parents]
    local_positions = np.asarray(local_positions, dtype=np.float64)
    local_rotations = quat_normalize(np.asarray(local_rotations, dtype=np.float64))
    world_pos = np.empty(np.broadcast_shapes(local_positions.shape, local_rotations.shape[:-1] + (3,)))
    world_rot = np.empty(world_pos.shape[:-1] + (4,))
    for j, p in enumerate(parents):
        if p < 0:
            pos, rot = local_positions[..., j, :], local_rotations[..., j, :]
            if root_rotation is not None:
                root_rotation = np.asarray(root_rotation, dtype=np.float64)
                pos = quat_rotate(root_rotation, pos)
                rot = quat_mul(root_rotation, rot)
            if root_position is not None:
                pos = pos + np.asarray(root_position, dtype=np.float64)
            world_pos[..., j, :] = pos
            world_rot[..., j, :] = rot
        else:
            world_pos[..., j, :] = world_pos[..., p, :] + quat_rotate(world_rot[..., p, :], local_positions[..., j, :])
            world_rot[..., j, :] = quat_mul(world_rot[..., p, :], local_rotations[..., j, :])
    return world_pos, world_rot


def bone_lengths(parents: np.ndarray | list[int], world_positions: np.ndarray) -> np.ndarray:
    """Distance from each non-root joint to its parent, [..., J-1] (joints 1..J-1 in order)."""
    parents = np.asarray(parents)
    child = np.nonzero(parents >= 0)[0]
    return np.linalg.norm(world_positions[..., child, :] - world_positions[..., parents[child], :], axis=-1)


def pose_world_positions(pose: "PoseArrays") -> np.ndarray:
    """World joint positions [N, J, 3] of a host-side pose batch (root transform * joint 0 * ...)."""
    pos, _ = forward_kinematics(pose.skeleton.parents, pose.local_positions, pose.local_rotations,
                                pose.root_position, pose.root_rotation)
    return pos.astype(np.float32)
