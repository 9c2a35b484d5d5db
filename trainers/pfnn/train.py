"""PFNNTrainer: the `pfnn` trainer plugin, PFNN's data, model, loss, report and export on the shared loop.

The loop (seeding, dataset cache, held-out clips, checkpoints, DDP, budgets, report.md, shipping)
is `neuropuppet.training.TrainerBase`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import torch

from neuropuppet.controllers.pfnn.export import export_pfnn
from neuropuppet.controllers.pfnn.features import PFNNFeatures
from neuropuppet.controllers.pfnn.network import PFNN, catmull_rom_coefficients
from neuropuppet.errors import ConfigError
from neuropuppet.training import ClipIndex, Report, RowBatches, RunInfo, Setup, Split, TrainerBase
from neuropuppet.training import synthetic_data_folder

from .config import PFNNTrainConfig
from .dataset import PFNNDataset, block_normalisation, build_dataset, find_clips

VALIDATION_BATCH = 4096
SIDECARS = (".terrain.npz", ".labels.npz")   # read beside each clip when present (see dataset.py)




class PFNNTrainer(TrainerBase):
    """Train a PFNN from a folder of BVH clips and export the `pfnn` artifact (see PFNNTrainConfig)."""

    name: ClassVar[str] = "pfnn"
    description: ClassVar[str] = "Phase-functioned neural network locomotion from BVH (+ terrain, labels)"
    controller: ClassVar[str] = "pfnn"
    config_class: ClassVar[type] = PFNNTrainConfig
    artifact_name: ClassVar[str] = "pfnn.pt"
    positive_keys: ClassVar[tuple[str, ...]] = ("hidden",)
    config: PFNNTrainConfig

    def check_config(self) -> None:
        super().check_config()
        if not 0.0 < self.config.keep_prob <= 1.0:
            raise ConfigError(f"pfnn config: keep_prob must be in (0, 1], got {self.config.keep_prob}")

    # -- data ---------------------------------------------------------------------------------------
    def data_files(self) -> list[Path]:
        """The .bvh clips and the .terrain.npz / .labels.npz files beside them."""
        cfg = self.config
        clips = find_clips(synthetic_data_folder(cfg.data, "biped", cfg.synth_minutes, cfg.synth_seed,
                                                 progress=self.progress))
        sidecars = [c.with_name(c.name[:-4] + suffix) for c in clips for suffix in SIDECARS]
        return clips + [p for p in sidecars if p.is_file()]

    def dataset_config(self) -> dict[str, Any]:
        return {"mirror": self.config.mirror, "bvh_scale": self.config.bvh_scale}

    def build_dataset(self, files: list[Path], *, progress: bool) -> PFNNDataset:
        clips = [f for f in files if f.suffix == ".bvh"]
        return build_dataset(clips, mirror=self.config.mirror, scale=self.config.bvh_scale or None, progress=progress)

    def clip_index(self, ds: PFNNDataset) -> ClipIndex:
        return ClipIndex(ds.clip, [name.removesuffix("_mirror") + ".bvh" for name in ds.clips])

    # -- model and batches ------------------------------------------------------------------------------
    def setup(self, ds: PFNNDataset, split: Split) -> Setup:
        cfg = self.config
        feats = PFNNFeatures.for_joints(ds.skeleton.num_joints)
        w = cfg.joint_input_weight
        x_mean, x_std = block_normalisation(ds.X[split.train], feats.x_block_groups(), {"joint_pos": w, "joint_vel": w})
        y_mean, y_std = block_normalisation(ds.Y[split.train], feats.y_block_groups())
        rows = {"x": torch.from_numpy((ds.X - x_mean) / x_std), "y": torch.from_numpy((ds.Y - y_mean) / y_std),
                "phase": torch.from_numpy(ds.phase)}
        model = PFNN(feats.x_size, feats.y_size, cfg.hidden, cfg.keep_prob)
        model.set_normalisation(*(torch.from_numpy(a) for a in (x_mean, x_std, y_mean, y_std)))
        return Setup(model, RowBatches(rows, split.train, cfg.batch_size, seed=cfg.seed),
                     RowBatches(rows, split.held_out, VALIDATION_BATCH), module=model.mlp)

    def loss(self, mlp: torch.nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Mean squared error in normalised units."""
        pred = mlp(batch["x"], catmull_rom_coefficients(batch["phase"]))
        return torch.mean((pred - batch["y"]) ** 2)

    def regulariser(self, mlp: torch.nn.Module) -> torch.Tensor:
        return self.config.l1_weight * mlp.weight_l1()

    # -- report and artifact -------------------------------------------------------------------------------
    def report(self, model: PFNN, ds: PFNNDataset, split: Split) -> Report:
        from .report import evaluate, quality_markdown
        quality = evaluate(model, ds, split.held_out, self.config) if self.config.report_seconds > 0 else {}
        return Report({"quality": quality}, quality_markdown(quality), "PFNN training report")

    def export(self, model: PFNN, ds: PFNNDataset, path: Path, info: RunInfo) -> None:
        export_pfnn(model, ds.skeleton, path, rest_joints=ds.rest_joints, gait_speeds=ds.gait_speeds,
                    training_config=info.config, data_fingerprint=info.data_fingerprint, metrics=info.metrics)
