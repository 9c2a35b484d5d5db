"""Feature layouts: named blocks, read the same way by Python, torch and numba."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuropuppet.features import Block, Layout
from neuropuppet.kernels import KernelCompiler

_compiler = KernelCompiler(__file__)


@_compiler.jit
def _read_offsets(offsets):
    at = offsets[0]
    return at.b, at.c, at.size


def test_blocks_slices_views_and_offsets() -> None:
    layout = Layout.build([("a", 2), ("b", (3, 2)), ("c", (4,))])
    assert layout.size == 12 and layout.names == ("a", "b", "c")
    assert layout["b"] == slice(2, 8) and layout.start("c") == 8 and layout.width("b") == 6
    x = torch.arange(24.0).view(2, 12)
    assert torch.equal(layout.view(x, "b"), x[:, 2:8].reshape(2, 3, 2))
    assert np.array_equal(layout.view(x.numpy(), "c"), x.numpy()[:, 8:12])
    rec = layout.offsets()
    assert rec[0]["a"] == 0 and rec[0]["b"] == 2 and rec[0]["c"] == 8 and rec[0]["size"] == 12
    assert _read_offsets(rec) == (2, 8, 12)
    wider = Layout.build([("a", 5), ("b", (30, 3)), ("c", 1)])          # other sizes, same compiled kernel
    assert _read_offsets(wider.offsets()) == (5, 95, 96) and len(_read_offsets.signatures) == 1


def test_round_trip_and_errors() -> None:
    layout = Layout.build([("a", 2), ("b", 3)])
    assert Layout.from_dict(layout.to_dict()) == layout and layout.same_spans({"a": [0, 2], "b": [2, 5]})
    assert Layout({"a": slice(0, 2), "b": slice(2, 5)}).blocks == layout.blocks
    with pytest.raises(ValueError, match="without gaps"):
        Layout([Block("a", 0, (2,)), Block("b", 3, (1,))])
    with pytest.raises(ValueError, match="twice"):
        Layout.build([("a", 1), ("a", 1)])
    with pytest.raises(KeyError, match="no block 'z'"):
        layout.block("z")
    with pytest.raises(ValueError, match="width 4"):
        layout.view(np.zeros((1, 4)), "a")
