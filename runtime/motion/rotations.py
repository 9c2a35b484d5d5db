"""Rotation math in numpy: unit quaternions (w, x, y, z), matrices, Euler angles, axis-angle, 6D.

Every function is batched over any leading dimensions: a quaternion array is [..., 4], a vector
array [..., 3], a matrix array [..., 3, 3]. Quaternions follow the Hamilton convention, so
`quat_mul(a, b)` applied to a vector rotates by `b` first, then by `a` (like matrix products).
Conventions: right-handed, Y up; yaw is rotation about +Y.
"""
from __future__ import annotations

import numpy as np

AXES = {"X": 0, "Y": 1, "Z": 2}
_EPS = 1e-8


def quat_identity(shape: tuple[int, ...] = ()) -> np.ndarray:
    """Identity quaternions of shape [*shape, 4]."""
    q = np.zeros(tuple(shape) + (4,))
    q[..., 0] = 1.0
    return q


def quat_normalize(q: np.ndarray, eps: float = _EPS) -> np.ndarray:
    """q / |q| (zero-length quaternions stay finite)."""
    q = np.asarray(q)
    return q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), eps)


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product a * b (rotate by b, then by a)."""
    a, b = np.asarray(a), np.asarray(b)
    aw, ax, ay, az = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bw, bx, by, bz = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return np.stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ], axis=-1)


def quat_inv(q: np.ndarray) -> np.ndarray:
    """Inverse of a unit quaternion (its conjugate)."""
    q = np.asarray(q)
    return q * np.array([1.0, -1.0, -1.0, -1.0], dtype=q.dtype if q.dtype.kind == "f" else np.float64)


def quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors v [..., 3] by unit quaternions q [..., 4]."""
    q, v = np.asarray(q), np.asarray(v)
    w, u = q[..., :1], q[..., 1:]
    t = 2.0 * np.cross(u, v)
    return v + w * t + np.cross(u, t)


def quat_abs(q: np.ndarray) -> np.ndarray:
    """The representative with w >= 0 (q and -q are the same rotation)."""
    q = np.asarray(q)
    return np.where(q[..., :1] < 0.0, -q, q)


def quat_unroll(q: np.ndarray, axis: int = 0) -> np.ndarray:
    """Flip signs along `axis` (time) so consecutive quaternions lie in the same hemisphere."""
    q = np.moveaxis(np.array(q, dtype=np.float64, copy=True), axis, 0)
    for t in range(1, len(q)):
        flip = np.sum(q[t] * q[t - 1], axis=-1) < 0.0
        q[t][flip] = -q[t][flip]
    return np.moveaxis(q, 0, axis)


def quat_from_axis_angle(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotation by `angle` radians [...] about `axis` [..., 3] (normalised here)."""
    axis = np.asarray(axis, dtype=np.float64)
    angle = np.asarray(angle, dtype=np.float64)[..., None]
    axis = axis / np.maximum(np.linalg.norm(axis, axis=-1, keepdims=True), _EPS)
    return np.concatenate([np.cos(angle / 2.0), np.sin(angle / 2.0) * axis], axis=-1)


def quat_to_axis_angle(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit axis [..., 3], angle [...] in [0, pi]); the identity gives axis +X, angle 0."""
    q = quat_abs(quat_normalize(q))
    s = np.linalg.norm(q[..., 1:], axis=-1)
    angle = 2.0 * np.arctan2(s, q[..., 0])
    default = np.broadcast_to(np.array([1.0, 0.0, 0.0]), q[..., 1:].shape)
    axis = np.where(s[..., None] > _EPS, q[..., 1:] / np.maximum(s, _EPS)[..., None], default)
    return axis, angle


def quat_from_rotvec(r: np.ndarray) -> np.ndarray:
    """Quaternion from a rotation vector (axis * angle)."""
    return quat_exp(np.asarray(r) / 2.0)


def quat_to_rotvec(q: np.ndarray) -> np.ndarray:
    """Rotation vector (axis * angle, angle in [0, pi]) of q."""
    return 2.0 * quat_log(q)


def quat_log(q: np.ndarray) -> np.ndarray:
    """Quaternion logarithm: axis * angle / 2, [..., 3] (PFNN's joint-rotation encoding).

    Taken of the representative with w >= 0 (same rotation), so |log| <= pi/2 and
    `quat_exp(quat_log(q)) == quat_abs(q)`.
    """
    q = quat_abs(quat_normalize(q))
    s = np.linalg.norm(q[..., 1:], axis=-1, keepdims=True)
    half = np.arctan2(s, q[..., :1])
    # half/s -> 1 as s -> 0 (w > 0); use the series to stay exact near identity.
    scale = np.where(s > 1e-6, half / np.maximum(s, 1e-12), 1.0 + s * s / 6.0)
    return q[..., 1:] * scale


def quat_exp(v: np.ndarray) -> np.ndarray:
    """Inverse of `quat_log`: [..., 3] -> unit quaternion [..., 4]."""
    v = np.asarray(v, dtype=np.float64)
    half = np.linalg.norm(v, axis=-1, keepdims=True)
    sinc = np.where(half > 1e-6, np.sin(half) / np.maximum(half, 1e-12), 1.0 - half * half / 6.0)
    return np.concatenate([np.cos(half), v * sinc], axis=-1)


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """Rotation matrices [..., 3, 3] of unit quaternions (columns are the rotated basis vectors)."""
    q = quat_normalize(q)
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    xx, yy, zz = x * x, y * y, z * z
    xy, xz, yz = x * y, x * z, y * z
    wx, wy, wz = w * x, w * y, w * z
    m = np.stack([
        1 - 2 * (yy + zz), 2 * (xy - wz), 2 * (xz + wy),
        2 * (xy + wz), 1 - 2 * (xx + zz), 2 * (yz - wx),
        2 * (xz - wy), 2 * (yz + wx), 1 - 2 * (xx + yy),
    ], axis=-1)
    return m.reshape(q.shape[:-1] + (3, 3))


def quat_from_matrix(m: np.ndarray) -> np.ndarray:
    """Unit quaternions (w >= 0) of rotation matrices [..., 3, 3] (Shepperd's stable method)."""
    m = np.asarray(m, dtype=np.float64)
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    trace = m00 + m11 + m22
    # Four candidate formulas; each is well conditioned when its leading component is largest.
    cands = np.stack([
        np.stack([1 + trace, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]], -1),
        np.stack([m[..., 2, 1] - m[..., 1, 2], 1 + m00 - m11 - m22, m[..., 1, 0] + m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0]], -1),
        np.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] + m[..., 0, 1], 1 - m00 + m11 - m22, m[..., 2, 1] + m[..., 1, 2]], -1),
        np.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0], m[..., 2, 1] + m[..., 1, 2], 1 - m00 - m11 + m22], -1),
    ], axis=-2)
    pick = np.argmax(np.stack([trace, m00, m11, m22], -1), axis=-1)
    q = np.take_along_axis(cands, pick[..., None, None], axis=-2)[..., 0, :]
    return quat_abs(quat_normalize(q))


