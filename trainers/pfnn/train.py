"""PFNNTrainer: the `pfnn` trainer plugin (single process, or DistributedDataParallel under torchrun)."""
from __future__ import annotations

import math
import os
import shutil
import time
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.distributed as dist

from neuropuppet.artifacts import write_checksums
from neuropuppet.config import config_to_dict
from neuropuppet.controller import PLUGIN_API_VERSION
from neuropuppet.controllers.pfnn.export import export_pfnn
from neuropuppet.controllers.pfnn.features import PFNNFeatures
from neuropuppet.controllers.pfnn.network import PFNN, catmull_rom_coefficients
from neuropuppet.errors import ConfigError, MotionDataError
from neuropuppet.trainer import TrainResult
from neuropuppet.training import CheckpointStore, fingerprint, rng_state, seed_everything, set_rng_state
from neuropuppet.training import progress as make_bar

from .config import PFNNTrainConfig
from .dataset import PFNNDataset, block_normalisation, build_dataset, find_clips


def split_clips(paths: list[Path], holdout: float) -> tuple[list[Path], list[Path]]:
    """(train, held-out) clips: the last ceil(holdout * n) clips are held out (none with one clip)."""
    if len(paths) < 2 or holdout <= 0:
        return paths, []
    k = min(len(paths) - 1, max(1, math.ceil(holdout * len(paths))))
    return paths[:-k], paths[-k:]


def split_rows(ds: PFNNDataset, holdout: float) -> tuple[np.ndarray, np.ndarray]:
    """With a single source clip: the last `holdout` fraction of each variant's rows are held out."""
    train, val = [], []
    for c in range(len(ds.clips)):
        idx = np.nonzero(ds.clip == c)[0]
        cut = int(len(idx) * (1.0 - holdout))
        train.append(idx[:cut]); val.append(idx[cut:])
    return np.concatenate(train), np.concatenate(val)


def ensure_data(cfg: PFNNTrainConfig) -> Path:
    """The data folder, generated with the synthetic biped when it is empty and `synth_minutes` > 0."""
    folder = Path(cfg.data)
    if not any(folder.glob("*.bvh")) and cfg.synth_minutes > 0:
        from neuropuppet.motion import synth
        folder.mkdir(parents=True, exist_ok=True)
        synth.generate("biped", folder, cfg.synth_minutes, cfg.synth_seed)
    return folder


