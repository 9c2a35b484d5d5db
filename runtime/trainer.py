"""The trainer plugin protocol.

A trainer plugin is a class registered under the entry-point group `neuropuppet.trainers`:

  name, api_version, description   as for controllers
  controller                       name of the controller plugin that consumes its artifacts
  config_class                     a dataclass whose field defaults are the default config;
                                   `neuropuppet train NAME --print-config` prints them as YAML
  __init__(config, *, workdir)     workdir holds the dataset cache, checkpoints, artifact and report
  run(*, resume=True, progress=True) -> TrainResult
                                   trains (resuming from the newest checkpoint in workdir when
                                   `resume`), exports the artifact and writes a metrics report

Write one by subclassing `neuropuppet.training.TrainerBase` (config: a subclass of
`neuropuppet.training.TrainingConfig`): it implements `run` from the plugin's hooks (data files,
dataset, model and batches, loss, report, export); see `neuropuppet.training.loop`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable


@dataclass
class TrainResult:
    """What a finished training run produced (on every rank; rank 0 wrote the files)."""

    artifact: Path
    report: Path
    metrics: dict[str, Any] = field(default_factory=dict)  # the report's metrics and the validation "history"
    model: Any = None                                        # the trained torch module (the exported weights)


@runtime_checkable
class Trainer(Protocol):
    name: ClassVar[str]
    api_version: ClassVar[int]
    description: ClassVar[str]
    controller: ClassVar[str]
    config_class: ClassVar[type]

    def __init__(self, config: Any, *, workdir: Path) -> None: ...

    def run(self, *, resume: bool = True, progress: bool = True) -> TrainResult: ...


TRAINER_ATTRIBUTES = ("name", "api_version", "controller", "config_class", "run")


def missing_trainer_attributes(cls: type) -> list[str]:
    return [a for a in TRAINER_ATTRIBUTES if not hasattr(cls, a)]
