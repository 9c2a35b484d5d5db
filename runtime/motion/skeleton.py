"""Skeleton: joint names, parent indices and rest offsets, as plain arrays."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, eq=False)
class Skeleton:
    """A joint hierarchy. Joints are ordered so that every parent comes before its children.

    names:   joint names, length J.
    parents: int array [J]; -1 for the root joint (index 0).
    offsets: float32 array [J, 3]; each joint's rest translation in its parent's frame, metres.
    end_sites: optional {joint index: offset [3]} of BVH end sites (kept for faithful BVH output).
    Coordinates are right-handed, Y up, metres.
    """

    names: tuple[str, ...]
    parents: np.ndarray
    offsets: np.ndarray
    end_sites: dict[int, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "parents", np.asarray(self.parents, dtype=np.int64))
        object.__setattr__(self, "offsets", np.asarray(self.offsets, dtype=np.float32).reshape(-1, 3))
        n = len(self.names)
        if self.parents.shape != (n,) or self.offsets.shape != (n, 3):
            raise ValueError(f"skeleton has {n} names, {self.parents.shape} parents, {self.offsets.shape} offsets")
        for j, p in enumerate(self.parents):
            if (j == 0) != (p == -1) or p >= j:
                raise ValueError(f"joint {j} ({self.names[j]}) has parent {p}: parents must precede children, root first")

    @property
    def num_joints(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        """Index of the joint called `name` (KeyError listing the joints if absent)."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"no joint {name!r}; joints are {', '.join(self.names)}") from None

    def children(self, j: int) -> list[int]:
        return [int(c) for c in np.nonzero(self.parents == j)[0]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, as stored in artifact metadata."""
        return {
            "names": list(self.names),
            "parents": self.parents.tolist(),
            "offsets": self.offsets.round(6).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Skeleton":
        return cls(tuple(d["names"]), np.asarray(d["parents"]), np.asarray(d["offsets"], dtype=np.float32))

    def same_topology(self, other: "Skeleton") -> bool:
        """True when both have the same joint names in the same order with the same parents."""
        return self.names == other.names and np.array_equal(self.parents, other.parents)