def ship(workdir: Path, folder: Path) -> Path:
    """Copy pfnn.pt, report.md and report.json from `workdir` into `folder` and write its SHA256SUMS."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("pfnn.pt", "report.md", "report.json"):
        shutil.copyfile(workdir / name, folder / name)
    write_checksums(folder)
    return folder / "pfnn.pt"


class PFNNTrainer:
    """Train a PFNN from a folder of BVH clips and export the `pfnn` artifact (see PFNNTrainConfig)."""

    name: ClassVar[str] = "pfnn"
    api_version: ClassVar[int] = PLUGIN_API_VERSION
    description: ClassVar[str] = "Phase-functioned neural network locomotion from BVH (+ terrain, labels)"
    controller: ClassVar[str] = "pfnn"
    config_class: ClassVar[type] = PFNNTrainConfig

    def __init__(self, config: PFNNTrainConfig | None = None, *, workdir: Path | str) -> None:
        self.config = config or PFNNTrainConfig()
        self.workdir = Path(workdir)
        for name in ("batch_size", "epochs", "hidden", "threads"):
            if getattr(self.config, name) < 1:
                raise ConfigError(f"pfnn config: {name} must be at least 1, got {getattr(self.config, name)}")
        if not 0.0 < self.config.keep_prob <= 1.0:
            raise ConfigError(f"pfnn config: keep_prob must be in (0, 1], got {self.config.keep_prob}")

    # -- data ---------------------------------------------------------------------------------
    def _datasets(self, rank: int, world: int, show: bool) -> tuple[PFNNDataset, np.ndarray, np.ndarray, list[Path], str]:
        cfg = self.config
        if rank == 0:
            ensure_data(cfg)
        if world > 1:
            dist.barrier()
        paths = find_clips(cfg.data)
        train_paths, held = split_clips(paths, cfg.holdout)
        fp = fingerprint(paths)
        cache = self.workdir / f"dataset_{fp[:12]}_{int(cfg.mirror)}_{cfg.holdout}.npz"
        if rank == 0 and not cache.is_file():
            scale = cfg.bvh_scale or None
            ds = build_dataset(train_paths + held, mirror=cfg.mirror, scale=scale, progress=show)
            self.workdir.mkdir(parents=True, exist_ok=True)
            ds.save(cache)
        if world > 1:
            dist.barrier()
        ds = PFNNDataset.load(cache)
        if held:
            held_names = {p.name[:-4] for p in held}
            is_val = np.array([ds.clips[c].replace("_mirror", "") in held_names for c in ds.clip])
            train_idx, val_idx = np.nonzero(~is_val)[0], np.nonzero(is_val)[0]
        else:
            train_idx, val_idx = split_rows(ds, cfg.holdout if cfg.holdout > 0 else 0.1)
        if len(train_idx) == 0 or len(val_idx) == 0:
            raise MotionDataError(f"{cfg.data}: too little data for a train/validation split")
        return ds, train_idx, val_idx, held, fp

    # -- training -----------------------------------------------------------------------------------
    def run(self, *, resume: bool = True, progress: bool = True) -> TrainResult:
        cfg = self.config
        show = progress
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world > 1 and not dist.is_initialized():
            dist.init_process_group("gloo")
        rank = dist.get_rank() if world > 1 else 0
        torch.set_num_threads(cfg.threads)
        seed_everything(cfg.seed)
        ds, train_idx, val_idx, held, fp = self._datasets(rank, world, show and rank == 0)
        feats = PFNNFeatures.for_joints(ds.skeleton.num_joints)
        w = cfg.joint_input_weight
        x_mean, x_std = block_normalisation(ds.X[train_idx], feats.x_block_groups(), {"joint_pos": w, "joint_vel": w})
        y_mean, y_std = block_normalisation(ds.Y[train_idx], feats.y_block_groups())
        Xn = torch.from_numpy((ds.X - x_mean) / x_std)
        Yn = torch.from_numpy((ds.Y - y_mean) / y_std)
        P = torch.from_numpy(ds.phase)

        seed_everything(cfg.seed)
        model = PFNN(feats.x_size, feats.y_size, cfg.hidden, cfg.keep_prob)
        model.set_normalisation(*(torch.from_numpy(a) for a in (x_mean, x_std, y_mean, y_std)))
        net: torch.nn.Module = model.mlp
        if world > 1:
            net = torch.nn.parallel.DistributedDataParallel(model.mlp)
        opt = torch.optim.Adam(model.mlp.parameters(), lr=cfg.learning_rate)
        store = CheckpointStore(self.workdir / "checkpoints")
        step, history = 0, []
        if resume and (latest := store.latest()) is not None:
            step, state = latest
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            history = state["history"]
            set_rng_state(state["rng"])

        per_rank = max(1, len(train_idx) // world)
        steps_per_epoch = max(1, per_rank // cfg.batch_size)
        total = steps_per_epoch * cfg.epochs
        if cfg.max_steps > 0:
            total = min(total, cfg.max_steps)
        train_t = torch.from_numpy(train_idx)
        val_t = torch.from_numpy(val_idx)
        t0 = time.monotonic()
        bar = make_bar(total=total, desc="pfnn train", enabled=show and rank == 0, initial=step)
        model.mlp.train()
        loss_v = float("nan")
        mine_epoch, mine = -1, train_t
        while step < total:
            epoch, at = divmod(step, steps_per_epoch)
            if epoch != mine_epoch:  # the same shuffle on every rank, each takes its own stride
                order = torch.randperm(len(train_t), generator=torch.Generator().manual_seed(cfg.seed + epoch))
                mine, mine_epoch = train_t[order][rank::world], epoch
            b = mine[at * cfg.batch_size:(at + 1) * cfg.batch_size]
            coeff = catmull_rom_coefficients(P[b])
            pred = net(Xn[b], coeff)
            loss = torch.mean((pred - Yn[b]) ** 2)
            full = loss + cfg.l1_weight * model.mlp.weight_l1()
            opt.zero_grad(set_to_none=True)
            full.backward()
            opt.step()
            step += 1
            loss_v = float(loss.detach())
            bar.update(1)
            if step % 20 == 0:
                bar.set_postfix(loss=f"{loss_v:.4f}")
            if step % cfg.eval_every == 0 or step == total:
                history.append({"step": step, "train_loss": loss_v, "val_loss": self._val_loss(model, Xn, Yn, P, val_t)})
                model.mlp.train()
                if rank == 0:
                    bar.set_postfix(loss=f"{loss_v:.4f}", val=f"{history[-1]['val_loss']:.4f}")
            if rank == 0 and (step % cfg.checkpoint_every == 0 or step == total):
                store.save(step, {"model": model.state_dict(), "optimizer": opt.state_dict(), "history": history,
                                  "rng": rng_state(), "config": config_to_dict(cfg)})
            if cfg.max_minutes > 0 and self._out_of_time(t0, cfg.max_minutes, world):
                break
        bar.close()
        if not history or history[-1]["step"] != step:
            history.append({"step": step, "train_loss": loss_v, "val_loss": self._val_loss(model, Xn, Yn, P, val_t)})
        if rank == 0:
            store.save(step, {"model": model.state_dict(), "optimizer": opt.state_dict(), "history": history,
                              "rng": rng_state(), "config": config_to_dict(cfg)})
        model.eval()
        artifact = self.workdir / "pfnn.pt"
        report_path = self.workdir / "report.md"
        metrics: dict[str, Any] = {"steps": step, "val_loss": history[-1]["val_loss"],
                                   "first_val_loss": history[0]["val_loss"], "train_rows": int(len(train_idx)),
                                   "val_rows": int(len(val_idx)), "world_size": world}
        if rank == 0:
            from .report import evaluate, write_pfnn_report
            quality = evaluate(model, held, ds, val_idx, cfg) if cfg.report_seconds > 0 else {}
            metrics.update({"quality": quality})
            export_pfnn(model, ds.skeleton, artifact, rest_joints=ds.rest_joints, gait_speeds=ds.gait_speeds,
                        training_config=config_to_dict(cfg), data_fingerprint=fp,
                        metrics={k: v for k, v in metrics.items() if k != "quality"})
            report_path = write_pfnn_report(self.workdir, metrics, history, model)
            if cfg.ship_to:
                ship(self.workdir, Path(cfg.ship_to))
        if world > 1:
            dist.barrier()
        return TrainResult(artifact, report_path, {**metrics, "history": history,
                                                   "state": {k: v.clone() for k, v in model.state_dict().items()}})

    @staticmethod
    def _out_of_time(t0: float, minutes: float, world: int) -> bool:
        late = torch.tensor([float(time.monotonic() - t0 > minutes * 60.0)])
        if world > 1:
            dist.all_reduce(late, op=dist.ReduceOp.MAX)
        return bool(late.item() > 0)

    @staticmethod
    @torch.no_grad()
    def _val_loss(model: PFNN, Xn: torch.Tensor, Yn: torch.Tensor, P: torch.Tensor, idx: torch.Tensor) -> float:
        model.mlp.eval()
        total, count = 0.0, 0
        for chunk in idx.split(4096):
            pred = model.mlp(Xn[chunk], catmull_rom_coefficients(P[chunk]))
            total += float(((pred - Yn[chunk]) ** 2).sum())
            count += pred.numel()
        return total / max(count, 1)
