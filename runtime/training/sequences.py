"""Batch plans for recurrent trainers: windows of T frames cut from long clips.

A clip is a dict {name: tensor [T_i, ...]} (features, targets, ...). Two plans:

  SequenceWindows  independent windows (any stride), shuffled each epoch; every window starts
                   from zero state. For models trained on short context.
  TBPTTChunks      truncated back-propagation through time: each clip is cut into consecutive
                   windows, each epoch the clips (shuffled) are laid end to end and dealt out to
                   `lanes` x world lanes of equal length; step k takes window k of every lane, and
                   the loss hands the state it reached to the lane's next window with
                   `batch.carry(state)` (detached, zeroed where a lane starts a new clip).
                   Option `cold_start` (default 0: off): that share of the training windows
                   (`batch`) inside a clip start from zero state too, so the model also learns
                   to pick a sequence up from a fresh state (a character spawned mid-scene).

Both yield `SequenceBatch`: `batch["x"]` is [B, T, ...], `batch.reset` [B] says which lanes start
a sequence, `batch.state` is the carried state (None: start from zeros). A clip's last frames that
do not fill a window are not used.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import torch

from ..errors import MotionDataError


@dataclass
class SequenceBatch:
    """B windows of T frames, where each lane starts, and the recurrent state to start them from."""

    tensors: dict[str, torch.Tensor]
    reset: torch.Tensor                 # [B] bool: this window starts a sequence (zero state)
    state: Any = None                   # carried state (reset lanes zeroed), or None for zeros
    _keep: Callable[[Any], None] | None = field(default=None, repr=False)

    def __getitem__(self, name: str) -> torch.Tensor:
        return self.tensors[name]

    def __len__(self) -> int:
        return int(self.reset.shape[0])

    def carry(self, state: Any) -> None:
        """Hand the state reached at the end of these windows on to each lane's next window."""
        if self._keep is not None:
            self._keep(state)


def detach_state(state: Any) -> Any:
    """A tensor, or a tuple/list of them (an LSTM's (h, c)), detached from the graph."""
    if isinstance(state, torch.Tensor):
        return state.detach()
    if isinstance(state, (tuple, list)):
        return type(state)(detach_state(s) for s in state)
    return state


def zero_lanes(state: Any, reset: torch.Tensor, batch_dim: int = 0) -> Any:
    """`state` with the lanes where `reset` is True set to zero (tensors or tuples/lists of them)."""
    if isinstance(state, torch.Tensor):
        shape = [1] * state.dim()
        shape[batch_dim] = -1
        return state * (~reset).to(state.dtype).view(shape)
    if isinstance(state, (tuple, list)):
        return type(state)(zero_lanes(s, reset, batch_dim) for s in state)
    return state


def _clip_lengths(clips: Sequence[Mapping[str, torch.Tensor]]) -> list[int]:
    lengths = []
    for i, clip in enumerate(clips):
        sizes = {len(t) for t in clip.values()}
        if len(sizes) != 1:
            raise ValueError(f"clip {i}: its tensors have different lengths {sorted(sizes)}")
        lengths.append(sizes.pop())
    return lengths


def _stack(clips: Sequence[Mapping[str, torch.Tensor]], picks: Sequence[tuple[int, int]], window: int,
           ) -> dict[str, torch.Tensor]:
    names = clips[picks[0][0]].keys()
    return {k: torch.stack([clips[c][k][s:s + window] for c, s in picks]) for k in names}


