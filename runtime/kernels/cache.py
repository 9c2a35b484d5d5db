"""The disk-cache policy of every numba kernel: recompile when any source the kernel reads changes.

numba's own cache (`njit(cache=True)`) keys a compiled function on the bytes of its *own* file only:
a kernel that calls a jitted helper from another file, or reads a layout constant from another
module (numba freezes globals at compile time), keeps running stale machine code after an edit of
that other file. The policy here fixes that at the root:

  * A module that defines kernels makes one `KernelCompiler(__file__, depends=[...])`, listing the
    modules whose constants or helpers its kernels read (this package's own helper files are always
    included), and decorates its kernels with `@compiler.jit` instead of `@njit(cache=True)`.
  * The compiler hashes all those files into a digest and points numba at a cache folder named by
    it: `<base>/neuropuppet-kernels/<module>-<path hash>-<digest>/`. An edit to any listed file
    changes the digest, so the next run compiles afresh; folders of older digests of the same module
    are removed.
  * numba reads `numba.config.CACHE_DIR` when a function is *decorated* (its cache locator is made in
    `Dispatcher.enable_caching`, called by `njit(cache=True)`), so `jit` sets it just for the
    decoration and restores it: other numba users of the process keep their own cache locations.
  * base: the user's `NUMBA_CACHE_DIR` when set (numba's own knob), else `__pycache__` beside this
    package when writable, else numba's per-user cache folder.
  * At decoration `jit` checks that every jitted function and module the kernel refers to by a global
    name lives in a listed file (so a forgotten dependency fails at import, not as stale code). Read
    another module's constants through the module (`features.TRAJ_SAMPLES`), not `from ... import`,
    so the check can see where they come from.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import types
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar, Union

import numba
from numba.core import config
from numba.core.dispatcher import Dispatcher

from ..errors import NeuropuppetError

F = TypeVar("F", bound=Callable[..., Any])
Source = Union[str, Path, types.ModuleType]

PACKAGE_DIR = Path(__file__).resolve().parent
_USER_BASE = config.CACHE_DIR   # NUMBA_CACHE_DIR as numba read it at import ("" when unset)
_LIBRARIES = frozenset({"math", "cmath", "operator", "numpy", "numba", "llvmlite"})


class KernelSourceError(NeuropuppetError):
    """A kernel refers to a jitted function or module whose file its compiler does not list."""


def shared_sources() -> tuple[Path, ...]:
    """This package's files: the shared helpers every kernel may call (always part of the digest)."""
    return tuple(sorted(PACKAGE_DIR.glob("*.py")))


def source_path(source: Source) -> Path:
    """The file of a module or path, resolved."""
    if isinstance(source, types.ModuleType):
        if getattr(source, "__file__", None) is None:
            raise KernelSourceError(f"kernel source module {source.__name__} has no file")
        source = source.__file__
    return Path(source).resolve()


def source_digest(paths: Iterable[Source]) -> str:
    """A digest of the files' names and bytes (order and duplicates do not matter)."""
    digest = hashlib.sha256()
    for path in sorted({source_path(p) for p in paths}):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return True
    except OSError:
        return False


def cache_base() -> Path:
    """Where kernel caches go: NUMBA_CACHE_DIR, else __pycache__ beside this package, else the user's cache."""
    if _USER_BASE:
        return Path(_USER_BASE)
    local = PACKAGE_DIR / "__pycache__"
    if _writable(local):
        return local
    from numba.misc.appdirs import user_cache_dir
    return Path(user_cache_dir(appname="numba", appauthor=False))


class KernelCompiler:
    """`@compiler.jit` is `numba.njit(cache=True)` into a cache folder keyed by the sources' digest.

    module_file: the file defining the kernels (pass `__file__`); depends: modules or paths whose
    constants or jitted helpers the kernels read, beyond this package's shared helpers.
    """

    def __init__(self, module_file: Source, depends: Iterable[Source] = ()) -> None:
        self.module_file = source_path(module_file)
        self.sources = tuple(sorted({self.module_file, *(source_path(d) for d in depends), *shared_sources()}))
        self.digest = source_digest(self.sources)
        owner = hashlib.sha1(str(self.module_file).encode()).hexdigest()[:8]
        self.prefix = f"{self.module_file.stem}-{owner}-"
        self.root = cache_base() / "neuropuppet-kernels"
        self.cache_dir = self.root / (self.prefix + self.digest)
        self._pruned = False

    def _prune(self) -> None:
        """Remove the cache folders of this module's older digests (same file, other contents)."""
        self._pruned = True
        if not self.root.is_dir():
            return
        for old in self.root.glob(self.prefix + "*"):
            if old != self.cache_dir and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)

    def check(self, fn: Callable[..., Any]) -> None:
        """Raise KernelSourceError if `fn` refers (by global name) to a jitted function or a module
        outside the listed sources."""
        listed = set(self.sources)
        for name in fn.__code__.co_names:
            value = fn.__globals__.get(name)
            if isinstance(value, Dispatcher):
                where = Path(value.py_func.__code__.co_filename).resolve()
                what = f"jitted function {name}"
            elif isinstance(value, types.ModuleType) and value.__name__.split(".")[0] not in _LIBRARIES:
                if getattr(value, "__file__", None) is None:
                    continue
                where, what = Path(value.__file__).resolve(), f"module {value.__name__}"
            else:
                continue
            if where not in listed:
                raise KernelSourceError(
                    f"{self.module_file}: kernel {fn.__name__} reads {what} from {where}, which its "
                    f"KernelCompiler does not list; add it to depends= so that edits to it recompile the kernel")

    def jit(self, fn: F | None = None, **options: Any) -> Any:
        """Decorate a kernel or helper: `@compiler.jit` or `@compiler.jit(fastmath=False)`."""
        if fn is None:
            return lambda f: self.jit(f, **options)
        self.check(fn)
        if not self._pruned:
            self._prune()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        saved = config.CACHE_DIR
        config.CACHE_DIR = str(self.cache_dir)
        try:
            return numba.njit(cache=True, **options)(fn)
        finally:
            config.CACHE_DIR = saved

    def __repr__(self) -> str:
        return f"KernelCompiler({self.module_file.name}, {len(self.sources)} sources, cache {self.cache_dir})"


def cached_kernels(compiler: KernelCompiler) -> list[Path]:
    """The cache files numba wrote for this compiler's kernels (for tests and diagnostics)."""
    return sorted(p for p in compiler.cache_dir.rglob("*") if p.suffix in (".nbi", ".nbc"))


__all__ = ["KernelCompiler", "KernelSourceError", "cache_base", "cached_kernels", "shared_sources", "source_digest",
           "source_path"]
