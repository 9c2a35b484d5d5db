"""Short names for the quaternion and kinematics helpers the generators use (w, x, y, z order).

Everything here is the shared `neuropuppet.motion.rotations` / `.kinematics` code; only `about`
(rotation about a named axis) and `frame` (orientation from forward and up) are generator-specific.
"""
from __future__ import annotations

import numpy as np

from ..kinematics import forward_kinematics as _fk
from ..rotations import quat_from_axis_angle, quat_from_matrix, quat_identity, quat_inv, quat_mul, quat_rotate, \
    quat_unroll

mul = quat_mul
inv = quat_inv
rotate = quat_rotate
from_matrix = quat_from_matrix
unroll = quat_unroll
_AXES = {"x": np.array([1.0, 0, 0]), "y": np.array([0, 1.0, 0]), "z": np.array([0, 0, 1.0])}


def identity(*shape: int) -> np.ndarray:
    """Identity quaternions of the given leading shape."""
    return quat_identity(shape)


def about(axis: str | np.ndarray, angle: np.ndarray | float) -> np.ndarray:
    """Rotation by `angle` radians about axis "x", "y", "z" or a unit vector [3]."""
    return quat_from_axis_angle(_AXES[axis] if isinstance(axis, str) else axis, angle)


def frame(forward: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Quaternions rotating local +Y to `up` with local +Z as close as possible to `forward`."""
    y = up / np.linalg.norm(up, axis=-1, keepdims=True)
    z = forward - np.sum(forward * y, axis=-1, keepdims=True) * y
    z = z / np.maximum(np.linalg.norm(z, axis=-1, keepdims=True), 1e-9)
    x = np.cross(y, z)
    return from_matrix(np.stack([x, y, z], axis=-1))


def forward_kinematics(parents: np.ndarray, positions: np.ndarray, rotations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World (rotations, positions) [..., J, 4/3] from local ones (joint 0 local = world)."""
    world_pos, world_rot = _fk(parents, positions, rotations)
    return world_rot, world_pos
