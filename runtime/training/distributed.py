"""DistributedDataParallel under torchrun (gloo): which process this is and what ranks agree on."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Distributed:
    """This process's rank and the world size (1 and 0 outside torchrun)."""

    rank: int = 0
    world: int = 1

    @classmethod
    def start(cls) -> "Distributed":
        """Join torchrun's process group (from WORLD_SIZE/RANK/MASTER_*), or a single process."""
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls()
        if not dist.is_initialized():
            dist.init_process_group("gloo")
        return cls(dist.get_rank(), dist.get_world_size())

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def barrier(self) -> None:
        if self.world > 1:
            dist.barrier()

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        """`module` in DistributedDataParallel (gradients averaged over ranks), or itself alone."""
        if self.world == 1:
            return module
        return torch.nn.parallel.DistributedDataParallel(module)

    def any(self, flag: bool) -> bool:
        """True on every rank when it is True on any rank."""
        if self.world == 1:
            return flag
        t = torch.tensor([float(flag)])
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return bool(t.item() > 0)

    def from_main(self, flag: bool) -> bool:
        """Rank 0's value of `flag`, on every rank."""
        if self.world == 1:
            return flag
        t = torch.tensor([float(flag)])
        dist.broadcast(t, src=0)
        return bool(t.item() > 0)

    def gather(self, obj: Any) -> list[Any] | None:
        """Every rank's `obj`, in rank order, on rank 0 (None on the others)."""
        if self.world == 1:
            return [obj]
        out: list[Any] | None = [None] * self.world if self.is_main else None
        dist.gather_object(obj, out, dst=0)
        return out
