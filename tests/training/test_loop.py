"""The generic training loop on a toy trainer: resume, held-out split, early stopping, budgets, cache."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from neuropuppet.errors import ConfigError
from neuropuppet.training import ClipIndex, split_by_file
from toy_trainer import ToyConfig, ToySequenceTrainer, ToyTrainer, make_toy_data

HERE = Path(__file__).resolve().parent


def run(tmp: Path, name: str, data: Path, resume: bool = False, trainer: type = ToyTrainer, **kw):
    return trainer(ToyConfig(data=str(data), **kw), workdir=tmp / name).run(resume=resume, progress=False)


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sb = b.state_dict()
    return all(torch.equal(v, sb[k]) for k, v in a.state_dict().items())


def test_resume_gives_bitwise_the_uninterrupted_run(tmp_path: Path) -> None:
    # dropout (RNG state), AdamW + cosine warm restarts (scheduler state), a stop in mid-epoch (24 steps/epoch)
    data = make_toy_data(tmp_path / "data")
    kw = dict(cycle_steps=10, checkpoint_every=7)
    straight = run(tmp_path, "a", data, max_steps=60, **kw)
    first = run(tmp_path, "b", data, max_steps=37, **kw)
    assert first.metrics["steps"] == 37
    resumed = run(tmp_path, "b", data, resume=True, max_steps=60, **kw)
    assert resumed.metrics["steps"] == 60
    assert same_weights(straight.model, resumed.model)
    assert resumed.metrics["val_loss"] == straight.metrics["val_loss"]
    assert not same_weights(straight.model, first.model)


def test_a_fresh_run_never_resumes_an_older_runs_checkpoints(tmp_path: Path) -> None:
    data = make_toy_data(tmp_path / "data")
    run(tmp_path, "w", data, max_steps=50)
    short = run(tmp_path, "w", data, max_steps=20)           # --no-resume
    again = run(tmp_path, "w", data, resume=True, max_steps=20)
    assert again.metrics["steps"] == 20 and same_weights(short.model, again.model)


def test_resume_refuses_a_checkpoint_of_another_model(tmp_path: Path) -> None:
    data = make_toy_data(tmp_path / "data")
    run(tmp_path, "w", data, max_steps=10)
    with pytest.raises(ConfigError, match="checkpoint does not fit"):
        run(tmp_path, "w", data, resume=True, max_steps=20, hidden=8)


def test_held_out_split_is_by_file_deterministic_and_disjoint() -> None:
    files = ["c.bvh", "a.bvh", "d.bvh", "b.bvh", "e.bvh"]
    clips = files + files                                   # each file also has a mirrored variant
    item_clip = np.repeat(np.arange(len(clips)), 30)
    split = split_by_file(ClipIndex(item_clip, clips), 0.3)
    assert split.held_files == ("d.bvh", "e.bvh")           # the last ceil(0.3 * 5) in name order
    assert np.intersect1d(split.train, split.held_out).size == 0
    assert np.array_equal(np.sort(np.concatenate([split.train, split.held_out])), np.arange(len(item_clip)))
    held_clips = {clips[c] for c in item_clip[split.held_out]}
    train_clips = {clips[c] for c in item_clip[split.train]}
    assert held_clips == {"d.bvh", "e.bvh"} and not held_clips & train_clips   # mirrors go with their file
    # the order the clips are listed in does not change which files are held out
    order = np.random.default_rng(1).permutation(len(clips))
    again = split_by_file(ClipIndex(np.argsort(order)[item_clip], [clips[i] for i in order]), 0.3)
    assert again.held_files == split.held_files and len(again.held_out) == len(split.held_out)


def test_a_single_file_is_split_in_time() -> None:
    item_clip = np.repeat([0, 1], 40)                       # one file, two variants of it
    split = split_by_file(ClipIndex(item_clip, ["only.bvh", "only.bvh"]), 0.25)
    assert split.held_files == ()
    assert split.held_out.tolist() == list(range(30, 40)) + list(range(70, 80))   # each clip's last quarter


def test_the_trainer_holds_out_the_same_files_every_run(tmp_path: Path) -> None:
    data = make_toy_data(tmp_path / "data", files=6)
    a = run(tmp_path, "a", data, max_steps=2, holdout=0.3)
    b = run(tmp_path, "b", data, max_steps=2, holdout=0.3, seed=99)
    assert a.metrics["held_out_files"] == b.metrics["held_out_files"] == ["clip_4.npz", "clip_5.npz"]
    assert a.metrics["held_out_items"] == 2 * 64 and a.metrics["train_items"] == 4 * 64


def test_early_stopping_stops_and_keeps_the_best_model(tmp_path: Path) -> None:
    # the held-out file's targets are negated: the better training fits, the worse validation gets
    data = make_toy_data(tmp_path / "data", flip=[3])
    r = run(tmp_path, "w", data, epochs=50, patience=2, dropout=0.0)
    hist = r.metrics["history"]
    assert r.metrics["stopped_by"] == "patience"
    assert r.metrics["best_step"] == 0 and r.metrics["steps"] == 20   # two validations without a new best
    assert hist[-1]["val_loss"] > hist[0]["val_loss"]
    assert r.metrics["val_loss"] == min(h["val_loss"] for h in hist)
    assert r.metrics["held_out_mse"] == pytest.approx(r.metrics["val_loss"], rel=1e-5)  # the best weights were kept
    again = run(tmp_path, "w", data, resume=True, epochs=50, patience=2, dropout=0.0)
    assert again.metrics["steps"] == 20 and again.metrics["stopped_by"] == "patience"


def test_the_time_budget_stops_and_the_run_resumes(tmp_path: Path) -> None:
    data = make_toy_data(tmp_path / "data")
    r = run(tmp_path, "w", data, epochs=1000, max_minutes=1e-9)
    assert r.metrics["stopped_by"] == "max_minutes" and 1 <= r.metrics["steps"] < 1000
    later = run(tmp_path, "w", data, resume=True, max_steps=r.metrics["steps"] + 5)
    assert later.metrics["steps"] == r.metrics["steps"] + 5


def test_the_dataset_cache_is_reused_and_invalidated(tmp_path: Path) -> None:
    data = make_toy_data(tmp_path / "data")
    builds = lambda: ToyTrainer.builds  # noqa: E731
    start = builds()
    run(tmp_path, "w", data, max_steps=1)
    assert builds() == start + 1
    run(tmp_path, "w", data, max_steps=1, learning_rate=0.5)    # not a dataset key: cache reused
    assert builds() == start + 1
    run(tmp_path, "w", data, max_steps=1, noise=0.1)            # a dataset key: rebuilt
    assert builds() == start + 2
    make_toy_data(data, files=1, seed=7)                        # clip_0.npz's bytes change: rebuilt
    r = run(tmp_path, "w", data, max_steps=1, noise=0.1)
    assert builds() == start + 3
    run(tmp_path, "w", data, max_steps=1, noise=0.1)
    assert builds() == start + 3
    assert len(list((tmp_path / "w").glob("dataset_*.pkl"))) == 1   # stale caches removed
    assert r.artifact.is_file() and "held-out MSE" in r.report.read_text()


def test_ship_copies_artifact_and_report_with_checksums(tmp_path: Path) -> None:
    data = make_toy_data(tmp_path / "data")
    r = run(tmp_path, "w", data, max_steps=3, ship_to=str(tmp_path / "ship"))
    shipped = sorted(p.name for p in (tmp_path / "ship").iterdir())
    assert shipped == ["SHA256SUMS", "report.json", "report.md", "toy.pt"]
    import hashlib
    digest = hashlib.sha256(r.artifact.read_bytes()).hexdigest()
    assert (tmp_path / "ship" / "SHA256SUMS").read_text().split() == [digest, "toy.pt"]


def test_truncated_bptt_resume_carries_the_recurrent_state(tmp_path: Path) -> None:
    data = make_toy_data(tmp_path / "data", frames=80)
    straight = run(tmp_path, "a", data, trainer=ToySequenceTrainer, max_steps=17, epochs=20)
    run(tmp_path, "b", data, trainer=ToySequenceTrainer, max_steps=6, epochs=20)   # stops inside an epoch
    resumed = run(tmp_path, "b", data, resume=True, trainer=ToySequenceTrainer, max_steps=17, epochs=20)
    assert same_weights(straight.model, resumed.model)


@pytest.mark.slow
def test_two_processes_train_like_one_with_both_batches(tmp_path: Path) -> None:
    data = make_toy_data(tmp_path / "data")
    script = tmp_path / "ddp.py"
    script.write_text(f"""
