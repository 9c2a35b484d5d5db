"""GesturesTrainer: the `gestures` trainer plugin (music features -> upper-body pose, LSTM, TBPTT).

Truncated BPTT over long clips (`TBPTTChunks`: each lane streams whole clips window after window with
the LSTM state carried across windows), so the cell learns to run for minutes from one start. Its
inputs are only the music features, never its own previous output, so running on its own cannot
compound errors (no exposure bias); Gaussian noise on the normalised inputs while training keeps it
steady against the features' tick-to-tick jitter, and a loss on the frame-to-frame change of the
rotations keeps its acceleration and jerk near the data's.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
from torch import nn

from neuropuppet.controllers.gestures.export import export_gestures
from neuropuppet.controllers.gestures.features import SIXD, feature_groups, feature_set_name, set_columns
from neuropuppet.controllers.gestures.network import GesturesNet
from neuropuppet.errors import ConfigError, MotionDataError, NeuropuppetError
from neuropuppet.features import Layout
from neuropuppet.motion.synth.piano_music import check_tempo_range
from neuropuppet.nn import block_statistics
from neuropuppet.training import ClipIndex, Report, RunInfo, Setup, Split, TBPTTChunks, TrainerBase, contiguous_runs
from neuropuppet.training import synthetic_data_folder

from .config import CLIPPED_DRIVE, QUIET_LEAD_IN, QUIET_TAIL_S, GesturesTrainConfig
from .dataset import GesturesDataset, beat_weights, build_dataset


class SequenceModule(nn.Module):
    """The network's training form (`GesturesNet.sequence`) as a forward, so DDP sees the call."""

    def __init__(self, net: GesturesNet) -> None:
        super().__init__()
        self.net = net

    def forward(self, features: torch.Tensor, h: torch.Tensor | None, c: torch.Tensor | None, noise: float = 0.0
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self.net.sequence(features, h, c, noise)


def rest_pose(ds: GesturesDataset, rows: np.ndarray) -> dict[str, Any]:
    """The seated base pose over `rows`: the mean root position and each joint's mean local rotation
    (quaternions sign-aligned to the first row, averaged, normalised)."""
    q = ds.local[rows].astype(np.float64)
    q = np.where(np.sum(q * q[:1], -1, keepdims=True) < 0, -q, q).mean(0)
    q /= np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), 1e-12)
    return {"root_position": ds.root[rows].mean(0).round(6).tolist(), "rotations": q.round(6).tolist()}


