"""Seeding, RNG states and numbered checkpoints that a resumed run continues from identically."""
from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; returns a torch Generator seeded the same way for data order."""
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def rng_state() -> dict[str, Any]:
    """Every RNG's state, to store in a checkpoint so a resumed run continues identically."""
    return {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore what `rng_state` returned."""
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])


class CheckpointStore:
    """Numbered checkpoints `ckpt_<step>.pt` in `folder`, written atomically, the newest `keep` kept.

    A checkpoint is any dict torch.save accepts (model, optimiser, step, RNG states...).
    """

    def __init__(self, folder: str | Path, keep: int = 2) -> None:
        self.folder = Path(folder)
        self.keep = keep

    def _paths(self) -> list[Path]:
        return sorted(self.folder.glob("ckpt_*.pt"), key=lambda p: int(p.stem.split("_")[1]))

    def save(self, step: int, state: dict[str, Any]) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"ckpt_{step:08d}.pt"
        tmp = path.with_suffix(".tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)
        for old in self._paths()[:-self.keep]:
            old.unlink(missing_ok=True)
        return path

    def latest(self) -> tuple[int, dict[str, Any]] | None:
        """(step, state) of the newest readable checkpoint, or None."""
        for path in reversed(self._paths()):
            try:
                return int(path.stem.split("_")[1]), torch.load(path, map_location="cpu", weights_only=False)
            except Exception:  # a checkpoint cut off by a crash: fall back to the one before
                continue
        return None

    def clear(self) -> None:
        """Remove every checkpoint (a fresh run must not later resume from an older run's)."""
        for path in self._paths():
            path.unlink(missing_ok=True)
