"""The generic training loop: a trainer plugin is its dataset, model, loss, report and export.

Subclass `TrainerBase`, set the plugin attributes and implement the hooks (required ones raise
NotImplementedError). `run()` then does, in one process or under torchrun (gloo, rank 0 writes):

  1. seed (config `seed`), torch threads (`threads`)
  2. data: `data_files()` (rank 0 first: it may create them), the dataset built by
     `build_dataset(files)` and cached in the work dir under a fingerprint of the files' bytes,
     `dataset_config()` and `dataset_version`
  3. the held-out split by data file (`clip_index(data)`, `holdout`; see neuropuppet.training.data)
  4. `setup(data, split)` -> Setup: the model, its training batch plan and validation batches
  5. `optimiser(module, steps_per_epoch)` (default Adam at `learning_rate`, no schedule)
  6. resume from the newest checkpoint in the work dir (model, optimiser, scheduler, every RNG,
     the batch plan's state, step, history, best validation), or start afresh
  7. steps: batch -> `loss(module, batch)` (+ `regulariser(module)`) -> backward -> clip
     (`grad_clip`) -> step; a tqdm bar with the loss; validation at step 0 and every `eval_every`
     steps (mean loss over the validation batches, in eval mode, no regulariser); checkpoints
     every `checkpoint_every` steps; stops at `epochs`, `max_steps`, `max_minutes` (this run's wall
     clock) or after `patience` validations without a new best (then the best model is kept)
  8. rank 0: `report(model, data, split)`, `export(model, data, path, info)`, report.md/json, and
     with `ship_to` a copy of artifact + report beside a SHA256SUMS
"""
from __future__ import annotations

import copy
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable

import torch

from ..config import config_to_dict
from ..controller import PLUGIN_API_VERSION
from ..errors import ConfigError, MotionDataError
from ..trainer import TrainResult
from .batches import BatchPlan, batch_size_of
from .checkpoints import CheckpointStore, rng_state, seed_everything, set_rng_state
from .data import ClipIndex, DatasetCache, Split, dataset_key, fingerprint, split_by_file
from .distributed import Distributed
from .progress import progress as make_bar
from .report import Report, ship, write_training_report


@dataclass
class TrainingConfig:
    """The settings the loop reads. A trainer's config dataclass subclasses it (redeclare a field to
    change its default) and adds its own."""

    data: str = "data"                  # where the training data is (a folder, usually)
    holdout: float = 0.1                # fraction of data files held out for validation (see split_by_file)
    learning_rate: float = 1e-4
    batch_size: int = 32
    epochs: int = 20
    max_steps: int = 0                  # > 0: stop after this many optimiser steps (counting resumed ones)
    max_minutes: float = 0.0            # > 0: stop after this much wall-clock time (of this run)
    eval_every: int = 500               # steps between validations
    checkpoint_every: int = 1000        # steps between checkpoints
    patience: int = 0                   # > 0: stop after this many validations without a new best; keep the best
    grad_clip: float = 0.0              # > 0: clip the gradient norm to this
    seed: int = 1234
    threads: int = 2                    # torch CPU threads per process
    ship_to: str = ""                   # folder to copy the artifact and report into (+ SHA256SUMS)


@dataclass
class Setup:
    """What `setup` returns: the model and the batches it trains and validates on."""

    model: torch.nn.Module              # checkpointed, reported and exported
    train: BatchPlan                    # training batches (RowBatches, SequenceWindows, TBPTTChunks, ...)
    validation: Iterable[Any]           # held-out batches, iterated once per validation
    module: torch.nn.Module | None = None  # the part optimised and wrapped in DDP (default: model)


@dataclass
class RunInfo:
    """What `export` may record in the artifact's metadata."""

    config: dict[str, Any]
    data_fingerprint: str               # SHA-256 of the data files
    metrics: dict[str, Any]             # the loop's flat metrics (steps, losses, sizes)


@dataclass
class _LoopState:
    step: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    best_val: float = math.inf
    best_step: int = -1
    bad_evals: int = 0
    best_model: dict[str, torch.Tensor] | None = None
    loss_sum: float = 0.0
    loss_steps: int = 0


