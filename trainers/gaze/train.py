"""GazeTrainer: the `gaze` trainer plugin (data, model, loss, report and export on the shared loop).

Truncated BPTT over long clips (`TBPTTChunks`: each lane streams whole clips window after window
with the recurrent state carried across windows), so the cell learns to run for minutes. Its inputs
are only the target and the body's turn rate, never its own previous output, so running on its own
output cannot compound errors (no exposure bias); Gaussian noise on the normalised inputs while
training keeps it steady against jittery targets.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from neuropuppet.controllers.gaze.export import export_gaze
from neuropuppet.controllers.gaze.features import ANGLES
from neuropuppet.controllers.gaze.network import GazeNet
from neuropuppet.errors import ConfigError
from neuropuppet.nn import block_statistics
from neuropuppet.training import ClipIndex, Report, RunInfo, Setup, Split, TBPTTChunks, TrainerBase, contiguous_runs
from neuropuppet.training import synthetic_data_folder

from .config import GazeTrainConfig
from .dataset import GazeDataset, build_dataset




class GazeTrainer(TrainerBase):
    """Train the gaze network from BVH clips with gaze targets; export the `gaze` artifact."""

    name: ClassVar[str] = "gaze"
    description: ClassVar[str] = "recurrent gaze: head, eyes and blinks from the target (LSTM/GRU, TBPTT)"
    controller: ClassVar[str] = "gaze"
    config_class: ClassVar[type] = GazeTrainConfig
    artifact_name: ClassVar[str] = "gaze.pt"
    dataset_version: ClassVar[int] = 2
    positive_keys: ClassVar[tuple[str, ...]] = ("hidden", "layers", "window")
    non_negative_keys: ClassVar[tuple[str, ...]] = ("input_noise", "blink_weight", "velocity_weight", "cold_start")
    config: GazeTrainConfig

    def check_config(self) -> None:
        super().check_config()
        c = self.config
        if c.kind not in ("lstm", "gru"):
            raise ConfigError(f"gaze config: kind must be lstm or gru, got {c.kind!r}")
        if c.cold_start > 1:
            raise ConfigError(f"gaze config: cold_start is a share of windows (0..1), got {c.cold_start}")

    # -- data ---------------------------------------------------------------------------------------
    def data_files(self) -> list[Path]:
        cfg = self.config
        folder = synthetic_data_folder(cfg.data, "gaze", cfg.synth_minutes, cfg.synth_seed,
                                      progress=self.progress)
        clips = sorted(folder.glob("*.bvh"))
        return clips + [c.with_name(c.name[:-4] + ".labels.npz") for c in clips
                        if c.with_name(c.name[:-4] + ".labels.npz").is_file()]

    def build_dataset(self, files: list[Path], *, progress: bool) -> GazeDataset:
        return build_dataset([f for f in files if f.suffix == ".bvh"], progress=progress)

    def clip_index(self, ds: GazeDataset) -> ClipIndex:
        return ClipIndex(ds.clip, ds.files)

    # -- model and batches ----------------------------------------------------------------------------
    def _clips(self, ds: GazeDataset, items: np.ndarray) -> list[dict[str, torch.Tensor]]:
        return [{"x": torch.from_numpy(ds.x[r]), "angles": torch.from_numpy(ds.angles[r]),
                 "onset": torch.from_numpy(ds.blink_onset[r]),
                 "weight": torch.from_numpy(1.0 + self.config.settled_weight * ds.settled[r])} for r in contiguous_runs(items, ds.clip)]

    def setup(self, ds: GazeDataset, split: Split) -> Setup:
        c = self.config
        model = GazeNet(c.kind, c.hidden, c.layers)
        model.x_norm.set(*block_statistics(ds.x[split.train], {"direction": slice(0, 3), "distance": slice(3, 4),
                                                               "turn": slice(4, 5)}))
        model.y_norm.set(*block_statistics(ds.angles[split.train], {"head": slice(0, 2), "eyes": slice(2, 6)}))
        train = TBPTTChunks(self._clips(ds, split.train), c.window, c.batch_size, seed=c.seed, state_batch_dim=1,
                            cold_start=c.cold_start)
        val = TBPTTChunks(self._clips(ds, split.held_out), c.window, 2, state_batch_dim=1)
        return Setup(model, train, val)

    def loss(self, module: torch.nn.Module, batch: Any) -> torch.Tensor:
        """MSE of the normalised angles (settled frames weighted 1 + settled_weight) + velocity_weight x the MSE of
        their per-tick change (an average over timings smears a saccade: this term asks for its speed) +
        blink_weight x the blink onsets' binary cross-entropy."""
        net = module.module if hasattr(module, "module") else module
        x = batch["x"]
        h, c = batch.state if batch.state is not None else (None, None)
        if net.training and self.config.input_noise > 0:
            x = x + self.config.input_noise * net.x_norm.std * torch.randn_like(x)
        y, h, c = net.sequence(x, h, c)
        batch.carry((h, c))
        w = batch["weight"].unsqueeze(-1)
        want = net.y_norm(batch["angles"])
        angles = torch.mean(w * (y[..., :ANGLES] - want) ** 2) / torch.mean(w)
        blink = F.binary_cross_entropy_with_logits(y[..., ANGLES], batch["onset"])
        loss = angles + self.config.blink_weight * blink
        if self.config.velocity_weight > 0:
            change = torch.diff(y[..., :ANGLES], dim=-2) - torch.diff(want, dim=-2)
            loss = loss + self.config.velocity_weight * torch.mean(change ** 2)
        return loss

    def optimiser(self, module: torch.nn.Module, steps_per_epoch: int) -> tuple[torch.optim.Optimizer, Any]:
        """Adam with a cosine decay of the learning rate to `lr_final` x itself over the run's steps."""
        c = self.config
        total = steps_per_epoch * c.epochs if c.max_steps <= 0 else min(c.max_steps, steps_per_epoch * c.epochs)
        opt = torch.optim.Adam(module.parameters(), lr=c.learning_rate)
        final = c.lr_final

        def factor(step: int) -> float:
            return final + (1.0 - final) * 0.5 * (1.0 + math.cos(math.pi * min(step / max(total, 1), 1.0)))
        return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)

    # -- report and artifact -------------------------------------------------------------------------------
    def report(self, model: GazeNet, ds: GazeDataset, split: Split) -> Report:
        from .report import evaluate, quality_markdown
        quality = evaluate(model, ds, split.held_out, self.config.report_clips) if self.config.report_clips else {}
        return Report({"quality": quality}, quality_markdown(quality), "Gaze training report")

    def export(self, model: GazeNet, ds: GazeDataset, path: Path, info: RunInfo) -> None:
        export_gaze(model, path, fps=ds.fps, training_config=info.config, data_fingerprint=info.data_fingerprint,
                    metrics=info.metrics)
