"""Progress bars (tqdm)."""
from __future__ import annotations

from typing import Any, Iterable

from tqdm.auto import tqdm


def progress(iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str = "",
             enabled: bool = True, initial: int = 0) -> tqdm:
    """A tqdm progress bar (off when `enabled` is False)."""
    return tqdm(iterable, total=total, desc=desc, disable=not enabled, initial=initial, dynamic_ncols=True,
                leave=True)
