"""Quaternion and vector helpers for numba kernels: (w, x, y, z) and (x, y, z) tuples, LLVM inlines them.

The torch twins are in `neuropuppet.motion.rotations_torch` (same conventions and the same guards:
`qlog` takes the w >= 0 representative, `qexp` and `qlog` use the series below 1e-6).
"""
from __future__ import annotations

import math

from .cache import KernelCompiler

_compiler = KernelCompiler(__file__)


@_compiler.jit
def qmul(a, b):
    """Hamilton product a * b (rotate by b, then by a)."""
    aw, ax, ay, az = a
    bw, bx, by, bz = b
    return (aw * bw - ax * bx - ay * by - az * bz,
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw)


@_compiler.jit
def qconj(q):
    """The inverse of a unit quaternion."""
    return (q[0], -q[1], -q[2], -q[3])


@_compiler.jit
def qrot(q, v):
    """Vector v rotated by unit quaternion q."""
    w, x, y, z = q
    tx = 2.0 * (y * v[2] - z * v[1])
    ty = 2.0 * (z * v[0] - x * v[2])
    tz = 2.0 * (x * v[1] - y * v[0])
    return (v[0] + w * tx + y * tz - z * ty,
            v[1] + w * ty + z * tx - x * tz,
            v[2] + w * tz + x * ty - y * tx)


@_compiler.jit
def qlog(q):
    """axis * angle / 2 (3-tuple) of the normalised w >= 0 representative of q (`quat_log`)."""
    n = max(math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]), 1e-8)
    sign = -1.0 if q[0] < 0.0 else 1.0
    w, x, y, z = q[0] * sign / n, q[1] * sign / n, q[2] * sign / n, q[3] * sign / n
    s = math.sqrt(x * x + y * y + z * z)
    scale = math.atan2(s, w) / s if s > 1e-6 else 1.0 + s * s / 6.0
    return (x * scale, y * scale, z * scale)


@_compiler.jit
def qexp(v):
    """The unit quaternion of a `qlog` 3-tuple (`quat_exp`)."""
    half = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    sinc = math.sin(half) / half if half > 1e-6 else 1.0 - half * half / 6.0
    return (math.cos(half), v[0] * sinc, v[1] * sinc, v[2] * sinc)


@_compiler.jit
def from_yaw_pitch(yaw, pitch):
    """The rotation that turns +Z to (yaw, pitch): yaw about +Y after pitch about X (pitch up is a
    negative turn about +X), as `controllers.lookat.gaze.quat_from_yaw_pitch`."""
    cy, sy = math.cos(0.5 * yaw), math.sin(0.5 * yaw)
    cp, sp = math.cos(-0.5 * pitch), math.sin(-0.5 * pitch)
    return (cy * cp, cy * sp, sy * cp, -sy * sp)


@_compiler.jit
def heading(q):
    """Yaw about +Y of where local +Z points under q."""
    w, x, y, z = q
    return math.atan2(2.0 * (x * z + w * y), 1.0 - 2.0 * (x * x + y * y))


@_compiler.jit
def looks_along(q):
    """Where local +Z points under q (3-tuple)."""
    w, x, y, z = q
    return (2.0 * (x * z + w * y), 2.0 * (y * z - w * x), 1.0 - 2.0 * (x * x + y * y))


@_compiler.jit
def cross(a, b):
    """a x b of 3-tuples."""
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


@_compiler.jit
def normalised_or(v, fallback, eps):
    """v / |v| (3-tuples), or `fallback` where |v| <= eps (`locomotion.trajectory.safe_normalise`)."""
    n = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    if n > eps:
        return (v[0] / n, v[1] / n, v[2] / n)
    return (fallback[0], fallback[1], fallback[2])


@_compiler.jit
def from_matrix(r0, r1, r2):
    """The unit quaternion (w >= 0) of the rotation matrix with rows r0, r1, r2 (3-tuples), Shepperd's
    method as `rotations_torch.quat_from_matrix` (the largest of trace, m00, m11, m22 picks the formula)."""
    m00, m01, m02 = r0
    m10, m11, m12 = r1
    m20, m21, m22 = r2
    trace = m00 + m11 + m22
    if trace >= m00 and trace >= m11 and trace >= m22:
        w, x, y, z = 1.0 + trace, m21 - m12, m02 - m20, m10 - m01
    elif m00 >= m11 and m00 >= m22:
        w, x, y, z = m21 - m12, 1.0 + m00 - m11 - m22, m10 + m01, m02 + m20
    elif m11 >= m22:
        w, x, y, z = m02 - m20, m10 + m01, 1.0 - m00 + m11 - m22, m21 + m12
    else:
        w, x, y, z = m10 - m01, m02 + m20, m21 + m12, 1.0 - m00 - m11 + m22
    n = max(math.sqrt(w * w + x * x + y * y + z * z), 1e-8)
    if w < 0.0:
        n = -n
    return (w / n, x / n, y / n, z / n)


__all__ = ["cross", "from_matrix", "from_yaw_pitch", "heading", "looks_along", "normalised_or", "qconj", "qexp", "qlog",
           "qmul", "qrot"]