class GesturesTrainer(TrainerBase):
    """Train the gestures LSTM from music clips (WAV + BVH); export the `gestures` artifact."""

    name: ClassVar[str] = "gestures"
    description: ClassVar[str] = "music-driven upper-body gestures: causal audio features -> pose (LSTM, TBPTT)"
    controller: ClassVar[str] = "gestures"
    config_class: ClassVar[type] = GesturesTrainConfig
    artifact_name: ClassVar[str] = "gestures.pt"
    dataset_version: ClassVar[int] = 1
    positive_keys: ClassVar[tuple[str, ...]] = ("hidden", "layers", "window")
    non_negative_keys: ClassVar[tuple[str, ...]] = ("input_noise", "velocity_weight", "acceleration_weight",
                                                    "jerk_weight", "beat_weight", "weight_decay", "synth_minutes",
                                                    "slow_minutes", "quiet_minutes", "clipped_minutes")
    config: GesturesTrainConfig

    def check_config(self) -> None:
        super().check_config()
        c = self.config
        self.groups = feature_groups(c.features)
        if not c.beat_sigma > 0:
            raise ConfigError(f"gestures config: beat_sigma must be positive, got {c.beat_sigma}")
        if not 0.0 <= c.beat_hold < 1.0:
            raise ConfigError(f"gestures config: beat_hold must be within 0..1 beats, got {c.beat_hold}")
        if not 0 < c.lr_final <= 1:
            raise ConfigError(f"gestures config: lr_final must be in (0, 1], got {c.lr_final}")
        if c.slow_minutes > 0:
            try:
                check_tempo_range((c.slow_tempo_min, c.slow_tempo_max))
            except NeuropuppetError as e:
                raise ConfigError(f"gestures config: slow_tempo_min/max: {e}") from None
        main_seed = c.synth_seed if c.synth_minutes > 0 and c.synth_kind == "piano" else None
        seen = [("data", c.data, "synth_seed", main_seed)]
        for extra, folder, _, seed, _ in self.extra_piano():
            for other, other_folder, other_seed_key, other_seed in seen:
                if Path(folder).resolve() == Path(other_folder).resolve():
                    raise ConfigError(f"gestures config: {extra}_data must be another folder than {other} "
                                      f"({other_folder})")
                if seed == other_seed:
                    raise ConfigError(f"gestures config: {extra}_seed {seed} equals {other_seed_key}: the {extra} "
                                      "clips would repeat that data's music and names")
            seen.append((f"{extra}_data", folder, f"{extra}_seed", seed))

    def extra_piano(self) -> list[tuple[str, str, float, int, dict[str, Any]]]:
        """The extra piano folders asked for (minutes > 0): (name, folder, minutes, seed, generator options)."""
        c = self.config
        extras = [("slow", c.slow_data, c.slow_minutes, c.slow_seed,
                   {"tempo_range": (c.slow_tempo_min, c.slow_tempo_max)}),
                  ("quiet", c.quiet_data, c.quiet_minutes, c.quiet_seed,
                   {"lead_in_range": QUIET_LEAD_IN, "tail_s": QUIET_TAIL_S}),
                  ("clipped", c.clipped_data, c.clipped_minutes, c.clipped_seed, {"drive_range": CLIPPED_DRIVE})]
        return [e for e in extras if e[2] > 0]

    # -- data ---------------------------------------------------------------------------------------
    def data_files(self) -> list[Path]:
        cfg = self.config
        if cfg.synth_minutes > 0:
            from neuropuppet.motion import synth
            if cfg.synth_kind not in synth.KINDS:
                raise ConfigError(f"gestures config: synth_kind {cfg.synth_kind!r} is not a generator "
                                  f"({', '.join(synth.KINDS)})")
        folder = synthetic_data_folder(cfg.data, cfg.synth_kind, cfg.synth_minutes, cfg.synth_seed,
                                      progress=self.progress)
        clips = sorted(folder.glob("*.bvh"))
        if not clips:
            raise MotionDataError(f"{folder}: no .bvh clips (give data: a folder of NAME.wav + NAME.bvh, or "
                                  f"synth_minutes > 0 to generate {cfg.synth_kind} clips there)")
        for _, extra_folder, minutes, seed, options in self.extra_piano():
            extra = synthetic_data_folder(extra_folder, "piano", minutes, seed, progress=self.progress, **options)
            extra_clips = sorted(extra.glob("*.bvh"))
            clash = {p.name for p in clips} & {p.name for p in extra_clips}
            if clash:
                raise MotionDataError(f"{extra}: clip names also in another data folder ({sorted(clash)[0]}, ...): "
                                      "each clip must have its own name (the held-out split goes by name)")
            clips = sorted(clips + extra_clips, key=lambda p: p.name)
        extra = [p for c in clips for p in (c.with_suffix(".wav"), c.with_name(c.name[:-4] + ".labels.npz"))
                 if p.is_file()]
        return clips + extra

    def build_dataset(self, files: list[Path], *, progress: bool) -> GesturesDataset:
        cache = Path(self.config.feature_cache) if self.config.feature_cache else None
        return build_dataset([f for f in files if f.suffix == ".bvh"], cache=cache, progress=progress)

    def clip_index(self, ds: GesturesDataset) -> ClipIndex:
        return ClipIndex(ds.clip, ds.files)

    # -- model and batches ----------------------------------------------------------------------------
    def _clips(self, ds: GesturesDataset, items: np.ndarray) -> list[dict[str, torch.Tensor]]:
        """Per run of `items`: features x, 6D rotations y and the frames' beat weights b (`beat_weights`)."""
        starts = np.searchsorted(ds.clip, np.arange(len(ds.files)))        # rows are grouped by clip, in order
        out = []
        for r in contiguous_runs(items, ds.clip):
            clip = int(ds.clip[r[0]])
            frames = (r - starts[clip]) / ds.fps
            out.append({"x": torch.from_numpy(ds.features[r]), "y": torch.from_numpy(ds.rot6d[r]),
                        "b": torch.from_numpy(beat_weights(ds.beats[clip], frames, self.config.beat_sigma,
                                                           self.config.beat_hold))})
        return out

    def setup(self, ds: GesturesDataset, split: Split) -> Setup:
        c = self.config
        layout = Layout.from_dict(ds.feature_info["layout"])
        columns = set_columns(self.groups, layout)
        phase = np.nonzero(columns == layout.start("beat_phase"))[0]
        net = GesturesNet(columns, layout.size, len(ds.joints), c.hidden, c.layers,
                          phase_column=int(phase[0]) if len(phase) else -1)
        with torch.no_grad():
            encoded = net.encoded(torch.from_numpy(ds.features[split.train])).numpy()
        net.x_norm.set(*block_statistics(encoded))
        joints = {name: slice(SIXD * i, SIXD * (i + 1)) for i, name in enumerate(ds.joints)}
        net.y_norm.set(*block_statistics(ds.rot6d[split.train], joints))
        self.rest = rest_pose(ds, split.train)
        held = self._clips(ds, split.held_out)
        window = min(c.window, min(len(h["x"]) for h in held))
        train = TBPTTChunks(self._clips(ds, split.train), c.window, c.batch_size, seed=c.seed, state_batch_dim=1)
        val = TBPTTChunks(held, window, min(2, sum(len(h["x"]) // window for h in held)), state_batch_dim=1)
        return Setup(net, train, val, module=SequenceModule(net))

    def loss(self, module: nn.Module, batch: Any) -> torch.Tensor:
        """MSE of the normalised 6D rotations + velocity_weight x the MSE of their first differences (frame to
        frame) + acceleration_weight x the MSE of their second differences + jerk_weight x that of their third,
        each against the data's; + beat_weight x the first differences' MSE at the music beats (each frame
        weighted by `beat_weights`, on the beat and `beat_hold` of a beat after it, the mean over those weights):
        the motion at the beat (still on the press and the nod, moving between) is what beat alignment
        measures, and a plain MSE blurs it."""
        inner = module.module if hasattr(module, "module") else module
        net = inner.net
        h, c = batch.state if batch.state is not None else (None, None)
        noise = self.config.input_noise if inner.training else 0.0
        y, h, c = module(batch["x"], h, c, noise)
        batch.carry((h, c))
        target = net.y_norm(batch["y"])
        pose = torch.mean((y - target) ** 2)
        error = y - target
        total = pose
        c = self.config
        for order, weight in enumerate((c.velocity_weight, c.acceleration_weight, c.jerk_weight)):
            error = error[:, 1:] - error[:, :-1]
            if order == 0 and c.beat_weight > 0 and error.shape[1] > 0:
                at_beats = batch["b"][:, 1:]
                total = total + c.beat_weight * torch.sum(at_beats[..., None] * error ** 2) / (
                    error.shape[-1] * torch.clamp(torch.sum(at_beats), min=1.0))
            if weight > 0 and error.shape[1] > 0:
                total = total + weight * torch.mean(error ** 2)
        return total

    def optimiser(self, module: nn.Module, steps_per_epoch: int) -> tuple[torch.optim.Optimizer, Any]:
        """AdamW (`weight_decay`) with a cosine decay of the learning rate to `lr_final` x itself over the run's steps."""
        c = self.config
        total = steps_per_epoch * c.epochs if c.max_steps <= 0 else min(c.max_steps, steps_per_epoch * c.epochs)
        opt = torch.optim.AdamW(module.parameters(), lr=c.learning_rate, weight_decay=c.weight_decay)
        return opt, torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(total, 1), eta_min=c.learning_rate * c.lr_final)

    # -- report and artifact -------------------------------------------------------------------------------
    def report(self, model: GesturesNet, ds: GesturesDataset, split: Split) -> Report:
        from .report import evaluate, quality_markdown
        quality = evaluate(model, ds, split.held_out, self.config.report_clips) if self.config.report_clips else {}
        return Report({"quality": quality, "feature_set": feature_set_name(self.groups)}, quality_markdown(quality),
                      f"Gestures training report ({feature_set_name(self.groups)})")

    def export(self, model: GesturesNet, ds: GesturesDataset, path: Path, info: RunInfo) -> None:
        export_gestures(model, path, skeleton=ds.skeleton, joints=ds.joints, rest_pose=self.rest,
                        feature_set=feature_set_name(self.groups), feature_groups=self.groups,
                        feature_info=ds.feature_info, fps=ds.fps, keyboard=ds.keyboard,
                        training_config=info.config, data_fingerprint=info.data_fingerprint, metrics=info.metrics)