class TrainerBase:
    """Base class of trainer plugins; see the module docstring for the hooks and what `run` does."""

    name: ClassVar[str]                         # set these two in the subclass (plugins checks them)
    controller: ClassVar[str]
    api_version: ClassVar[int] = PLUGIN_API_VERSION
    description: ClassVar[str] = ""
    config_class: ClassVar[type] = TrainingConfig
    artifact_name: ClassVar[str] = "model.pt"   # in the work dir (and in ship_to)
    dataset_version: ClassVar[int] = 1          # bump when build_dataset's output changes for the same input
    positive_keys: ClassVar[tuple[str, ...]] = ()       # config keys of yours that must be at least 1
    non_negative_keys: ClassVar[tuple[str, ...]] = ()   # ... and that must not be negative

    def __init__(self, config: Any = None, *, workdir: Path | str) -> None:
        self.config = config if config is not None else self.config_class()
        self.workdir = Path(workdir)
        self.progress = True                    # show progress bars (the run's --no-progress sets it False)
        self.check_config()

    # -- hooks -------------------------------------------------------------------------------------
    def check_config(self) -> None:
        """Raise ConfigError for bad values (extend it for your own keys, calling super())."""
        cfg = self.config
        lows = [("batch_size", 1), ("epochs", 1), ("threads", 1), ("eval_every", 1), ("checkpoint_every", 1),
                ("max_steps", 0), ("patience", 0), *((key, 1) for key in self.positive_keys)]
        for key, low in lows:
            if getattr(cfg, key) < low:
                raise ConfigError(f"{self.name} config: {key} must be at least {low}, got {getattr(cfg, key)}")
        for key in ("max_minutes", "grad_clip", *self.non_negative_keys):
            if getattr(cfg, key) < 0:
                raise ConfigError(f"{self.name} config: {key} must not be negative, got {getattr(cfg, key)}")
        if not 0.0 < cfg.holdout < 1.0:
            raise ConfigError(f"{self.name} config: holdout must be in (0, 1), got {cfg.holdout}")

    def data_files(self) -> list[Path]:
        """Every file the dataset is built from: their bytes key the cache (called on rank 0 first: it
        may create them; a generator filling a folder shows a bar only when `self.progress`)."""
        raise NotImplementedError

    def dataset_config(self) -> dict[str, Any]:
        """The config values `build_dataset` depends on (part of the cache key)."""
        return {}

    def build_dataset(self, files: list[Path], *, progress: bool) -> Any:
        """The dataset (any picklable object) built from `files`."""
        raise NotImplementedError

    def clip_index(self, data: Any) -> ClipIndex:
        """Which clip each item of `data` belongs to, and each clip's data file (for the split)."""
        raise NotImplementedError

    def setup(self, data: Any, split: Split) -> Setup:
        """The model (seeded) and its training and validation batches (normalise with split.train only)."""
        raise NotImplementedError

    def loss(self, module: torch.nn.Module, batch: Any) -> torch.Tensor:
        """The scalar loss of `module` (DDP-wrapped in training) on `batch`: minimised and validated."""
        raise NotImplementedError

    def regulariser(self, module: torch.nn.Module) -> torch.Tensor | None:
        """A penalty added to the loss in training only (not validated), or None."""
        return None

    def optimiser(self, module: torch.nn.Module, steps_per_epoch: int,
                  ) -> tuple[torch.optim.Optimizer, Any]:
        """(optimizer, scheduler stepped once per step, or None). Default: Adam, no schedule."""
        return torch.optim.Adam(module.parameters(), lr=self.config.learning_rate), None

    def report(self, model: torch.nn.Module, data: Any, split: Split) -> Report:
        """Quality of the trained model (in eval mode) on the held-out items `split.held_out`."""
        return Report()

    def export(self, model: torch.nn.Module, data: Any, path: Path, info: RunInfo) -> None:
        """Write the artifact for `controller` to `path`."""
        raise NotImplementedError

    # -- the loop ------------------------------------------------------------------------------------
    def run(self, *, resume: bool = True, progress: bool = True) -> TrainResult:
        """Train (resuming from the newest checkpoint when `resume`), export, report and ship."""
        return _Run(self, resume, progress).execute()


