"""Machinery every trainer plugin shares: seeding, checkpoints that resume, data fingerprints, reports."""
from __future__ import annotations

import hashlib
import json
import os
import random
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import torch
from tqdm.auto import tqdm


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, numpy and torch; returns a torch Generator seeded the same way for data order."""
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def fingerprint(paths: Iterable[str | Path]) -> str:
    """SHA-256 over the names and bytes of the given files (order-independent): what the data was."""
    h = hashlib.sha256()
    for p in sorted(Path(p) for p in paths):
        h.update(p.name.encode())
        h.update(b"\0")
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


class CheckpointStore:
    """Numbered checkpoints in `folder`, written atomically, the newest `keep` kept.

    A checkpoint is any dict torch.save accepts (model, optimiser, epoch, RNG states...).
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


def rng_state() -> dict[str, Any]:
    """Every RNG's state, to store in a checkpoint so a resumed run continues identically."""
    return {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}


def set_rng_state(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])


def progress(iterable: Iterable[Any] | None = None, *, total: int | None = None, desc: str = "",
             enabled: bool = True, initial: int = 0) -> tqdm:
    """A tqdm progress bar (off when `enabled` is False)."""
    return tqdm(iterable, total=total, desc=desc, disable=not enabled, initial=initial, dynamic_ncols=True,
                leave=True)


def write_report(folder: str | Path, title: str, metrics: dict[str, Any], notes: str = "") -> Path:
    """Write `report.json` (machine-readable) and `report.md` (a table for people); returns the .md path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(metrics, indent=2, default=float))
    lines = [f"# {title}", ""]
    if notes:
        lines += [notes, ""]
    lines += _table(metrics)
    md = folder / "report.md"
    md.write_text("\n".join(lines) + "\n")
    return md


def _table(metrics: dict[str, Any]) -> list[str]:
    """Flat metrics as a two-column table; a {row: {column: value}} dict as a wide table."""
    if metrics and all(isinstance(v, dict) for v in metrics.values()):
        cols = list(dict.fromkeys(c for v in metrics.values() for c in v))
        out = ["| metric | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
        for name, row in metrics.items():
            out.append(f"| {name} | " + " | ".join(_fmt(row.get(c, "")) for c in cols) + " |")
        return out
    out = ["| metric | value |", "|---|---|"]
    out += [f"| {k} | {_fmt(v)} |" for k, v in metrics.items()]
    return out


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)
