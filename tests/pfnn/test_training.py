"""Training: validation loss drops, checkpoints resume, two torchrun processes train one model."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.controllers.pfnn import PFNN
from neuropuppet.trainers.pfnn import PFNNTrainConfig, PFNNTrainer


def tiny(data: Path, **kw) -> PFNNTrainConfig:
    base = dict(data=str(data), hidden=32, batch_size=32, learning_rate=1e-3, epochs=1, max_steps=60,
                eval_every=20, checkpoint_every=20, threads=1, report_seconds=1.0, mirror=False)
    base.update(kw)
    return PFNNTrainConfig(**base)


def test_short_training_lowers_validation_loss(synth_folder: Path, tmp_path: Path) -> None:
    result = PFNNTrainer(tiny(synth_folder), workdir=tmp_path).run(resume=False, progress=False)
    hist = result.metrics["history"]
    assert hist[-1]["val_loss"] < hist[0]["val_loss"] * 0.95
    art = load_artifact(result.artifact, controller="pfnn", device="cpu")
    assert art.metadata.inputs == {"x": [-1, 342], "phase": [-1]}
    assert art.metadata.skeleton["names"][0] == "Hips"
    assert "model" in result.metrics["quality"] and "ground_truth" in result.metrics["quality"]
    assert result.report.is_file() and "foot_skating" in result.report.read_text()


def test_the_dataset_cache_key_covers_terrain_and_labels(synth_folder: Path, tmp_path: Path) -> None:
    files = {p.name for p in PFNNTrainer(tiny(synth_folder), workdir=tmp_path).data_files()}
    assert {"biped_s3_000.bvh", "biped_s3_000.terrain.npz", "biped_s3_000.labels.npz"} <= files


def test_checkpoints_resume_to_the_same_model(synth_folder: Path, tmp_path: Path) -> None:
    straight = PFNNTrainer(tiny(synth_folder, max_steps=40), workdir=tmp_path / "a").run(resume=False, progress=False)
    PFNNTrainer(tiny(synth_folder, max_steps=20), workdir=tmp_path / "b").run(resume=False, progress=False)
    resumed = PFNNTrainer(tiny(synth_folder, max_steps=40), workdir=tmp_path / "b").run(resume=True, progress=False)
    assert resumed.metrics["steps"] == 40
    resumed_state = resumed.model.state_dict()
    for k, v in straight.model.state_dict().items():
        assert torch.equal(v, resumed_state[k]), k  # bitwise: same batches, RNG and optimiser state


def test_two_processes_train_the_same_model(synth_folder: Path, tmp_path: Path) -> None:
    script = tmp_path / "ddp.py"
    script.write_text(f"""
import os, torch
from neuropuppet.trainers.pfnn import PFNNTrainConfig, PFNNTrainer
cfg = PFNNTrainConfig(data={str(synth_folder)!r}, hidden=16, batch_size=16, epochs=1, max_steps=15, eval_every=15,
                      checkpoint_every=100, threads=1, report_seconds=0.0, mirror=False, learning_rate=1e-3)
r = PFNNTrainer(cfg, workdir={str(tmp_path / 'work')!r}).run(resume=False, progress=False)
torch.save(r.model.state_dict(), {str(tmp_path)!r} + f"/rank{{os.environ['RANK']}}.pt")
""")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           str(script)], capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    a = torch.load(tmp_path / "rank0.pt")
    b = torch.load(tmp_path / "rank1.pt")
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert (tmp_path / "work" / "pfnn.pt").is_file()
    torch.manual_seed(1234)  # the config's seed: the model both ranks started from
    start = PFNN(342, 311, hidden=16).state_dict()
    assert all(not torch.allclose(a[k], start[k]) for k in start if k.startswith("mlp."))  # it did train
