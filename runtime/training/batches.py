"""Batch plans: which batch the training loop takes at each step, on each rank.

A plan's `batch(epoch, at, rank=, world=)` is a pure function of its arguments, so a resumed run
takes exactly the batches the uninterrupted run would have (a plan with its own state, such as
carried recurrent state, also has `state_dict` / `load_state_dict`, and the loop checkpoints it).
Iterating a plan yields every item once, in order, in one process: what validation wants.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping, Protocol, runtime_checkable

import numpy as np
import torch


@runtime_checkable
class BatchPlan(Protocol):
    def steps_per_epoch(self, world: int) -> int: ...

    def batch(self, epoch: int, at: int, *, rank: int, world: int) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...


def batch_size_of(batch: Any) -> int:
    """Number of samples in a batch: `len()` of batch objects, else the first tensor's leading size."""
    if isinstance(batch, torch.Tensor):
        return int(batch.shape[0])
    if isinstance(batch, Mapping):
        return batch_size_of(next(iter(batch.values())))
    if isinstance(batch, (tuple, list)):
        return batch_size_of(batch[0])
    return len(batch)


def _index(index: Any, n: int) -> torch.Tensor:
    if index is None:
        return torch.arange(n)
    return torch.as_tensor(np.asarray(index), dtype=torch.int64)


class RowBatches:
    """Batches of rows {name: tensor[rows]} of a dict of tensors [N, ...], over the rows in `index`.

    Training: each epoch shuffles the rows with a generator seeded `seed + epoch` (the same shuffle
    on every rank); rank r takes every world-th row of it, in batches of `batch_size` (full ones only).
    """

    def __init__(self, tensors: Mapping[str, torch.Tensor], index: Any = None, batch_size: int = 32,
                 *, seed: int = 0) -> None:
        self.tensors = dict(tensors)
        n = len(next(iter(self.tensors.values())))
        if any(len(t) != n for t in self.tensors.values()):
            raise ValueError("RowBatches: every tensor needs the same number of rows")
        self.index = _index(index, n)
        self.batch_size = batch_size
        self.seed = seed
        self._shard: tuple[tuple[int, int, int], torch.Tensor] | None = None

    def __len__(self) -> int:
        return len(self.index)

    def steps_per_epoch(self, world: int) -> int:
        return max(1, (len(self.index) // world) // self.batch_size)

    def _rows(self, rows: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: v[rows] for k, v in self.tensors.items()}

    def batch(self, epoch: int, at: int, *, rank: int = 0, world: int = 1) -> dict[str, torch.Tensor]:
        key = (epoch, rank, world)
        if self._shard is None or self._shard[0] != key:
            order = torch.randperm(len(self.index), generator=torch.Generator().manual_seed(self.seed + epoch))
            self._shard = (key, self.index[order][rank::world])
        mine = self._shard[1]
        return self._rows(mine[at * self.batch_size:(at + 1) * self.batch_size])

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        for rows in self.index.split(self.batch_size):
            yield self._rows(rows)
