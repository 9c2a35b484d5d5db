"""Static props a controller brings into the scene (a piano and its bench): plain data the renderer draws.

    from neuropuppet.props import Box, props_output
    outputs = (props_output((Box((1.2, 0.05, 0.15), (0.0, 0.70, 0.37), (0.9, 0.9, 0.88), "keys"),)),)
    ...
    pose.extras["props"] = shown          # [N, 1]: 1 draws character i's props, 0 hides them

A prop is a `Box`: its size (metres along x, y, z), its centre in the character's frame (the root:
`root_position` on the ground, `root_rotation` its heading; +z the way the character faces, y up) and
a linear RGB colour. A controller declares its props as one output made by `props_output` (a
`PropsOutput`: an `OutputSpec` of kind "props" that carries the boxes), and emits the [N, 1] value of
that output each tick: whether each character's props are shown (a layer can hide the piano it brings
when it plays over a walking body). The boxes never change, so nothing but the [N, 1] flag travels
through the runtime; `neuropuppet.render.props` draws them for every character whose flag is > 0.5.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ports import OutputSpec

PROPS_KIND = "props"


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in the character's frame: size (x, y, z) and centre, metres; colour linear RGB."""

    size: tuple[float, float, float]
    position: tuple[float, float, float]
    color: tuple[float, float, float] = (0.5, 0.5, 0.5)
    name: str = ""

    def __post_init__(self) -> None:
        for field_name, n in (("size", 3), ("position", 3), ("color", 3)):
            v = tuple(float(x) for x in getattr(self, field_name))
            if len(v) != n or not np.isfinite(v).all():
                raise ValueError(f"prop {self.name or '?'}: {field_name} must be {n} finite numbers, got {v}")
            object.__setattr__(self, field_name, v)
        if min(self.size) <= 0:
            raise ValueError(f"prop {self.name or '?'}: size must be positive, got {self.size}")


@dataclass(frozen=True)
class PropsOutput(OutputSpec):
    """An output of kind "props": [N, 1], 1 where the character's `boxes` are shown (see module docstring)."""

    boxes: tuple[Box, ...] = ()


def props_output(boxes: tuple[Box, ...] | list[Box], name: str = "props",
                 meaning: str = "1 where the character's props (boxes of the spec) are drawn, else 0") -> PropsOutput:
    """The output spec declaring `boxes` as a controller's props."""
    return PropsOutput(name, (1,), meaning, interpolation="none", kind=PROPS_KIND, range=(0.0, 1.0),
                       boxes=tuple(boxes))


def box_arrays(boxes: tuple[Box, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(centres [B, 3], sizes [B, 3], colours [B, 3]) float32 of the boxes, in the character's frame."""
    if not boxes:
        z = np.zeros((0, 3), np.float32)
        return z, z.copy(), z.copy()
    return (np.array([b.position for b in boxes], np.float32), np.array([b.size for b in boxes], np.float32),
            np.array([b.color for b in boxes], np.float32))


__all__ = ["Box", "PropsOutput", "props_output", "box_arrays", "PROPS_KIND"]
