"""The training machinery every trainer plugin shares (`neuropuppet.training`).

A trainer plugin subclasses `TrainerBase` and is its dataset, model, loss, report and export; the
loop (`loop.py`) seeds, caches the built dataset under a fingerprint of its files and config,
holds out whole data files, resumes from checkpoints, trains under step, time and patience
budgets, runs under torchrun (DDP, gloo), reports and ships the artifact.

  loop.py         TrainerBase, TrainingConfig, Setup, RunInfo
  data.py         fingerprint, dataset_key, DatasetCache, ClipIndex, Split, split_by_file, contiguous_runs,
                  find_clips, synthetic_data_folder
  batches.py      BatchPlan, RowBatches, batch_size_of
  sequences.py    SequenceWindows, TBPTTChunks, SequenceBatch (recurrent trainers)
  optim.py        CosineWarmRestarts, cosine_warm_restarts
  checkpoints.py  CheckpointStore, seed_everything, rng_state, set_rng_state
  distributed.py  Distributed
  report.py       Report, markdown_table, write_training_report, ship
"""
from __future__ import annotations

from .batches import BatchPlan, RowBatches, batch_size_of
from .checkpoints import CheckpointStore, rng_state, seed_everything, set_rng_state
from .data import (ClipIndex, DatasetCache, Split, contiguous_runs, dataset_key, find_clips, fingerprint,
                   split_by_file, synthetic_data_folder)
from .distributed import Distributed
from .loop import RunInfo, Setup, TrainerBase, TrainingConfig
from .optim import CosineWarmRestarts, cosine_warm_restarts
from .progress import progress
from .report import Report, markdown_table, ship, write_training_report
from .sequences import SequenceBatch, SequenceWindows, TBPTTChunks, detach_state, zero_lanes

__all__ = ["BatchPlan", "CheckpointStore", "ClipIndex", "CosineWarmRestarts", "DatasetCache", "Distributed",
           "Report", "RowBatches", "RunInfo", "SequenceBatch", "SequenceWindows", "Setup", "Split", "TBPTTChunks",
           "TrainerBase", "TrainingConfig", "batch_size_of", "contiguous_runs", "cosine_warm_restarts",
           "dataset_key", "find_clips", "detach_state", "fingerprint", "markdown_table", "progress", "rng_state",
           "seed_everything", "set_rng_state", "ship", "split_by_file", "synthetic_data_folder", "write_training_report",
           "zero_lanes"]
