"""Feature layouts: a flat network vector as named blocks, written once and read by every engine.

A controller describes its network's input and output vectors as a `Layout`: an ordered list of
named blocks, each with a per-sample shape (`("traj_pos", (12, 2))`). Everything that touches the
vector reads the positions from that one description:

  training code   `layout["joint_pos"]` (a slice), `layout.view(X, "traj_pos")` -> [M, 12, 2]
  a torch tick    `layout.start("future_pos")` as int attributes of the TorchScript module
  a numba kernel  `layout.offsets()`: a one-row numpy record array whose fields are the block starts,
                  read in the kernel by name (`at = offsets[0]; x[at.traj_dir + 2 * s]`); numba types
                  it by its field names, so one compiled kernel serves any block sizes (e.g. any
                  joint count)
  artifacts       `layout.to_dict()` / `Layout.from_dict()`: {name: [start, stop]} in the metadata

Block shapes are per sample; a vector of batch N is [N, layout.size].
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence, Union

import numpy as np

Shape = Union[int, Sequence[int]]


@dataclass(frozen=True)
class Block:
    """One named block of a flat vector: values start..start+width, viewed per sample as `shape`."""

    name: str
    start: int
    shape: tuple[int, ...]

    @property
    def width(self) -> int:
        return math.prod(self.shape)

    @property
    def stop(self) -> int:
        return self.start + self.width

    @property
    def slice(self) -> slice:
        return slice(self.start, self.stop)


class Layout:
    """Named blocks of a flat feature vector, in order and without gaps.

    `Layout.build([("root_vel", 2), ("joint_pos", (31, 3))])`; `layout["joint_pos"]` is the block's
    slice, `layout.block(name)` the `Block`, `layout.size` the vector's length.
    """

    __slots__ = ("_blocks",)

    def __init__(self, blocks: Sequence[Block] | Mapping[str, slice] = ()) -> None:
        """From `Block`s, or from {name: slice} (each block then has the flat shape (width,))."""
        if isinstance(blocks, Mapping):
            blocks = [Block(name, s.start, (s.stop - s.start,)) for name, s in blocks.items()]
        at, seen = 0, set()
        for b in blocks:
            if b.name in seen:
                raise ValueError(f"layout: block {b.name!r} appears twice")
            if b.start != at or any(s < 0 for s in b.shape):
                raise ValueError(f"layout: block {b.name!r} starts at {b.start} with shape {b.shape}; blocks must "
                                 f"follow one another without gaps (expected start {at})")
            seen.add(b.name)
            at = b.stop
        self._blocks = {b.name: b for b in blocks}

    @classmethod
    def build(cls, parts: Sequence[tuple[str, Shape]]) -> "Layout":
        """Blocks laid out one after the other: parts = [(name, width or shape), ...]."""
        blocks, at = [], 0
        for name, shape in parts:
            dims = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
            blocks.append(Block(name, at, dims))
            at = blocks[-1].stop
        return cls(blocks)

    # -- reading ---------------------------------------------------------------------------------------
    @property
    def size(self) -> int:
        """Length of the flat vector."""
        return max((b.stop for b in self._blocks.values()), default=0)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._blocks)

    @property
    def blocks(self) -> dict[str, slice]:
        """{name: slice}, in layout order."""
        return {name: b.slice for name, b in self._blocks.items()}

    def block(self, name: str) -> Block:
        try:
            return self._blocks[name]
        except KeyError:
            raise KeyError(f"layout has no block {name!r} (blocks: {', '.join(self._blocks)})") from None

    def __getitem__(self, name: str) -> slice:
        return self.block(name).slice

    def __contains__(self, name: object) -> bool:
        return name in self._blocks

    def __iter__(self) -> Iterator[Block]:
        return iter(self._blocks.values())

    def __len__(self) -> int:
        return len(self._blocks)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Layout) and list(self) == list(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        inner = ", ".join(f"{b.name}{list(b.shape)}@{b.start}" for b in self)
        return f"Layout({inner}; size {self.size})"

    def start(self, name: str) -> int:
        return self.block(name).start

    def width(self, name: str) -> int:
        return self.block(name).width

    def shape(self, name: str) -> tuple[int, ...]:
        return self.block(name).shape

    def view(self, vectors: Any, name: str) -> Any:
        """Block `name` of vectors [..., size] (numpy or torch) reshaped to [..., *shape]."""
        b = self.block(name)
        if vectors.shape[-1] != self.size:
            raise ValueError(f"layout of size {self.size} cannot view vectors of width {vectors.shape[-1]}")
        return vectors[..., b.start:b.stop].reshape(*vectors.shape[:-1], *b.shape)

    # -- for compiled kernels and artifacts --------------------------------------------------------------
    def offsets(self) -> np.ndarray:
        """A one-row record array: one int64 field per block holding its start, plus `size`.

        A numba kernel reads it by field name (`at = offsets[0]; at.joint_pos`); the record's type
        depends on the field names only, so layouts of other block sizes reuse the compiled kernel.
        """
        if "size" in self._blocks:
            raise ValueError("layout: a block named 'size' clashes with the offsets record's size field")
        dtype = np.dtype([(name, np.int64) for name in self._blocks] + [("size", np.int64)])
        out = np.zeros(1, dtype)
        for b in self:
            out[0][b.name] = b.start
        out[0]["size"] = self.size
        return out

    def to_dict(self) -> dict[str, list[int]]:
        """{name: [start, stop]} (what artifact metadata stores)."""
        return {b.name: [b.start, b.stop] for b in self}

    @classmethod
    def from_dict(cls, spans: Mapping[str, Sequence[int]]) -> "Layout":
        """Inverse of `to_dict` (flat block shapes)."""
        return cls({name: slice(int(a), int(b)) for name, (a, b) in spans.items()})

    def same_spans(self, spans: Mapping[str, Sequence[int]]) -> bool:
        """Whether {name: [start, stop]} (e.g. from an artifact) describes these blocks."""
        return {k: [int(v[0]), int(v[1])] for k, v in spans.items()} == self.to_dict()


__all__ = ["Block", "Layout"]
