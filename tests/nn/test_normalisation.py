"""Normalisation statistics: block-averaged deviations, kept in the state dict."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuropuppet.features import Layout
from neuropuppet.nn import Normalisation, block_statistics


def test_block_statistics_average_std_within_blocks_and_apply_weights() -> None:
    rng = np.random.default_rng(0)
    data = np.concatenate([rng.normal(1.0, 2.0, (4000, 2)), rng.normal(0.0, [1.0, 3.0], (4000, 2)),
                           np.full((4000, 1), 7.0)], 1).astype(np.float32)
    layout = Layout.build([("a", 2), ("b", 2), ("const", 1)])
    mean, std = block_statistics(data, layout, {"b": 0.5})
    assert mean.dtype == np.float32 and np.allclose(mean, data.mean(0), atol=1e-4)
    per = data.std(0)
    assert np.allclose(std[0:2], per[0:2].mean()) and std[0] == std[1]
    assert np.allclose(std[2:4], per[2:4].mean() / 0.5)                  # weight 0.5 doubles the scale
    assert std[4] == 1.0                                                  # a constant column is left alone
    with pytest.raises(ValueError, match="unknown blocks"):
        block_statistics(data, layout, {"c": 1.0})


def test_normalisation_round_trip_and_state_dict() -> None:
    data = torch.randn(500, 6) * 3 + 1
    norm = Normalisation.from_data(data)
    assert set(norm.state_dict()) == {"mean", "std"}
    x = torch.randn(4, 6)
    assert torch.allclose(norm.inverse(norm(x)), x, atol=1e-5)
    other = Normalisation(6)
    other.load_state_dict(norm.state_dict())
    assert torch.equal(other(x), norm(x))
    with pytest.raises(ValueError, match="non-zero"):
        other.set(torch.zeros(6), torch.zeros(6))
    with pytest.raises(ValueError, match="size 6"):
        other.set(torch.zeros(5), torch.ones(5))