class SequenceWindows:
    """Independent windows of `window` frames every `stride` frames (default: back to back), shuffled."""

    def __init__(self, clips: Sequence[Mapping[str, torch.Tensor]], window: int, batch_size: int,
                 *, stride: int | None = None, seed: int = 0) -> None:
        if window < 1 or batch_size < 1 or (stride is not None and stride < 1):
            raise ValueError("SequenceWindows: window, batch_size and stride must be at least 1")
        self.clips = list(clips)
        self.window, self.batch_size, self.seed = window, batch_size, seed
        step = stride or window
        self.windows = [(c, s) for c, n in enumerate(_clip_lengths(self.clips)) for s in range(0, n - window + 1, step)]
        if not self.windows:
            raise MotionDataError(f"no clip is {window} frames long: no training windows")

    def __len__(self) -> int:
        return len(self.windows)

    def steps_per_epoch(self, world: int) -> int:
        return max(1, (len(self.windows) // world) // self.batch_size)

    def _batch(self, picks: Sequence[tuple[int, int]]) -> SequenceBatch:
        return SequenceBatch(_stack(self.clips, picks, self.window), torch.ones(len(picks), dtype=torch.bool))

    def batch(self, epoch: int, at: int, *, rank: int = 0, world: int = 1) -> SequenceBatch:
        order = torch.randperm(len(self.windows), generator=torch.Generator().manual_seed(self.seed + epoch))
        mine = order[rank::world][at * self.batch_size:(at + 1) * self.batch_size].tolist()
        return self._batch([self.windows[i] for i in mine])

    def __iter__(self) -> Iterator[SequenceBatch]:
        for i in range(0, len(self.windows), self.batch_size):
            yield self._batch(self.windows[i:i + self.batch_size])


class TBPTTChunks:
    """Truncated-BPTT lanes over long clips (see module docstring).

    state_batch_dim: the batch dimension of the state tensors (0 for [B, H] cells, 1 for nn.LSTM's
    [layers, B, H]). Carried state is part of `state_dict()`, so a resumed run continues exactly.
    cold_start: the probability (0..1) that a training window (`batch`) that would carry its lane's
    state starts from zero state instead (drawn per lane and step from `seed` and the epoch, so a
    resumed run draws the same); 0, the default, changes nothing. Iteration (validation) never does.
    """

    def __init__(self, clips: Sequence[Mapping[str, torch.Tensor]], window: int, lanes: int,
                 *, seed: int = 0, state_batch_dim: int = 0, cold_start: float = 0.0) -> None:
        if window < 1 or lanes < 1:
            raise ValueError("TBPTTChunks: window and lanes must be at least 1")
        if not 0.0 <= cold_start <= 1.0:
            raise ValueError(f"TBPTTChunks: cold_start must be within 0..1, got {cold_start}")
        self.clips = list(clips)
        self.window, self.lanes, self.seed, self.state_batch_dim = window, lanes, seed, state_batch_dim
        self.cold_start = float(cold_start)
        self.starts = [list(range(0, n - window + 1, window)) for n in _clip_lengths(self.clips)]
        self.total = sum(map(len, self.starts))
        self._layouts: dict[tuple[int, int, bool], list[list[tuple[int, int]]]] = {}
        self._carried: Any = None
        self._carried_at: tuple[int, int, int, int] | None = None

    def steps_per_epoch(self, world: int) -> int:
        steps = self.total // (self.lanes * world)
        if steps < 1:
            raise MotionDataError(f"{self.total} windows of {self.window} frames are too few for "
                                  f"{self.lanes} lanes x {world} processes")
        return steps

    def layout(self, epoch: int, world: int, shuffle: bool = True) -> list[list[tuple[int, int]]]:
        """[lanes x world][steps] (clip, start frame) of every lane in `epoch`."""
        key = (epoch, world, shuffle)
        if key not in self._layouts:
            if shuffle:
                order = torch.randperm(len(self.clips), generator=torch.Generator().manual_seed(self.seed + epoch)).tolist()
            else:
                order = list(range(len(self.clips)))
            stream = [(c, s) for c in order for s in self.starts[c]]
            steps = self.steps_per_epoch(world)
            self._layouts = {key: [stream[i * steps:(i + 1) * steps] for i in range(self.lanes * world)]}
        return self._layouts[key]

    def cold(self, epoch: int, at: int, world: int = 1) -> torch.Tensor:
        """[lanes x world] bool: the lanes whose window `at` of `epoch` starts cold (see `cold_start`)."""
        n = self.lanes * world
        if self.cold_start <= 0.0:
            return torch.zeros(n, dtype=torch.bool)
        steps = self.steps_per_epoch(world)
        g = torch.Generator().manual_seed((self.seed * 1_000_003 + epoch) * (steps + 1) + at + 1)
        return torch.rand(n, generator=g) < self.cold_start

    def _make(self, lanes: list[list[tuple[int, int]]], at: int, state: Any,
              keep: Callable[[Any], None], cold: torch.Tensor | None = None) -> SequenceBatch:
        picks = [lane[at] for lane in lanes]
        reset = torch.tensor([at == 0 or s == 0 for _, s in picks])
        if cold is not None:
            reset = reset | cold
        if state is not None:
            state = zero_lanes(state, reset, self.state_batch_dim)
        return SequenceBatch(_stack(self.clips, picks, self.window), reset, state, keep)

    def batch(self, epoch: int, at: int, *, rank: int = 0, world: int = 1) -> SequenceBatch:
        lanes = self.layout(epoch, world)[rank * self.lanes:(rank + 1) * self.lanes]
        here = (epoch, at, rank, world)
        state = self._carried if self._carried_at == (epoch, at - 1, rank, world) else None

        def keep(s: Any) -> None:
            self._carried, self._carried_at = detach_state(s), here
        cold = self.cold(epoch, at, world)[rank * self.lanes:(rank + 1) * self.lanes] if self.cold_start > 0 else None
        return self._make(lanes, at, state, keep, cold)

    def __iter__(self) -> Iterator[SequenceBatch]:
        lanes = self.layout(0, 1, shuffle=False)
        carried: dict[int, Any] = {}
        for at in range(len(lanes[0])):
            def keep(s: Any, at: int = at) -> None:
                carried.clear()
                carried[at] = detach_state(s)
            yield self._make(lanes, at, carried.get(at - 1), keep)

    def state_dict(self) -> dict[str, Any]:
        return {"carried": self._carried, "carried_at": self._carried_at}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._carried, self._carried_at = state["carried"], state["carried_at"]