import os, torch
from toy_trainer import ToyConfig, ToyTrainer
cfg = ToyConfig(data={str(data)!r}, batch_size=4, max_steps=12, dropout=0.0)
r = ToyTrainer(cfg, workdir={str(tmp_path / 'work')!r}).run(resume=False, progress=False)
torch.save(r.model.state_dict(), {str(tmp_path)!r} + f"/rank{{os.environ['RANK']}}.pt")
""")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           str(script)], capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    a, b = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    assert all(torch.equal(a[k], b[k]) for k in a)
    # one process taking both ranks' rows each step (batch 8) follows the same path (the mean of the two means)
    single = run(tmp_path, "single", data, batch_size=8, max_steps=12, dropout=0.0).model.state_dict()
    for k in a:
        assert torch.allclose(a[k], single[k], atol=1e-6), k
    assert (tmp_path / "work" / "toy.pt").is_file() and (tmp_path / "work" / "report.md").is_file()


def test_no_progress_reaches_the_data_step(tmp_path: Path) -> None:
    # `--no-progress` must also silence a generator that data_files() runs to fill an empty folder
    seen: list[bool] = []

    class Recording(ToyTrainer):
        def data_files(self) -> list[Path]:
            seen.append(self.progress)
            return super().data_files()
    data = make_toy_data(tmp_path / "data")
    trainer = Recording(ToyConfig(data=str(data), max_steps=2), workdir=tmp_path / "quiet")
    assert trainer.progress is True
    trainer.run(progress=False)
    assert seen == [False]