class _Run:
    """One call of TrainerBase.run."""

    def __init__(self, trainer: TrainerBase, resume: bool, progress: bool) -> None:
        self.t, self.cfg, self.resume = trainer, trainer.config, resume
        self.dist = Distributed.start()
        self.show = progress and self.dist.is_main
        trainer.progress = self.show
        self.store = CheckpointStore(trainer.workdir / "checkpoints")
        self.state = _LoopState()

    # -- data ---------------------------------------------------------------------------------------
    def _dataset(self) -> tuple[Any, str]:
        t, d = self.t, self.dist
        files = t.data_files() if d.is_main else []
        d.barrier()
        if not d.is_main:
            files = t.data_files()
        if not files:
            raise MotionDataError(f"{self.cfg.data}: no data files")
        fp = fingerprint(files)
        key = dataset_key(fp, t.dataset_config(), f"{t.name}/{t.dataset_version}")
        cache = DatasetCache(t.workdir)
        data = None
        if d.is_main:
            data, _ = cache.get_or_build(key, lambda: t.build_dataset(list(files), progress=self.show))
        d.barrier()
        if not d.is_main:
            data = cache.load(key)
            if data is None:
                raise MotionDataError(f"{cache.path(key)}: rank 0's dataset cache is unreadable")
        return data, fp

    # -- checkpoints ----------------------------------------------------------------------------------
    def _save(self, optimiser: torch.optim.Optimizer, scheduler: Any) -> None:
        local = {"rng": rng_state(), "plan": self.plan.state_dict() if hasattr(self.plan, "state_dict") else None}
        ranks = self.dist.gather(local)
        if self.dist.is_main:
            self.store.save(self.state.step, {
                "model": self.model.state_dict(), "optimizer": optimiser.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler is not None else None,
                "loop": asdict(self.state), "ranks": ranks, "config": config_to_dict(self.cfg)})
        self.saved_at = self.state.step

    def _restore(self, optimiser: torch.optim.Optimizer, scheduler: Any) -> None:
        latest = self.store.latest() if self.resume else None
        if latest is None:
            if self.dist.is_main:
                self.store.clear()
            return
        _, ck = latest
        try:
            self.model.load_state_dict(ck["model"])
            optimiser.load_state_dict(ck["optimizer"])
            if scheduler is not None and ck["scheduler"] is not None:
                scheduler.load_state_dict(ck["scheduler"])
        except (RuntimeError, ValueError, KeyError) as e:
            raise ConfigError(f"{self.store.folder}: the checkpoint does not fit this {self.t.name} config "
                              f"({str(e).splitlines()[0][:200]}); run with --no-resume or another --workdir") from None
        self.state = _LoopState(**ck["loop"])
        ranks = ck["ranks"]
        mine = ranks[self.dist.rank] if len(ranks) == self.dist.world else None
        set_rng_state((mine or ranks[0])["rng"])
        if mine is not None and mine["plan"] is not None and hasattr(self.plan, "load_state_dict"):
            self.plan.load_state_dict(mine["plan"])

    # -- validation -----------------------------------------------------------------------------------
    @torch.no_grad()
    def _val_loss(self) -> float:
        was = self.module.training
        self.module.eval()
        total, count = 0.0, 0
        for batch in self.setup.validation:
            n = batch_size_of(batch)
            total += float(self.t.loss(self.module, batch)) * n
            count += n
        self.module.train(was)
        return total / max(count, 1)

    def _validate(self) -> bool:
        """Validate now, record it; True when early stopping says stop (rank 0's decision)."""
        s = self.state
        val = self._val_loss()
        train = s.loss_sum / s.loss_steps if s.loss_steps else None
        s.history.append({"step": s.step, "train_loss": train, "val_loss": val})
        s.loss_sum, s.loss_steps = 0.0, 0
        if val < s.best_val:
            s.best_val, s.best_step, s.bad_evals = val, s.step, 0
            if self.cfg.patience > 0:
                s.best_model = copy.deepcopy(self.model.state_dict())
        else:
            s.bad_evals += 1
        return self.dist.from_main(self.cfg.patience > 0 and s.bad_evals >= self.cfg.patience)

    # -- run ------------------------------------------------------------------------------------------
    def execute(self) -> TrainResult:
        t, cfg, d = self.t, self.cfg, self.dist
        torch.set_num_threads(cfg.threads)
        seed_everything(cfg.seed)
        data, fp = self._dataset()
        split = split_by_file(t.clip_index(data), cfg.holdout, source=str(cfg.data))
        seed_everything(cfg.seed)
        self.setup = t.setup(data, split)
        self.model = self.setup.model
        self.module = self.setup.module if self.setup.module is not None else self.model
        self.plan = self.setup.train
        steps_per_epoch = self.plan.steps_per_epoch(d.world)
        optimiser, scheduler = t.optimiser(self.module, steps_per_epoch)
        self._restore(optimiser, scheduler)
        d.barrier()
        net = d.wrap(self.module)
        total = steps_per_epoch * cfg.epochs
        if cfg.max_steps > 0:
            total = min(total, cfg.max_steps)
        s = self.state
        self.saved_at = s.step if s.history else -1
        t0 = time.monotonic()
        stopped_by = "patience" if cfg.patience > 0 and s.bad_evals >= cfg.patience else ""
        if not s.history:
            stopped_by = "patience" if self._validate() else ""
        bar = make_bar(total=total, desc=f"{t.name} train", enabled=self.show, initial=s.step)
        self.module.train()
        while s.step < total and not stopped_by:
            epoch, at = divmod(s.step, steps_per_epoch)
            loss = t.loss(net, self.plan.batch(epoch, at, rank=d.rank, world=d.world))
            penalty = t.regulariser(self.module)
            objective = loss if penalty is None else loss + penalty
            optimiser.zero_grad(set_to_none=True)
            objective.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(self.module.parameters(), cfg.grad_clip)
            optimiser.step()
            if scheduler is not None:
                scheduler.step()
            s.step += 1
            value = float(loss.detach())
            s.loss_sum += value
            s.loss_steps += 1
            bar.update(1)
            if s.step % 20 == 0:
                bar.set_postfix(loss=f"{value:.4f}")
            if s.step % cfg.eval_every == 0 or s.step == total:
                if self._validate():
                    stopped_by = "patience"
                bar.set_postfix(loss=f"{value:.4f}", val=f"{s.history[-1]['val_loss']:.4f}")
            if s.step % cfg.checkpoint_every == 0 or s.step == total:
                self._save(optimiser, scheduler)
            if cfg.max_minutes > 0 and d.any(time.monotonic() - t0 > cfg.max_minutes * 60.0):
                stopped_by = stopped_by or "max_minutes"
        bar.close()
        seconds = time.monotonic() - t0
        if not stopped_by:
            stopped_by = "max_steps" if cfg.max_steps > 0 and s.step >= cfg.max_steps else "epochs"
        if s.history[-1]["step"] != s.step:
            self._validate()
        if self.saved_at != s.step:
            self._save(optimiser, scheduler)
        return self._finish(data, split, fp, steps_per_epoch, stopped_by, seconds)

    def _finish(self, data: Any, split: Split, fp: str, steps_per_epoch: int, stopped_by: str,
                seconds: float) -> TrainResult:
        t, cfg, s = self.t, self.cfg, self.state
        keep_best = cfg.patience > 0 and s.best_model is not None
        if keep_best:
            self.model.load_state_dict(s.best_model)
        self.model.eval()
        kept_val = s.best_val if keep_best else s.history[-1]["val_loss"]
        metrics: dict[str, Any] = {
            "steps": s.step, "epochs": round(s.step / steps_per_epoch, 3), "stopped_by": stopped_by,
            "val_loss": kept_val, "first_val_loss": s.history[0]["val_loss"], "best_val_loss": s.best_val,
            "best_step": s.best_step, "train_items": int(len(split.train)), "held_out_items": int(len(split.held_out)),
            "held_out_files": list(split.held_files), "world_size": self.dist.world}
        artifact = t.workdir / t.artifact_name
        md = t.workdir / "report.md"
        report = Report()
        if self.dist.is_main:
            report = t.report(self.model, data, split)
            self.model.eval()
            t.export(self.model, data, artifact, RunInfo(config_to_dict(cfg), fp, dict(metrics)))
            files = ", ".join(split.held_files[:8]) + (", ..." if len(split.held_files) > 8 else "")
            kept = f"best, step {s.best_step}" if keep_best else f"step {s.step}"
            summary = (f"{s.step} steps ({metrics['epochs']} epochs, stopped by {stopped_by}) in {seconds:.1f} s on "
                       f"{self.dist.world} process(es). Validation loss {metrics['first_val_loss']:.4g} at step 0 -> "
                       f"{kept_val:.4g} (the exported model: {kept}). Training items {metrics['train_items']}, "
                       f"held-out items {metrics['held_out_items']}"
                       + (f" (held-out files: {files})." if files else " (the tail of each clip)."))
            md = write_training_report(t.workdir, report.title or f"{t.name} training report", summary, report,
                                       {**metrics, **report.metrics, "train_seconds": seconds}, s.history)
            if cfg.ship_to:
                ship(artifact, Path(cfg.ship_to))
        self.dist.barrier()
        return TrainResult(artifact, md, {**metrics, **report.metrics, "history": s.history}, self.model)
