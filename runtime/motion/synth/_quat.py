"""Private numpy quaternion and forward-kinematics helpers the generators need (w, x, y, z order).

Kept tiny and private so the generators do not depend on the shared rotations module's exact
API while it is being written; public code should use `neuropuppet.motion.rotations`.
"""
from __future__ import annotations

import numpy as np


def identity(*shape: int) -> np.ndarray:
    """Identity quaternions of the given leading shape."""
    q = np.zeros((*shape, 4))
    q[..., 0] = 1.0
    return q


def mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b (apply b first, then a)."""
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ], axis=-1)


def inv(q: np.ndarray) -> np.ndarray:
    """Inverse of unit quaternions (their conjugate)."""
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v [..., 3] by unit quaternions q [..., 4]."""
    w = q[..., :1]
    u = q[..., 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def about(axis: str | np.ndarray, angle: np.ndarray | float) -> np.ndarray:
    """Rotation by `angle` radians about axis "x", "y", "z" or a unit vector [3]."""
    angle = np.asarray(angle, dtype=np.float64)
    if isinstance(axis, str):
        axis = {"x": np.array([1.0, 0, 0]), "y": np.array([0, 1.0, 0]), "z": np.array([0, 0, 1.0])}[axis]
    half = angle[..., None] / 2.0
    return np.concatenate([np.cos(half), np.sin(half) * axis], axis=-1)


def from_matrix(m: np.ndarray) -> np.ndarray:
    """Unit quaternions (w >= 0) from rotation matrices [..., 3, 3] (columns are the rotated axes)."""
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    cands = np.stack([
        np.stack([1 + m00 + m11 + m22, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]], -1),
        np.stack([m[..., 2, 1] - m[..., 1, 2], 1 + m00 - m11 - m22, m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0]], -1),
        np.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 0, 1] + m[..., 1, 0], 1 - m00 + m11 - m22, m[..., 1, 2] + m[..., 2, 1]], -1),
        np.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1], 1 - m00 - m11 + m22], -1),
    ], axis=-2)
    best = np.argmax(np.stack([m00 + m11 + m22, m00, m11, m22], -1), axis=-1)
    q = np.take_along_axis(cands, best[..., None, None], axis=-2)[..., 0, :]
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    return q * np.where(q[..., :1] < 0, -1.0, 1.0)


def frame(forward: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Quaternions rotating local +Y to `up` with local +Z as close as possible to `forward`."""
    y = up / np.linalg.norm(up, axis=-1, keepdims=True)
    z = forward - np.sum(forward * y, axis=-1, keepdims=True) * y
    z = z / np.maximum(np.linalg.norm(z, axis=-1, keepdims=True), 1e-9)
    x = np.cross(y, z)
    return from_matrix(np.stack([x, y, z], axis=-1))


def unroll(q: np.ndarray) -> np.ndarray:
    """Flip signs along axis 0 so consecutive quaternions lie in the same hemisphere."""
    q = q.copy()
    for t in range(1, len(q)):
        flip = np.sum(q[t] * q[t - 1], axis=-1) < 0
        q[t][flip] *= -1
    return q


def forward_kinematics(parents: np.ndarray, positions: np.ndarray, rotations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World rotations and positions [..., J, 4/3] from local ones (joint 0 local = world)."""
    g_rot = np.empty(rotations.shape)
    g_pos = np.empty(positions.shape)
    g_rot[..., 0, :] = rotations[..., 0, :]
    g_pos[..., 0, :] = positions[..., 0, :]
    for j in range(1, len(parents)):
        p = parents[j]
        g_pos[..., j, :] = g_pos[..., p, :] + rotate(g_rot[..., p, :], positions[..., j, :])
        g_rot[..., j, :] = mul(g_rot[..., p, :], rotations[..., j, :])
    return g_rot, g_pos
