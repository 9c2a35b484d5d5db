"""Run-time rotation math in torch, same conventions as `rotations` (quaternions (w, x, y, z)).

Every function is batched over leading dimensions and compiles with `torch.jit.script`, so
controllers can call them inside their TorchScript artifacts.
"""
from __future__ import annotations

import torch


def quat_normalize(q: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """q / |q|."""
    return q / torch.clamp(torch.linalg.norm(q, dim=-1, keepdim=True), min=eps)


def quat_mul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Hamilton product a * b (rotate by b, then by a)."""
    aw, ax, ay, az = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bw, bx, by, bz = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return torch.stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ], dim=-1)


def quat_inv(q: torch.Tensor) -> torch.Tensor:
    """Inverse of a unit quaternion (its conjugate)."""
    return torch.cat([q[..., :1], -q[..., 1:]], dim=-1)


def quat_rotate(q: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Rotate vectors v [..., 3] by unit quaternions q [..., 4]."""
    w = q[..., :1]
    u = q[..., 1:]
    u, v = torch.broadcast_tensors(u, v)
    t = 2.0 * torch.linalg.cross(u, v, dim=-1)
    return v + w * t + torch.linalg.cross(u, t, dim=-1)


def quat_to_matrix(q: torch.Tensor) -> torch.Tensor:
    """Rotation matrices [..., 3, 3]."""
    q = quat_normalize(q)
    w, x, y, z = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    m = torch.stack([
        1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
        2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
        2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
    ], dim=-1)
    return m.reshape(q.shape[:-1] + (3, 3))


def quat_from_matrix(m: torch.Tensor) -> torch.Tensor:
    """Unit quaternions (w >= 0) of rotation matrices [..., 3, 3] (Shepperd's method)."""
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    trace = m00 + m11 + m22
    cands = torch.stack([
        torch.stack([1 + trace, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]], -1),
        torch.stack([m[..., 2, 1] - m[..., 1, 2], 1 + m00 - m11 - m22, m[..., 1, 0] + m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0]], -1),
        torch.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] + m[..., 0, 1], 1 - m00 + m11 - m22, m[..., 2, 1] + m[..., 1, 2]], -1),
        torch.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0], m[..., 2, 1] + m[..., 1, 2], 1 - m00 - m11 + m22], -1),
    ], dim=-2)
    pick = torch.argmax(torch.stack([trace, m00, m11, m22], -1), dim=-1)
    index = pick[..., None, None].expand(pick.shape + (1, 4))
    q = quat_normalize(torch.gather(cands, -2, index).squeeze(-2))
    return torch.where(q[..., :1] < 0.0, -q, q)


def sixd_to_matrix(d: torch.Tensor) -> torch.Tensor:
    """Rotation matrix from a 6D vector (first two columns, Zhou et al.) by Gram-Schmidt."""
    a1 = d[..., :3]
    a2 = d[..., 3:]
    b1 = a1 / torch.clamp(torch.linalg.norm(a1, dim=-1, keepdim=True), min=1e-8)
    a2 = a2 - (b1 * a2).sum(-1, keepdim=True) * b1
    b2 = a2 / torch.clamp(torch.linalg.norm(a2, dim=-1, keepdim=True), min=1e-8)
    b3 = torch.linalg.cross(b1, b2, dim=-1)
    return torch.stack([b1, b2, b3], dim=-1)


def matrix_to_sixd(m: torch.Tensor) -> torch.Tensor:
    return torch.cat([m[..., :, 0], m[..., :, 1]], dim=-1)


def quat_from_sixd(d: torch.Tensor) -> torch.Tensor:
    return quat_from_matrix(sixd_to_matrix(d))


def quat_log(q: torch.Tensor) -> torch.Tensor:
    """Quaternion logarithm of the w >= 0 representative of q: axis * angle / 2, [..., 3]."""
    q = quat_normalize(q)
    q = torch.where(q[..., :1] < 0.0, -q, q)
    s = torch.linalg.norm(q[..., 1:], dim=-1, keepdim=True)
    half = torch.atan2(s, q[..., :1])
    scale = torch.where(s > 1e-6, half / torch.clamp(s, min=1e-12), 1.0 + s * s / 6.0)
    return q[..., 1:] * scale


def quat_exp(v: torch.Tensor) -> torch.Tensor:
    """Inverse of `quat_log`: [..., 3] -> unit quaternion [..., 4]."""
    half = torch.linalg.norm(v, dim=-1, keepdim=True)
    sinc = torch.where(half > 1e-6, torch.sin(half) / torch.clamp(half, min=1e-12), 1.0 - half * half / 6.0)
    return torch.cat([torch.cos(half), v * sinc], dim=-1)


def quat_from_yaw(angle: torch.Tensor) -> torch.Tensor:
    """Rotation by `angle` radians [...] about +Y."""
    z = torch.zeros_like(angle)
    return torch.stack([torch.cos(angle / 2.0), z, torch.sin(angle / 2.0), z], dim=-1)


def quat_to_yaw(q: torch.Tensor) -> torch.Tensor:
    """Heading about +Y of the direction q turns local +Z into."""
    forward = torch.zeros(q.shape[:-1] + (3,), dtype=q.dtype, device=q.device)
    forward[..., 2] = 1.0
    f = quat_rotate(q, forward)
    return torch.atan2(f[..., 0], f[..., 2])


def quat_nlerp(q0: torch.Tensor, q1: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Normalised lerp along the shorter arc; t [...] broadcasts against the batch dims."""
    q1 = torch.where((q0 * q1).sum(-1, keepdim=True) < 0.0, -q1, q1)
    t = t.unsqueeze(-1)
    return quat_normalize((1.0 - t) * q0 + t * q1)


SCRIPTABLE = (quat_normalize, quat_mul, quat_inv, quat_rotate, quat_to_matrix, quat_from_matrix, sixd_to_matrix,
              matrix_to_sixd, quat_from_sixd, quat_log, quat_exp, quat_from_yaw, quat_to_yaw, quat_nlerp)
