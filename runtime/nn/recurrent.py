"""Recurrent cells with per-character hidden state on the device, reset by index.

`RecurrentLSTM` / `RecurrentGRU` wrap torch's `nn.LSTM` / `nn.GRU` (batch first) so that the same
weights train on sequences (`forward(x [N, T, in])`) and run one tick at a time in a controller
(`step(x [N, in], h, c)`, TorchScript-able). A controller keeps its characters' state in a
`RecurrentState` (h, c [layers, N, hidden] on its device; a GRU's c has width 0):

    cell = RecurrentLSTM(input_size=64, hidden_size=256)
    state = cell.initial_state(batch_size=N, device=device)
    y = cell.advance(x, state)     # one tick for all N characters; state updated in place
    state.reset([3])               # character 3 starts afresh, the others keep their memory
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import torch
from torch import nn

from ..errors import InputError


def _indices(indices: Any, batch_size: int, who: str) -> list[int]:
    items = indices.tolist() if hasattr(indices, "tolist") else list(indices)
    items = items if isinstance(items, list) else [items]
    if any(isinstance(i, bool) for i in items):
        raise InputError(f"{who}: reset() takes character indices, not a boolean mask")
    idx = [int(i) for i in items]
    bad = [i for i in idx if not -batch_size <= i < batch_size]
    if bad:
        raise InputError(f"{who}: reset() index out of range for {batch_size} characters: {bad}")
    return [i % batch_size for i in idx]


class RecurrentState:
    """Hidden state h (and an LSTM's cell state c), [layers, N, hidden], of N characters on one device.

    A reset puts a character back to the start state: zeros, or `start(h0, c0)` ([layers, hidden] each, e.g.
    the state a network settles into on silence) for every character."""

    def __init__(self, h: torch.Tensor, c: torch.Tensor) -> None:
        self.h = h
        self.c = c
        self._start: Optional[Tuple[torch.Tensor, torch.Tensor]] = None

    def start(self, h0: Optional[torch.Tensor], c0: Optional[torch.Tensor] = None) -> None:
        """Reset to (h0, c0) [layers, hidden] from now on (None: to zeros), and reset every character now."""
        if h0 is None:
            self._start = None
        else:
            h0 = h0.to(self.h.device, self.h.dtype).reshape(self.h.shape[0], 1, self.h.shape[2])
            c0 = (torch.zeros_like(h0[..., : self.c.shape[-1]]) if c0 is None
                  else c0.to(self.c.device, self.c.dtype).reshape(self.c.shape[0], 1, self.c.shape[2]))
            self._start = (h0, c0)
        self.reset()

    @property
    def batch_size(self) -> int:
        return int(self.h.shape[1])

    @property
    def device(self) -> torch.device:
        return self.h.device

    def reset(self, indices: Optional[Sequence[int]] = None) -> None:
        """Put the characters at `indices` (all when None) back to the start state (zeros unless `start`);
        the others are untouched."""
        if indices is None:
            if self._start is None:
                self.h.zero_()
                self.c.zero_()
            else:
                self.h.copy_(self._start[0].expand_as(self.h))
                self.c.copy_(self._start[1].expand_as(self.c))
            return
        idx = _indices(indices, self.batch_size, "recurrent state")
        if idx:
            rows = torch.as_tensor(idx, dtype=torch.long, device=self.h.device)
            if self._start is None:
                self.h.index_fill_(1, rows, 0.0)
                if self.c.shape[-1] > 0:
                    self.c.index_fill_(1, rows, 0.0)
            else:
                self.h[:, rows] = self._start[0]
                self.c[:, rows] = self._start[1]

    def clone(self) -> "RecurrentState":
        out = RecurrentState(self.h.clone(), self.c.clone())
        out._start = self._start
        return out


class _Recurrent(nn.Module):
    """Shared by the LSTM and GRU wrappers (which set hidden_size, num_layers): state allocation and the
    in-place tick."""

    def initial_state(self, batch_size: int, device: torch.device | str | None = None) -> RecurrentState:
        """Zero state for `batch_size` characters on `device` (default: the weights' device)."""
        dev = torch.device(device) if device is not None else next(self.parameters()).device
        h = torch.zeros(self.num_layers, batch_size, self.hidden_size, device=dev)
        return RecurrentState(h, torch.zeros(self.num_layers, batch_size, self._cell_width(), device=dev))

    def _cell_width(self) -> int:
        return 0

    def advance(self, x: torch.Tensor, state: RecurrentState) -> torch.Tensor:
        """One tick for all characters: output [N, hidden]; `state` is updated in place."""
        if x.shape[0] != state.batch_size:
            raise InputError(f"{type(self).__name__}: input for {x.shape[0]} characters, state for {state.batch_size}")
        y, h, c = self.step(x, state.h, state.c)
        state.h.copy_(h)
        state.c.copy_(c)
        return y


class RecurrentLSTM(_Recurrent):
    """An LSTM: forward(x [N, T, in], h, c) -> (y [N, T, H], h, c); step(x [N, in], h, c) for one tick."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.rnn = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout)

    def _cell_width(self) -> int:
        return self.hidden_size

    def forward(self, x: torch.Tensor, h: Optional[torch.Tensor] = None, c: Optional[torch.Tensor] = None
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if h is None or c is None:
            zeros = torch.zeros(self.num_layers, x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            h, c = zeros, zeros
        y, (h1, c1) = self.rnn(x, (h, c))
        return y, h1, c1

    @torch.jit.export
    def step(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        y, (h1, c1) = self.rnn(x.unsqueeze(1), (h, c))
        return y.squeeze(1), h1, c1


class RecurrentGRU(_Recurrent):
    """A GRU, the same interface as `RecurrentLSTM` (its c has width 0 and passes through)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0) -> None:
        super().__init__()
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.rnn = nn.GRU(input_size, hidden_size, num_layers, batch_first=True, dropout=dropout)

    def forward(self, x: torch.Tensor, h: Optional[torch.Tensor] = None, c: Optional[torch.Tensor] = None
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if h is None:
            h = torch.zeros(self.num_layers, x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
        y, h1 = self.rnn(x, h)
        return y, h1, torch.zeros(self.num_layers, x.shape[0], 0, dtype=x.dtype, device=x.device)

    @torch.jit.export
    def step(self, x: torch.Tensor, h: torch.Tensor, c: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        y, h1 = self.rnn(x.unsqueeze(1), h)
        return y.squeeze(1), h1, c


def recurrent(kind: str, input_size: int, hidden_size: int, num_layers: int = 1, dropout: float = 0.0) -> _Recurrent:
    """A `RecurrentLSTM` (kind "lstm") or `RecurrentGRU` ("gru")."""
    kinds = {"lstm": RecurrentLSTM, "gru": RecurrentGRU}
    if kind not in kinds:
        raise InputError(f"unknown recurrent cell kind {kind!r}; choose one of {', '.join(kinds)}")
    return kinds[kind](input_size, hidden_size, num_layers, dropout)


__all__ = ["RecurrentGRU", "RecurrentLSTM", "RecurrentState", "recurrent"]
