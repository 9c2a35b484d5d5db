"""`neuropuppet.kernels`: numba helpers in one place, with one disk-cache policy.

  cache       `KernelCompiler`: `@compiler.jit` = `njit(cache=True)` into a folder keyed by a digest
              of the kernel's file, the modules it declares it reads, and every file of this package,
              so an edit to any of them recompiles (see cache.py); honours NUMBA_CACHE_DIR as the base
  scalar      clamp, elu, normalised_or
  terrain     bilinear height, the three trajectory probes
  network     expert-blended layers and MLPs over weight tables, PFNN's phase coefficients
  locomotion  stick -> desired velocity, facing and gait weights (gait table as arrays), trajectory blend

A kernel module: `compiler = KernelCompiler(__file__, depends=[layout_module])`, then `@compiler.jit`;
call the helpers through their modules (`network.expert_mlp(...)`). Users: controllers/pfnn/native.py,
motion/foot_ik.py.
"""
from __future__ import annotations

from .cache import KernelCompiler, KernelSourceError, cache_base, cached_kernels, shared_sources, source_digest

__all__ = ["KernelCompiler", "KernelSourceError", "cache_base", "cached_kernels", "shared_sources", "source_digest"]
