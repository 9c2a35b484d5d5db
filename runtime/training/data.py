"""Training data: fingerprints of data files, a dataset cache keyed by them, the held-out split by file.

The split holds out whole data files (every clip made from a file, mirrored variants included,
goes to the same side), so no held-out frame has a near-copy in training. Which files: the last
ceil(holdout * n) in name order (at least one, never all), deterministic and independent of the
order the files were listed in. With a single data file there is nothing to split by, and the last
`holdout` fraction of each clip's items (a contiguous tail in time) is held out instead.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from ..errors import MotionDataError


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


def synthetic_data_folder(folder: str | Path, kind: str, minutes: float, seed: int, *, progress: bool = True,
                          **options: Any) -> Path:
    """`folder`, first filled with `minutes` of the synthetic generator `kind` (`neuropuppet data synth`;
    `options` go to `synth.generate`, e.g. piano's `tempo_range`) when it holds no BVH file and minutes > 0:
    a trainer's data on a fresh machine. A folder whose generation was cut off (`synth.is_incomplete`) is
    written again from the start; one that `generate` wrote with other settings (`synth.made_with`) is a
    MotionDataError, not silently other data."""
    from ..motion import synth
    folder = Path(folder)
    if minutes > 0 and (synth.is_incomplete(folder) or not any(folder.glob("*.bvh"))):
        if synth.is_incomplete(folder):
            print(f"{folder}: an earlier `neuropuppet data synth` was cut off; writing the data again", flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        synth.generate(kind, folder, minutes, seed, progress=progress, **options)
    elif minutes > 0:
        found, wanted = synth.made_with(folder), synth.manifest(kind, minutes, seed, **options)
        if found is not None and found != wanted:
            raise MotionDataError(f"{folder}: holds synthetic data made with {_described(found)}, not the "
                                  f"{_described(wanted)} asked for; delete the folder (it is written again) or "
                                  "give another one")
    return folder


def _described(made: dict[str, Any]) -> str:
    options = "".join(f", {k}={v}" for k, v in made.get("options", {}).items())
    return f"{made.get('kind')} {made.get('minutes'):g} minutes seed {made.get('seed')}{options}"


def find_clips(folder: str | Path) -> list[Path]:
    """The .bvh files of a data folder, sorted; MotionDataError when the folder is missing or holds none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MotionDataError(f"{folder}: data folder not found")
    from ..motion.synth import INCOMPLETE, is_incomplete
    if is_incomplete(folder):
        raise MotionDataError(f"{folder}: `neuropuppet data synth` was cut off while writing this folder "
                              f"(it still holds {INCOMPLETE}); run it again or delete the folder")
    clips = sorted(folder.glob("*.bvh"))
    if not clips:
        raise MotionDataError(f"{folder}: no .bvh files")
    return clips


def dataset_key(files_fingerprint: str, config: Mapping[str, Any], version: int | str = 1) -> str:
    """Cache key of a built dataset: its files' fingerprint, the config it depends on, the builder's version."""
    text = json.dumps({"files": files_fingerprint, "config": dict(config), "version": version},
                      sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class DatasetCache:
    """Built datasets in `folder` as `<prefix>_<key>.pkl`; writing one removes the stale others.

    Pickle files run code on load: the cache lives in the trainer's own work dir, like its checkpoints.
    """

    def __init__(self, folder: str | Path, prefix: str = "dataset") -> None:
        self.folder = Path(folder)
        self.prefix = prefix

    def path(self, key: str) -> Path:
        return self.folder / f"{self.prefix}_{key[:16]}.pkl"

    def load(self, key: str) -> Any | None:
        """The dataset cached under `key`, or None when absent or unreadable (cut off by a crash)."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            with open(path, "rb") as f:
                return pickle.load(f)
        except Exception:
            return None

    def save(self, key: str, data: Any) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(key)
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        for old in self.folder.glob(f"{self.prefix}_*.pkl"):
            if old != path:
                old.unlink(missing_ok=True)
        return path

    def get_or_build(self, key: str, build: Callable[[], Any]) -> tuple[Any, bool]:
        """(dataset, whether it was built now): the cached one if present, else `build()` saved."""
        data = self.load(key)
        if data is not None:
            return data, False
        data = build()
        self.save(key, data)
        return data, True


@dataclass(frozen=True)
class ClipIndex:
    """Which clip each item (row, frame or window) belongs to, and which data file each clip came from.

    item_clip:  [items] index into `clip_files`, items of one clip in time order
    clip_files: per clip, the name of its data file (variants of one file, e.g. mirrors, share it)
    """

    item_clip: np.ndarray
    clip_files: Sequence[str]


@dataclass(frozen=True)
class Split:
    """Item indices for training and for held-out validation (sorted, disjoint)."""

    train: np.ndarray
    held_out: np.ndarray
    held_files: tuple[str, ...]  # empty when a single file was split in time


def split_by_file(index: ClipIndex, holdout: float, *, source: str = "data") -> Split:
    """The held-out split (see module docstring); `source` names the data in errors."""
    if not 0.0 < holdout < 1.0:
        raise ValueError(f"holdout must be in (0, 1), got {holdout}")
    item_clip = np.asarray(index.item_clip)
    files = sorted(set(index.clip_files))
    if len(files) >= 2:
        k = min(len(files) - 1, max(1, math.ceil(holdout * len(files))))
        held_files = tuple(files[-k:])
        held_clip = np.array([f in held_files for f in index.clip_files], bool)
        is_held = held_clip[item_clip] if len(item_clip) else np.zeros(0, bool)
        train, held = np.nonzero(~is_held)[0], np.nonzero(is_held)[0]
    else:
        held_files = ()
        train_parts, held_parts = [], []
        for c in range(len(index.clip_files)):
            idx = np.nonzero(item_clip == c)[0]
            cut = int(len(idx) * (1.0 - holdout))
            train_parts.append(idx[:cut])
            held_parts.append(idx[cut:])
        train = np.sort(np.concatenate(train_parts)) if train_parts else np.zeros(0, np.int64)
        held = np.sort(np.concatenate(held_parts)) if held_parts else np.zeros(0, np.int64)
    if len(train) == 0 or len(held) == 0:
        raise MotionDataError(f"{source}: too little data for a train/held-out split ({len(files)} file(s), "
                              f"{len(item_clip)} items, holdout {holdout})")
    return Split(train.astype(np.int64), held.astype(np.int64), held_files)


def contiguous_runs(items: np.ndarray, item_clip: np.ndarray) -> list[np.ndarray]:
    """`items` (sorted indices) cut into runs that are consecutive and within one clip: the sequences."""
    items = np.asarray(items)
    if len(items) == 0:
        return []
    clip = np.asarray(item_clip)[items]
    breaks = np.nonzero((np.diff(items) != 1) | (np.diff(clip) != 0))[0] + 1
    return np.split(items, breaks)
