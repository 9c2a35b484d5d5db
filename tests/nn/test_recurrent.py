"""Recurrent cells: one tick at a time equals the sequence, per-character state resets by index."""
from __future__ import annotations

import pytest
import torch

from neuropuppet.artifacts import quiet_torchscript
from neuropuppet.errors import InputError
from neuropuppet.nn import RecurrentGRU, RecurrentLSTM, recurrent


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_ticks_equal_the_sequence_forward(kind: str) -> None:
    torch.manual_seed(0)
    cell = recurrent(kind, 5, 8, num_layers=2).eval()
    x = torch.randn(3, 7, 5)
    with torch.no_grad():
        want, _, _ = cell(x)
        state = cell.initial_state(3)
        got = torch.stack([cell.advance(x[:, t], state) for t in range(7)], 1)
    assert torch.allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_reset_by_index_leaves_the_other_characters_alone(kind: str) -> None:
    torch.manual_seed(1)
    cell = recurrent(kind, 4, 6).eval()
    xs = torch.randn(12, 4, 4)
    with torch.no_grad():
        state = cell.initial_state(4)
        for t in range(8):
            cell.advance(xs[t], state)
        before = state.clone()
        state.reset([1, -1])                                   # characters 1 and 3
        assert torch.equal(state.h[:, [0, 2]], before.h[:, [0, 2]])
        assert torch.equal(state.c[:, [0, 2]], before.c[:, [0, 2]])
        assert (state.h[:, [1, 3]] == 0).all() and (state.c[:, [1, 3]] == 0).all()
        assert not torch.equal(before.h[:, 1], state.h[:, 1])
        # afterwards: the reset characters behave like fresh ones, the others like the uninterrupted run
        fresh = cell.initial_state(4)
        kept = before.clone()
        for t in range(8, 12):
            y = cell.advance(xs[t], state)
            y_fresh = cell.advance(xs[t], fresh)
            y_kept = cell.advance(xs[t], kept)
        assert torch.allclose(y[[1, 3]], y_fresh[[1, 3]], atol=1e-6)
        assert torch.allclose(y[[0, 2]], y_kept[[0, 2]], atol=1e-6)


def test_state_lives_on_the_weights_device_and_bad_indices_are_refused() -> None:
    cell = RecurrentLSTM(3, 4)
    state = cell.initial_state(2)
    assert state.h.device == next(cell.parameters()).device and state.h.shape == (1, 2, 4)
    with pytest.raises(InputError, match="boolean mask"):
        state.reset(torch.tensor([True, False]))
    with pytest.raises(InputError, match="out of range"):
        state.reset([2])
    with pytest.raises(InputError, match="3 characters"):
        cell.advance(torch.zeros(3, 3), state)
    with pytest.raises(InputError, match="unknown recurrent"):
        recurrent("rnn", 3, 4)


@pytest.mark.parametrize("cls", [RecurrentLSTM, RecurrentGRU])
def test_cells_script(cls: type) -> None:
    torch.manual_seed(2)
    cell = cls(3, 4).eval()
    with quiet_torchscript():
        scripted = torch.jit.script(cell)
    state = cell.initial_state(2)
    x = torch.randn(2, 3)
    with torch.no_grad():
        y, h, c = scripted.step(x, state.h, state.c)
        assert torch.allclose(y, cell.advance(x, state), atol=1e-6) and torch.allclose(h, state.h)


def test_a_start_state_is_what_reset_restores() -> None:
    cell = RecurrentLSTM(input_size=3, hidden_size=4, num_layers=2)
    state = cell.initial_state(batch_size=3)
    h0, c0 = torch.arange(8.0).view(2, 4), -torch.arange(8.0).view(2, 4)
    state.start(h0, c0)                                                   # every character starts there now
    assert torch.equal(state.h, h0[:, None].expand(2, 3, 4)) and torch.equal(state.c, c0[:, None].expand(2, 3, 4))
    cell.advance(torch.randn(3, 3), state)
    kept = state.h[:, 1].clone()
    state.reset([0, 2])
    assert torch.equal(state.h[:, 0], h0) and torch.equal(state.c[:, 2], c0) and torch.equal(state.h[:, 1], kept)
    assert torch.equal(state.clone().h, state.h)
    state.start(None)                                                     # back to zeros
    assert state.h.abs().max() == 0 and state.c.abs().max() == 0
