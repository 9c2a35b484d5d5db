"""A toy trainer plugin on the shared loop: a 2-layer MLP (or a GRU) fitting synthetic clips.

Each data file `clip_<i>.npz` holds x [T, 3] and y [T, 2] = tanh(x W) (negated in files made
with `flip`). `ToyTrainer.builds` counts dataset builds (cache hits do not build).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterable

import numpy as np
import torch
from torch import nn

from neuropuppet.training import (ClipIndex, Report, RowBatches, RunInfo, Setup, Split, TBPTTChunks, TrainerBase,
                                  TrainingConfig, contiguous_runs, cosine_warm_restarts)

WEIGHTS = np.array([[1.0, -0.5], [0.3, 0.8], [-0.7, 0.2]], np.float32)


def make_toy_data(folder: Path, files: int = 4, frames: int = 64, seed: int = 0, flip: Iterable[int] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(files):
        x = rng.normal(size=(frames, 3)).astype(np.float32)
        y = np.tanh(x @ WEIGHTS) * (-1.0 if i in set(flip) else 1.0)
        np.savez(folder / f"clip_{i}.npz", x=x, y=y.astype(np.float32))
    return folder


@dataclass
class ToyConfig(TrainingConfig):
    data: str = ""
    holdout: float = 0.25
    learning_rate: float = 1e-2
    batch_size: int = 8
    epochs: int = 5
    eval_every: int = 10
    checkpoint_every: int = 10
    threads: int = 1
    hidden: int = 16
    dropout: float = 0.1
    noise: float = 0.0              # added to the targets when the dataset is built (a dataset key)
    cycle_steps: int = 0            # > 0: AdamW with cosine warm restarts of this many steps


class ToyMLP(nn.Module):
    def __init__(self, hidden: int, dropout: float) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, hidden), nn.ELU(), nn.Dropout(dropout), nn.Linear(hidden, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class ToyTrainer(TrainerBase):
    name: ClassVar[str] = "toy"
    controller: ClassVar[str] = "toy"
    config_class: ClassVar[type] = ToyConfig
    artifact_name: ClassVar[str] = "toy.pt"
    builds: ClassVar[int] = 0
    config: ToyConfig

    def data_files(self) -> list[Path]:
        return sorted(Path(self.config.data).glob("*.npz"))

    def dataset_config(self) -> dict[str, Any]:
        return {"noise": self.config.noise}

    def build_dataset(self, files: list[Path], *, progress: bool) -> dict[str, Any]:
        type(self).builds += 1
        xs, ys, clip = [], [], []
        for i, f in enumerate(files):
            with np.load(f) as d:
                xs.append(d["x"])
                ys.append(d["y"] + self.config.noise)
                clip.append(np.full(len(d["x"]), i))
        return {"x": np.concatenate(xs), "y": np.concatenate(ys), "clip": np.concatenate(clip),
                "files": [f.name for f in files]}

    def clip_index(self, data: dict[str, Any]) -> ClipIndex:
        return ClipIndex(data["clip"], data["files"])

    def setup(self, data: dict[str, Any], split: Split) -> Setup:
        rows = {"x": torch.from_numpy(data["x"]), "y": torch.from_numpy(data["y"])}
        model = ToyMLP(self.config.hidden, self.config.dropout)
        return Setup(model, RowBatches(rows, split.train, self.config.batch_size, seed=self.config.seed),
                     RowBatches(rows, split.held_out, 1000))

    def loss(self, module: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.mean((module(batch["x"]) - batch["y"]) ** 2)

    def optimiser(self, module: nn.Module, steps_per_epoch: int) -> tuple[torch.optim.Optimizer, Any]:
        if self.config.cycle_steps <= 0:
            return super().optimiser(module, steps_per_epoch)
        opt = torch.optim.AdamW(module.parameters(), lr=self.config.learning_rate, weight_decay=0.01)
        return opt, cosine_warm_restarts(opt, self.config.cycle_steps, 2.0, 0.9)

    @torch.no_grad()
    def report(self, model: nn.Module, data: dict[str, Any], split: Split) -> Report:
        x, y = (torch.from_numpy(data[k][split.held_out]) for k in ("x", "y"))
        mse = float(torch.mean((model(x) - y) ** 2))
        return Report({"held_out_mse": mse}, f"held-out MSE {mse:.4g}")

    def export(self, model: nn.Module, data: Any, path: Path, info: RunInfo) -> None:
        torch.save({"state": model.state_dict(), "metrics": info.metrics}, path)


class ToyGRU(nn.Module):
    def __init__(self, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(3, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 2)

    def forward(self, x: torch.Tensor, h: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        y, h = self.gru(x, h)
        return self.out(y), h


class ToySequenceTrainer(ToyTrainer):
    """The same data as clips of frames, trained by truncated BPTT with carried GRU state."""

    name: ClassVar[str] = "toyseq"

    def setup(self, data: dict[str, Any], split: Split) -> Setup:
        def clips(items: np.ndarray) -> list[dict[str, torch.Tensor]]:
            return [{"x": torch.from_numpy(data["x"][r]), "y": torch.from_numpy(data["y"][r])}
                    for r in contiguous_runs(items, data["clip"])]
        model = ToyGRU(self.config.hidden)
        return Setup(model, TBPTTChunks(clips(split.train), 8, 3, seed=self.config.seed, state_batch_dim=1),
                     TBPTTChunks(clips(split.held_out), 8, 1, state_batch_dim=1))

    def loss(self, module: nn.Module, batch: Any) -> torch.Tensor:
        pred, h = module(batch["x"], batch.state)
        batch.carry(h)
        return torch.mean((pred - batch["y"]) ** 2)

    @torch.no_grad()
    def report(self, model: nn.Module, data: dict[str, Any], split: Split) -> Report:
        return Report()