def _check_order(order: str) -> str:
    order = order.upper()
    if len(order) != 3 or sorted(order) != ["X", "Y", "Z"]:
        raise ValueError(f"rotation order {order!r} is not a permutation of XYZ")
    return order


def quat_from_euler(angles: np.ndarray, order: str = "ZYX") -> np.ndarray:
    """Quaternions from Euler angles in radians [..., 3], BVH convention.

    `angles[..., i]` rotates about axis `order[i]`; the rotations are intrinsic and compose as
    R = R_order[0](a0) @ R_order[1](a1) @ R_order[2](a2), exactly as BVH channel lists read
    ("Zrotation Yrotation Xrotation" -> order "ZYX").
    """
    order = _check_order(order)
    half = np.moveaxis(np.asarray(angles, dtype=np.float64) * 0.5, -1, 0)
    cos, sin = np.cos(half), np.sin(half)
    # Multiply the three elementary rotations component-wise (w, x, y, z as separate arrays).
    w, v = cos[0], [0.0, 0.0, 0.0]
    v[AXES[order[0]]] = sin[0]
    for i in (1, 2):
        k = AXES[order[i]]
        c, s = cos[i], sin[i]
        # (w, v) * (c, s e_k) = (w c - s v_k, c v + w s e_k + s v x e_k)
        cross = [0.0, 0.0, 0.0]
        cross[(k + 1) % 3] = v[(k + 2) % 3] * s
        cross[(k + 2) % 3] = -v[(k + 1) % 3] * s
        new_w = w * c - v[k] * s
        v = [v[a] * c + cross[a] + (w * s if a == k else 0.0) for a in range(3)]
        w = new_w
    shape = np.shape(w)
    return np.stack([np.broadcast_to(x, shape) for x in (w, *v)], axis=-1)


