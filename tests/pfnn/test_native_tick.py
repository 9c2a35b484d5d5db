"""The compiled CPU tick (engine "native", numba) against the TorchScript tick (engine "torch").

Both controllers start each tick from the same state (the torch one's), so the comparison is per
tick and a rounding difference cannot grow into a different walk; a scripted stick sequence with
runs, crouches, look-stick turns and releases over rough terrain covers the branches.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.channels import GAMEPAD_WIDTH, TickInputs
from neuropuppet.controllers.pfnn import PFNNController
from neuropuppet.controllers.pfnn.controller import NATIVE_MAX_BATCH
from neuropuppet.controllers.pfnn.network import pfnn_from_state
from neuropuppet.errors import InputError
from neuropuppet.terrain import HeightField

POSE_FIELDS = ("root_position", "root_rotation", "local_positions", "local_rotations")


def scripted_pads(ticks: int, n: int) -> list[torch.Tensor]:
    rng = np.random.default_rng(5)
    out = []
    for t in range(ticks):
        pads = torch.zeros(n, GAMEPAD_WIDTH)
        if t % 90 < 60:                                   # stick held, then released
            pads[:, 0:2] = torch.tensor(rng.uniform(-1, 1, (n, 2)), dtype=torch.float32)
        if t % 120 < 40:                                  # look stick
            pads[:, 2:4] = torch.tensor(rng.uniform(-1, 1, (n, 2)), dtype=torch.float32)
        pads[:, 5] = float(t % 150 < 70)                  # run trigger
        pads[:, 7] = float(100 < t % 200 < 140)           # crouch button (B)
        if t % 97 == 0:
            pads[0, 1] = float("nan")
        out.append(pads)
    return out


@pytest.mark.parametrize("mode,n", [("bucket50", 1), ("exact", 1), ("linear10", 3), ("bucket50", 4)])
def test_native_tick_equals_torch_tick(random_artifact: Path, mode: str, n: int) -> None:
    art = load_artifact(random_artifact, device="cpu")
    torch_c = PFNNController.from_artifact(art, batch_size=n, device="cpu", mode=mode, engine="torch")
    native_c = PFNNController.from_artifact(art, batch_size=n, device="cpu", mode=mode, engine="native")
    assert torch_c.engine == "torch" and native_c.engine == "native"
    terrain = HeightField(np.random.default_rng(2).uniform(0, 0.4, (30, 30)).astype(np.float32), (-15, -15), 1.0)
    for pads in scripted_pads(400, n):
        for k, v in torch_c.state.items():
            native_c.state[k].copy_(v)
        want = torch_c.step(TickInputs(1 / 60, gamepad=pads.clone(), terrain=terrain)).clone()
        got = native_c.step(TickInputs(1 / 60, gamepad=pads.clone(), terrain=terrain)).clone()
        for field in POSE_FIELDS:
            assert torch.allclose(getattr(got, field), getattr(want, field), atol=2e-5), (field, float((getattr(got, field) - getattr(want, field)).abs().max()))
        for key in ("contacts", "trajectory", "phase"):
            assert torch.allclose(got.extras[key], want.extras[key], atol=2e-5), key
        for k, v in torch_c.state.items():
            # 1e-4: the stick response ramps up steeply past the dead zone (trajectory.MOVE_RAMP), which
            # magnifies the float64 (kernel scalars) vs float32 (tensor path) rounding of the stick length
            assert torch.allclose(native_c.state[k], v, atol=1e-4), (k, float((native_c.state[k] - v).abs().max()))


def test_engine_choice(random_artifact: Path) -> None:
    art = load_artifact(random_artifact, device="cpu")
    assert PFNNController.from_artifact(art, batch_size=1, device="cpu").engine == "native"
    assert PFNNController.from_artifact(art, batch_size=NATIVE_MAX_BATCH, device="cpu").engine == "native"
    assert PFNNController.from_artifact(art, batch_size=NATIVE_MAX_BATCH + 1, device="cpu").engine == "torch"
    with pytest.raises(InputError):
        PFNNController.from_artifact(art, batch_size=1, device="cpu", engine="jax")


@pytest.mark.parametrize("engine", ["native", "torch"])
def test_bad_placement_is_refused_and_far_terrain_clamps(random_artifact: Path, engine: str) -> None:
    c = PFNNController.from_artifact(load_artifact(random_artifact, device="cpu"), batch_size=2, device="cpu",
                                     engine=engine)
    with pytest.raises(InputError, match="finite"):
        c.place([[0.0, float("nan")], [1.0, 1.0]])
    with pytest.raises(InputError, match="2 \\(x, z\\) positions"):
        c.place([[0.0, 0.0]])
    terrain = HeightField(np.full((4, 4), 0.5, np.float32), (-2.0, -2.0), 1.0)
    c.place([[1e6, -1e6], [-3e5, 2e4]], yaw=[0.5, -2.0])           # far outside the height field
    pads = torch.zeros(2, GAMEPAD_WIDTH)
    pads[:, 1] = torch.tensor([1e9, float("inf")])                    # huge and infinite stick
    for _ in range(30):
        pose = c.step(TickInputs(1 / 60, gamepad=pads, terrain=terrain))
    for field in POSE_FIELDS:
        assert torch.isfinite(getattr(pose, field)).all(), field
    assert torch.allclose(pose.root_position[:, 1], torch.tensor(0.5))   # border height, clamped


@pytest.mark.parametrize("mode", ["bucket50", "exact", "nearest50", "linear10"])
def test_torch_export_artifact_plays_like_torchscript(random_artifact: Path, tmp_path: Path, mode: str) -> None:
    """The controller needs the artifact's weights and metadata, not its TorchScript code: the same
    network saved as a torch.export `.pt2` drives both engines to the same poses."""
    from neuropuppet.artifacts import save_artifact
    ts = load_artifact(random_artifact, device="cpu")
    net = pfnn_from_state(ts.module.state_dict())
    pt2 = load_artifact(save_artifact(net, tmp_path / "pfnn.pt2", ts.metadata), device="cpu")
    assert pt2.backend == "export"
    pads = scripted_pads(120, 2)
    for engine in ("native", "torch"):
        a = PFNNController.from_artifact(ts, batch_size=2, device="cpu", mode=mode, engine=engine)
        b = PFNNController.from_artifact(pt2, batch_size=2, device="cpu", mode=mode, engine=engine)
        for p in pads:
            want = a.step(TickInputs(1 / 60, gamepad=p.clone())).clone()
            got = b.step(TickInputs(1 / 60, gamepad=p.clone()))
            for field in POSE_FIELDS:
                assert torch.equal(getattr(got, field), getattr(want, field)), (engine, field)


class Impostor(torch.nn.Module):
    """Takes and gives PFNN's shapes, but is no PFNN."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(342, 311)

    def forward(self, x: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
        return self.linear(x) * phase.unsqueeze(-1)


def test_artifact_of_another_network_is_refused(random_artifact: Path, tmp_path: Path) -> None:
    from neuropuppet.artifacts import save_artifact
    from neuropuppet.errors import ArtifactError
    ts = load_artifact(random_artifact, device="cpu")
    other = load_artifact(save_artifact(Impostor(), tmp_path / "other.pt", ts.metadata), device="cpu")
    with pytest.raises(ArtifactError, match="not a PFNN"):
        PFNNController.from_artifact(other, device="cpu")


@pytest.mark.parametrize("engine", ["native", "torch"])
def test_network_that_does_not_fit_the_skeleton_is_refused(random_artifact: Path, engine: str) -> None:
    """A 31-joint network on a 20- or 40-joint skeleton: a clear error, never a read past the arrays."""
    from neuropuppet.errors import ArtifactError
    from neuropuppet.motion.skeleton import Skeleton
    net = load_artifact(random_artifact, device="cpu").module
    for j in (20, 40):
        sk = Skeleton([f"j{i}" for i in range(j)], [-1] + list(range(j - 1)), np.full((j, 3), 0.05))
        with pytest.raises(ArtifactError, match=f"{j}-joint skeleton"):
            PFNNController(net, sk, np.zeros((j, 6)), device="cpu", engine=engine)


def test_pads_of_any_dtype_and_layout_work_on_both_engines(random_artifact: Path) -> None:
    """Free-running for 30 ticks, so the mode is "exact": bucket50 switches weight tables where the phase
    crosses a bucket boundary, and the engines' float rounding (1e-9 in the phase) can pick neighbouring
    buckets there and walk apart (the tick-by-tick comparison above covers bucket50)."""
    art = load_artifact(random_artifact, device="cpu")
    base = scripted_pads(30, 2)
    poses = {}
    for engine in ("native", "torch"):
        for kind in ("float32", "float64", "strided"):
            c = PFNNController.from_artifact(art, batch_size=2, device="cpu", engine=engine, mode="exact")
            for p in base:
                if kind == "float64":
                    p = p.double()
                elif kind == "strided":
                    p = p.t().contiguous().t()                  # same values, column-major strides
                    assert not p.is_contiguous()
                pose = c.step(TickInputs(1 / 60, gamepad=p))
            poses[engine, kind] = pose.clone()
    for key, pose in poses.items():
        assert torch.allclose(pose.root_position, poses["torch", "float32"].root_position, atol=1e-4), key


def test_reset_reads_indices_once_and_refuses_masks(random_artifact: Path) -> None:
    c = PFNNController.from_artifact(load_artifact(random_artifact, device="cpu"), batch_size=3, device="cpu")
    pads = torch.zeros(3, GAMEPAD_WIDTH)
    pads[:, 1] = 1.0
    for _ in range(30):
        c.step(TickInputs(1 / 60, gamepad=pads))
    moved = c.state["root_xz"].clone()
    assert (moved.norm(dim=1) > 0.1).all()
    c.reset(i for i in [1])                                     # a generator: read once
    assert torch.equal(c.state["root_xz"][1], torch.zeros(2))
    assert torch.equal(c.state["root_xz"][[0, 2]], moved[[0, 2]])
    with pytest.raises(InputError, match="boolean mask"):
        c.reset(np.array([True, False, True]))
    with pytest.raises(InputError, match="out of range"):
        c.reset([3])


def test_state_tensor_replaced_by_the_user_is_used_by_the_native_engine(random_artifact: Path) -> None:
    art = load_artifact(random_artifact, device="cpu")
    roots = []
    for engine in ("native", "torch"):
        c = PFNNController.from_artifact(art, batch_size=1, device="cpu", engine=engine)
        c.state["root_xz"] = torch.tensor([[5.0, 5.0]])
        roots.append(c.step(TickInputs(1 / 60)).root_position.clone())
    assert torch.allclose(roots[0], roots[1], atol=1e-5) and abs(float(roots[0][0, 0]) - 5.0) < 0.1


def test_bucket_tables_are_shared_between_controllers_of_the_same_weights(random_artifact: Path) -> None:
    """Two groups from two separate loads of one artifact hold one copy of the 50 weight tables."""
    import gc
    from neuropuppet.controllers.pfnn import controller as module
    key = module.weights_key(load_artifact(random_artifact, device="cpu").module.state_dict())
    a = PFNNController.from_artifact(load_artifact(random_artifact, device="cpu"), device="cpu", engine="native")
    b = PFNNController.from_artifact(load_artifact(random_artifact, device="cpu"), batch_size=200, device="cpu")
    assert b.engine == "torch"
    assert a._native.net.weights[0].ctypes.data == b._core.net.tables[0].weight.data_ptr()
    other = PFNNController.from_artifact(load_artifact(random_artifact, device="cpu"), device="cpu", mode="exact")
    assert other._native.net.weights[0].shape[0] == 4               # exact mode: the 4 control sets
    assert key in module._BUCKETED
    del a, b, other
    gc.collect()
    assert key not in module._BUCKETED                               # freed with the last controller
