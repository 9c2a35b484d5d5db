"""Scalar numba helpers every kernel may call (LLVM inlines them into the caller)."""
from __future__ import annotations

import math

from .cache import KernelCompiler

_compiler = KernelCompiler(__file__)


@_compiler.jit
def clamp(v, low, high):
    """min(max(v, low), high); NaN -> low (NaN never reaches an index)."""
    if not v >= low:
        return low
    return high if v > high else v


@_compiler.jit
def elu(v):
    return v if v > 0.0 else math.expm1(v)


@_compiler.jit
def normalised_or(x, z, fallback_x, fallback_z, eps):
    """(x, z) / |(x, z)|, or the fallback where the length is below eps (`locomotion.trajectory.safe_normalise`)."""
    length = math.sqrt(x * x + z * z)
    if length > eps:
        return x / length, z / length
    return fallback_x, fallback_z


__all__ = ["clamp", "elu", "normalised_or"]