def _axis_matrix(axis: int, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    m = np.zeros(angle.shape + (3, 3))
    j, k = (axis + 1) % 3, (axis + 2) % 3
    m[..., axis, axis] = 1.0
    m[..., j, j] = c
    m[..., k, k] = c
    m[..., k, j] = s
    m[..., j, k] = -s
    return m


def quat_to_euler(q: np.ndarray, order: str = "ZYX") -> np.ndarray:
    """Euler angles in radians [..., 3] such that `quat_from_euler(angles, order)` gives back q.

    The middle angle lies in [-pi/2, pi/2]; at gimbal lock the last angle is set to 0.
    """
    order = _check_order(order)
    i, j, k = (AXES[a] for a in order)
    sign = 1.0 if (j - i) % 3 == 1 else -1.0  # +1 for cyclic orders (XYZ, YZX, ZXY)
    m = quat_to_matrix(q)
    b = np.arcsin(np.clip(sign * m[..., i, k], -1.0, 1.0))
    a = np.arctan2(-sign * m[..., j, k], m[..., k, k])
    c = np.arctan2(-sign * m[..., i, j], m[..., i, i])
    locked = np.abs(m[..., i, k]) > 1.0 - 1e-9
    if np.any(locked):
        # R = R_i(a) R_j(b) with c = 0: recover a from R @ R_j(b)^T.
        n = m @ np.swapaxes(_axis_matrix(j, b), -1, -2)
        a_locked = np.arctan2(sign * n[..., k, j], n[..., j, j])
        a = np.where(locked, a_locked, a)
        c = np.where(locked, 0.0, c)
    return np.stack([a, b, c], axis=-1)


def matrix_to_sixd(m: np.ndarray) -> np.ndarray:
    """6D representation (Zhou et al. 2019): the first two matrix columns, [..., 6]."""
    m = np.asarray(m)
    return np.concatenate([m[..., :, 0], m[..., :, 1]], axis=-1)


def sixd_to_matrix(d: np.ndarray) -> np.ndarray:
    """Rotation matrix from any 6D vector by Gram-Schmidt on its two 3-vectors."""
    d = np.asarray(d, dtype=np.float64)
    a1, a2 = d[..., :3], d[..., 3:]
    b1 = a1 / np.maximum(np.linalg.norm(a1, axis=-1, keepdims=True), _EPS)
    a2 = a2 - np.sum(b1 * a2, axis=-1, keepdims=True) * b1
    b2 = a2 / np.maximum(np.linalg.norm(a2, axis=-1, keepdims=True), _EPS)
    b3 = np.cross(b1, b2)
    return np.stack([b1, b2, b3], axis=-1)


def quat_to_sixd(q: np.ndarray) -> np.ndarray:
    return matrix_to_sixd(quat_to_matrix(q))


def quat_from_sixd(d: np.ndarray) -> np.ndarray:
    return quat_from_matrix(sixd_to_matrix(d))


def quat_nlerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Normalised linear interpolation along the shorter arc; t broadcasts against [...].

    Computes in the inputs' float type (float32 stays float32, for the per-frame pose hand-off)."""
    dtype = np.result_type(q0, q1, np.float32)
    q0, q1 = np.asarray(q0, dtype=dtype), np.asarray(q1, dtype=dtype)
    t = np.asarray(t, dtype=dtype)[..., None]
    q1 = np.where(np.einsum("...i,...i->...", q0, q1)[..., None] < 0.0, -q1, q1)
    q = q0 + t * (q1 - q0)
    return q / np.maximum(np.sqrt(np.einsum("...i,...i->...", q, q))[..., None], _EPS)


def quat_slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray | float) -> np.ndarray:
    """Spherical linear interpolation along the shorter arc; t broadcasts against [...]."""
    q0, q1 = quat_normalize(q0), quat_normalize(q1)
    t = np.asarray(t, dtype=np.float64)[..., None]
    dot = np.sum(q0 * q1, axis=-1, keepdims=True)
    q1 = np.where(dot < 0.0, -q1, q1)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin_theta = np.sin(theta)
    close = sin_theta < 1e-6
    safe = np.where(close, 1.0, sin_theta)
    w0 = np.where(close, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    w1 = np.where(close, t, np.sin(t * theta) / safe)
    return quat_normalize(w0 * q0 + w1 * q1)


def quat_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Shortest rotation taking direction u [..., 3] to direction v [..., 3]."""
    u = np.asarray(u, dtype=np.float64)
    v = np.asarray(v, dtype=np.float64)
    u = u / np.maximum(np.linalg.norm(u, axis=-1, keepdims=True), _EPS)
    v = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), _EPS)
    w = 1.0 + np.sum(u * v, axis=-1, keepdims=True)
    xyz = np.cross(u, v)
    # Opposite vectors: rotate by pi about any axis perpendicular to u.
    other = np.where(np.abs(u[..., :1]) < 0.9, np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    perp = np.cross(u, other)
    # Near-opposite vectors are still well handled by (1 + u.v, u x v): the cross product is then
    # tiny but perpendicular to u. Only (numerically) exact opposites need the fallback axis.
    opposite = (w * w + np.sum(xyz * xyz, axis=-1, keepdims=True)) < 1e-24
    q = np.where(opposite, np.concatenate([np.zeros_like(w), perp], -1), np.concatenate([w, xyz], -1))
    norm = np.linalg.norm(q, axis=-1, keepdims=True)
    return q / np.where(norm > 0.0, norm, 1.0)  # no eps clamp: a tiny q is still a valid direction


def quat_from_yaw(angle: np.ndarray | float) -> np.ndarray:
    """Rotation by `angle` radians about +Y (yaw 0 faces +Z, yaw pi/2 faces +X)."""
    angle = np.asarray(angle, dtype=np.float64)
    z = np.zeros_like(angle)
    return np.stack([np.cos(angle / 2.0), z, np.sin(angle / 2.0), z], axis=-1)


def quat_to_yaw(q: np.ndarray, forward: np.ndarray | None = None) -> np.ndarray:
    """Heading angle about +Y of the direction q turns `forward` (default local +Z) into."""
    f = quat_rotate(q, np.array([0.0, 0.0, 1.0]) if forward is None else forward)
    return np.arctan2(f[..., 0], f[..., 2])
