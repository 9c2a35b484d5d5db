"""The kernels' disk cache notices an edit of any file a kernel reads, and honours NUMBA_CACHE_DIR."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from neuropuppet import kernels
from neuropuppet.kernels import KernelCompiler, KernelSourceError, shared_sources, source_digest

RUNTIME = Path(kernels.__file__).resolve().parents[1]
ROOT = RUNTIME.parent


def kernel_sources() -> list[Path]:
    """Every file a shipped kernel's digest covers."""
    return sorted({*shared_sources(), RUNTIME / "features.py", RUNTIME / "motion" / "foot_ik.py",
                   ROOT / "controllers" / "pfnn" / "native.py", ROOT / "controllers" / "pfnn" / "features.py"})


def test_the_digest_changes_when_any_listed_file_changes(tmp_path: Path) -> None:
    copies = []
    for i, src in enumerate(kernel_sources()):
        dst = tmp_path / f"{i}" / src.name
        dst.parent.mkdir()
        shutil.copy(src, dst)
        copies.append(dst)
    base = source_digest(copies)
    assert source_digest(reversed(copies)) == base                      # order does not matter
    for path in copies:
        original = path.read_bytes()
        path.write_bytes(original + b"\n# edited\n")
        assert source_digest(copies) != base, path.name
        path.write_bytes(original)
    assert source_digest(copies) == base


def test_shipped_kernels_cover_their_layout_modules() -> None:
    from neuropuppet.controllers.pfnn import native
    from neuropuppet.motion import foot_ik
    covered = set(native._compiler.sources)
    assert {ROOT / "controllers" / "pfnn" / "features.py", RUNTIME / "features.py", *shared_sources()} <= covered
    assert set(shared_sources()) <= set(foot_ik._compiler.sources)
    assert native._compiler.cache_dir.name.endswith(native._compiler.digest)


def test_a_kernel_reading_an_unlisted_module_is_refused(tmp_path: Path) -> None:
    layout = tmp_path / "np_layout_unlisted.py"
    layout.write_text("WIDTH = 3\n")
    (tmp_path / "kernel_module.py").write_text("# defines the kernel below\n")
    sys.path.insert(0, str(tmp_path))
    try:
        import np_layout_unlisted
        namespace = {"np_layout_unlisted": np_layout_unlisted}
        exec("def kernel(x):\n    return x * np_layout_unlisted.WIDTH\n", namespace)
        with pytest.raises(KernelSourceError, match="np_layout_unlisted"):
            KernelCompiler(tmp_path / "kernel_module.py").jit(namespace["kernel"])
    finally:
        sys.path.remove(str(tmp_path))


MODULE = """
import layout_np
from neuropuppet.kernels import KernelCompiler, scalar
compiler = KernelCompiler(__file__, depends=[layout_np])

@compiler.jit
def kernel(x):
    return scalar.clamp(x * layout_np.WIDTH, 0.0, 100.0)

print(kernel(2.0), sum(kernel.stats.cache_hits.values()), compiler.cache_dir)
"""


def run_module(folder: Path, cache: Path) -> tuple[float, int, Path]:
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(folder))
    out = subprocess.run([sys.executable, str(folder / "kernel_np.py")], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    value, hits, where = out.stdout.split()
    return float(value), int(hits), Path(where)


def test_an_edit_of_a_dependency_recompiles_and_the_user_cache_dir_is_the_base(tmp_path: Path) -> None:
    code, cache = tmp_path / "code", tmp_path / "user-cache"
    code.mkdir()
    (code / "kernel_np.py").write_text(textwrap.dedent(MODULE))
    (code / "layout_np.py").write_text("WIDTH = 3\n")
    value, hits, where = run_module(code, cache)
    assert (value, hits) == (6.0, 0) and cache in where.parents     # compiled, under NUMBA_CACHE_DIR
    assert any(where.rglob("*.nbi"))
    assert run_module(code, cache)[:2] == (6.0, 1)                  # loaded from the disk cache
    (code / "layout_np.py").write_text("WIDTH = 5\n")                # numba alone would keep returning 6
    value, hits, moved = run_module(code, cache)
    assert (value, hits) == (10.0, 0) and moved != where
    assert not where.exists()                                       # the stale digest's folder is pruned
