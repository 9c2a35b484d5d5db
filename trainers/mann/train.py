"""MANNTrainer: the `mann` trainer plugin, MANN's data, model, loss, schedule, report and export on the
shared loop (`neuropuppet.training.TrainerBase`: seeding, dataset cache, held-out files, checkpoints,
DDP, budgets, report.md, shipping)."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import torch

from neuropuppet.controllers.mann.export import export_mann
from neuropuppet.controllers.mann.network import MANN
from neuropuppet.errors import ConfigError
from neuropuppet.nn import block_statistics
from neuropuppet.training import ClipIndex, Report, RowBatches, RunInfo, Setup, Split, TrainerBase, cosine_warm_restarts
from neuropuppet.training import synthetic_data_folder

from .config import MANNTrainConfig
from .dataset import MANNDataset, build_dataset, find_clips

VALIDATION_BATCH = 4096




class MANNTrainer(TrainerBase):
    """Train a MANN from a folder of quadruped BVH clips (+ labels) and export the `mann` artifact."""

    name: ClassVar[str] = "mann"
    description: ClassVar[str] = "Mode-adaptive neural network quadruped locomotion from BVH (+ labels)"
    controller: ClassVar[str] = "mann"
    config_class: ClassVar[type] = MANNTrainConfig
    artifact_name: ClassVar[str] = "mann.pt"
    positive_keys: ClassVar[tuple[str, ...]] = ("hidden", "gate_hidden", "experts")
    config: MANNTrainConfig

    def check_config(self) -> None:
        super().check_config()
        cfg = self.config
        if not 0.0 < cfg.keep_prob <= 1.0:
            raise ConfigError(f"mann config: keep_prob must be in (0, 1], got {cfg.keep_prob}")
        if not cfg.feet:
            raise ConfigError("mann config: feet must name at least one contact joint")
        for key in ("feet", "gaits"):
            if len(set(getattr(cfg, key))) != len(getattr(cfg, key)):
                raise ConfigError(f"mann config: {key} lists a name twice: {getattr(cfg, key)}")
        for key in ("idle_gait", "unlabelled_gait"):
            if getattr(cfg, key) not in cfg.gaits:
                raise ConfigError(f"mann config: {key} {getattr(cfg, key)!r} is not one of gaits {cfg.gaits}")
        if len(cfg.hips) != 2 or len(cfg.shoulders) != 2:
            raise ConfigError("mann config: hips and shoulders are each a [left, right] pair of joint names")
        if not (cfg.restart_epochs > 0 and cfg.restart_mult >= 1 and 0 < cfg.restart_cap <= 1):
            raise ConfigError("mann config: need restart_epochs > 0, restart_mult >= 1, 0 < restart_cap <= 1")

    # -- data ---------------------------------------------------------------------------------------
    def data_files(self) -> list[Path]:
        cfg = self.config
        clips = find_clips(synthetic_data_folder(cfg.data, "quadruped", cfg.synth_minutes, cfg.synth_seed,
                                                 progress=self.progress))
        labels = [c.with_name(c.name[:-4] + ".labels.npz") for c in clips]
        return clips + [p for p in labels if p.is_file()]

    def dataset_config(self) -> dict[str, Any]:
        cfg = self.config
        return {"bvh_scale": cfg.bvh_scale, "feet": list(cfg.feet), "gaits": list(cfg.gaits), "idle": cfg.idle_gait,
                "unlabelled": cfg.unlabelled_gait, "hips": list(cfg.hips), "shoulders": list(cfg.shoulders)}

    def build_dataset(self, files: list[Path], *, progress: bool) -> MANNDataset:
        return build_dataset([f for f in files if f.suffix == ".bvh"], self.config, progress=progress)

    def clip_index(self, ds: MANNDataset) -> ClipIndex:
        return ClipIndex(ds.clip, [name + ".bvh" for name in ds.clips])

    # -- model and batches ------------------------------------------------------------------------------
    def setup(self, ds: MANNDataset, split: Split) -> Setup:
        cfg = self.config
        feats = ds.features
        w = cfg.joint_input_weight
        x_mean, x_std = block_statistics(ds.X[split.train], feats.x, {b: w for b in ("joint_pos", "joint_fwd",
                                                                                        "joint_up", "joint_vel")})
        y_mean, y_std = block_statistics(ds.Y[split.train], feats.y)
        rows = {"x": torch.from_numpy((ds.X - x_mean) / x_std), "y": torch.from_numpy((ds.Y - y_mean) / y_std)}
        model = MANN(feats.x_size, feats.y_size, feats.gate_columns(), cfg.hidden, cfg.gate_hidden, cfg.experts,
                     cfg.keep_prob)
        model.set_normalisation(x_mean, x_std, y_mean, y_std)
        return Setup(model, RowBatches(rows, split.train, cfg.batch_size, seed=cfg.seed),
                     RowBatches(rows, split.held_out, VALIDATION_BATCH))

    def loss(self, model: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean squared error in normalised units."""
        net = model.module if hasattr(model, "module") else model
        return torch.mean((net.normalised(batch["x"]) - batch["y"]) ** 2)

    def optimiser(self, module: torch.nn.Module, steps_per_epoch: int) -> tuple[torch.optim.Optimizer, Any]:
        """AdamW with cosine warm restarts (the release's schedule): lr = eta * learning_rate and the
        decoupled decay per step eta * weight_decay / sqrt(steps_per_epoch * Te); torch's AdamW multiplies
        its weight_decay by lr, so it gets weight_decay / (sqrt(...) * learning_rate)."""
        cfg = self.config
        cycle = max(1, round(cfg.restart_epochs * steps_per_epoch))
        decay = cfg.weight_decay / math.sqrt(cycle) / cfg.learning_rate
        opt = torch.optim.AdamW(module.parameters(), lr=cfg.learning_rate, weight_decay=decay)
        return opt, cosine_warm_restarts(opt, cycle, cfg.restart_mult, cfg.restart_cap)

    # -- report and artifact -------------------------------------------------------------------------------
    def report(self, model: MANN, ds: MANNDataset, split: Split) -> Report:
        from .report import evaluate, quality_markdown
        quality = evaluate(model, ds, split, self.config) if self.config.report_seconds > 0 else {}
        return Report({"quality": quality}, quality_markdown(quality), "MANN training report")

    def export(self, model: MANN, ds: MANNDataset, path: Path, info: RunInfo) -> None:
        export_mann(model, ds.skeleton, path, gaits=ds.gaits, feet=ds.feet, rest_joints=ds.rest_joints,
                    gait_speeds=ds.gait_speeds, training_config=info.config, data_fingerprint=info.data_fingerprint,
                    metrics=info.metrics)
