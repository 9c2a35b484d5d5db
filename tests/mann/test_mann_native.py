"""The compiled CPU tick (engine "native", controllers/mann/native.py) against the torch tick (engine "torch").

Both controllers start each tick from the torch one's state, so the comparison is per tick and a rounding
difference cannot grow into another walk; the scripted stick goes through every gait and action of the model
(each dog at its own stick angle), releases, and sends NaN, infinite and huge values.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.channels import GAMEPAD_WIDTH
from neuropuppet.controllers.mann import MANNController, native
from neuropuppet.controllers.mann.network import mann_from_state
from neuropuppet.controllers.mann.quality import gait_pad
from neuropuppet.errors import ArtifactError, InputError
from neuropuppet.ports import TickInputs
from neuropuppet.terrain import HeightField

POSE_FIELDS = ("root_position", "root_rotation", "local_positions", "local_rotations")
EXTRAS = ("contacts", "expert_weights", "gait_weights")


@pytest.fixture(scope="module")
def artifact(tmp_path_factory):
    """The shipped default, else (no default in this checkout) the benchmark's random-weight MANN."""
    from neuropuppet.controllers.mann.benchmark import _artifact_path
    return load_artifact(_artifact_path(tmp_path_factory.mktemp("mann")), controller="mann")


def scripted_pads(ctrl: MANNController, n: int, ticks_per_gait: int = 30) -> list[torch.Tensor]:
    """Every gait and action of the model in turn (stick pushed, dogs at different angles), a release after
    each, a NaN, an infinite and a huge stick."""
    out = []
    for gait in ctrl.gaits:
        for t in range(ticks_per_gait):
            pads = gait_pad(ctrl.table, gait, (0.0, 1.0)).reshape(1, GAMEPAD_WIDTH).repeat(n, 1)
            angle = torch.arange(n, dtype=torch.float32) * 1.3 + 0.05 * t
            push = 1.0 if t < ticks_per_gait - 8 else 0.0             # released at the end of each segment
            pads[:, 0], pads[:, 1] = push * torch.sin(angle), push * torch.cos(angle)
            if t == 5:
                pads[0, 0] = float("nan")
                pads[-1, 1] = float("inf")
            if t == 9:
                pads[0, 1], pads[-1, 4] = 1e30, -1e30
            out.append(pads)
    return out


def _pair(artifact, n: int, **options):
    t = MANNController.from_artifact(artifact, batch_size=n, device="cpu", engine="torch", **options)
    c = MANNController.from_artifact(artifact, batch_size=n, device="cpu", engine="native", **options)
    assert (t.engine, c.engine) == ("torch", "native")
    return t, c


def _assert_ticks_agree(t: MANNController, c: MANNController, pads_seq, terrain=None, camera=None) -> None:
    for i, pads in enumerate(pads_seq):
        for k, v in t.state.items():
            c.state[k].copy_(v)
        inputs = {"gamepad": pads.clone(), "camera_yaw": camera, "terrain": terrain}
        want = t.step(TickInputs(1 / 60, i, i / 60, dict(inputs))).clone()
        got = c.step(TickInputs(1 / 60, i, i / 60, dict(inputs))).clone()
        for field in POSE_FIELDS:
            a, b = getattr(got, field), getattr(want, field)
            assert torch.isfinite(a).all(), (i, field)
            assert torch.allclose(a, b, atol=2e-5), (i, field, float((a - b).abs().max()))
        for key in EXTRAS:
            assert torch.allclose(got.extras[key], want.extras[key], atol=2e-5), (i, key)
        for k, v in t.state.items():
            # past/future carry velocities (m/s = 60 x the per-frame step): float32 rounding of the step x 60
            assert torch.allclose(c.state[k], v, atol=1e-4), (i, k, float((c.state[k] - v).abs().max()))


@pytest.mark.parametrize("n,batched", [(1, False), (3, False), (2, True), (5, True)])
def test_native_tick_equals_torch_tick_through_every_gait(artifact, monkeypatch, n: int, batched: bool) -> None:
    monkeypatch.setattr(native, "NETWORK_BELOW", 1 if batched else 1000)
    t, c = _pair(artifact, n)
    assert c._native.batched is batched
    terrain = HeightField(np.random.default_rng(2).uniform(0, 0.3, (20, 20)).astype(np.float32), (-10, -10), 1.0)
    camera = torch.linspace(0.0, 2.0, n)
    _assert_ticks_agree(t, c, scripted_pads(t, n), terrain, camera)


def test_free_running_native_tick_follows_the_torch_tick(artifact) -> None:
    """Without resynchronising, 300 ticks of the scripted stick keep both engines' dogs together."""
    t, c = _pair(artifact, 2)
    for i, pads in enumerate(scripted_pads(t, 2, 34)[:300]):
        want = t.step(TickInputs(1 / 60, i, i / 60, {"gamepad": pads.clone()}))
        got = c.step(TickInputs(1 / 60, i, i / 60, {"gamepad": pads.clone()}))
    assert torch.allclose(got.root_position, want.root_position, atol=1e-3)
    assert torch.allclose(got.local_rotations, want.local_rotations, atol=1e-2)


def test_per_dog_reset_and_place(artifact) -> None:
    t, c = _pair(artifact, 3)
    pads = scripted_pads(t, 3)
    for i, p in enumerate(pads[:40]):
        t.step(TickInputs(1 / 60, i, i / 60, {"gamepad": p.clone()}))
        c.step(TickInputs(1 / 60, i, i / 60, {"gamepad": p.clone()}))
    moved = c.state["root_xz"].clone()
    for ctrl in (t, c):
        ctrl.reset([1])
    assert torch.equal(c.state["root_xz"][1], torch.zeros(2)) and torch.equal(c.state["root_xz"][0], moved[0])
    fresh = MANNController.from_artifact(artifact, batch_size=3, device="cpu", engine="native")
    for k, v in fresh.state.items():
        assert torch.equal(c.state[k][1], v[1]), k
    _assert_ticks_agree(t, c, pads[40:80])
    for ctrl in (t, c):
        ctrl.place(np.array([[1.0, 2.0], [-3.0, 0.5], [0.0, 4.0]]), np.array([0.3, -1.0, 2.5]))
    _assert_ticks_agree(t, c, pads[80:110])


def test_nan_and_huge_sticks_are_clamped(artifact) -> None:
    t, c = _pair(artifact, 2)
    bad = torch.tensor([float("nan"), float("inf"), -float("inf"), 1e30, -1e30, 7.0])
    seq = []
    for i in range(60):
        pads = torch.zeros(2, GAMEPAD_WIDTH)
        pads[0] = bad[torch.arange(GAMEPAD_WIDTH) % 6]
        pads[1] = bad[(torch.arange(GAMEPAD_WIDTH) + i) % 6]
        seq.append(pads)
    _assert_ticks_agree(t, c, seq)
    pose = c.step(TickInputs(1 / 60, gamepad=seq[0]))
    assert all(torch.isfinite(getattr(pose, f)).all() for f in POSE_FIELDS)


def test_ablated_expert_matches_the_torch_tick(artifact) -> None:
    t, c = _pair(artifact, 2, ablate=2)
    _assert_ticks_agree(t, c, scripted_pads(t, 2, 10))
    assert float(c.step(TickInputs(1 / 60, gamepad=torch.zeros(2, GAMEPAD_WIDTH))).extras["expert_weights"][:, 2].abs().max()) == 0.0


def test_one_hot_gating_runs_that_expert_alone(artifact, tmp_path: Path) -> None:
    """Gating saturated on expert k: the compiled tick equals the torch tick of a network whose every expert
    is expert k (so whatever the gating, expert k alone)."""
    k = 5
    state = {name: v.clone() for name, v in artifact.module.state_dict().items()}
    last = "gate.mlp.layers.2"
    state[f"{last}.weight"].zero_()
    state[f"{last}.bias"].fill_(-40.0)
    state[f"{last}.bias"][k] = 40.0
    gated = mann_from_state(state)
    alone = mann_from_state(state)
    for layer in alone.motion.layers:
        w = layer.weight.data.view(layer.in_features, layer.num_experts, layer.out_features)
        w[:] = w[:, k:k + 1].clone()
        layer.bias.data[:] = layer.bias.data[k:k + 1].clone()
    meta = artifact.metadata
    opts = dict(gaits=meta.extra["gaits"], feet=meta.extra["feet"], gait_speeds=meta.extra["gait_speeds"],
                rest_joints=np.asarray(meta.extra["rest_joints"], np.float32), batch_size=2)
    from neuropuppet.motion.skeleton import Skeleton
    sk = Skeleton.from_dict(meta.skeleton)
    c = MANNController(gated, sk, engine="native", **opts)
    t = MANNController(alone, sk, engine="torch", **opts)
    for i, pads in enumerate(scripted_pads(t, 2, 8)):
        for name, v in t.state.items():
            c.state[name].copy_(v)
        want = t.step(TickInputs(1 / 60, gamepad=pads.clone())).clone()
        got = c.step(TickInputs(1 / 60, gamepad=pads.clone())).clone()
        assert torch.allclose(got.extras["expert_weights"][:, k], torch.ones(2))
        for field in POSE_FIELDS:
            assert torch.allclose(getattr(got, field), getattr(want, field), atol=5e-5), (i, field)


def test_engine_choice_and_errors(artifact, caplog) -> None:
    assert MANNController.from_artifact(artifact, device="cpu").engine == "native"
    with pytest.raises(InputError, match="engine"):
        MANNController.from_artifact(artifact, device="cpu", engine="numba")


def test_disagreeing_native_tick_falls_back_to_torch_with_a_warning(artifact, monkeypatch, caplog) -> None:
    real = native.NativeMANN.__call__

    def off_by_a_bit(self, *args):
        out = real(self, *args)
        out.root_position[:, 0] += 0.01
        return out

    monkeypatch.setattr(native.NativeMANN, "__call__", off_by_a_bit)
    with caplog.at_level(logging.WARNING):
        ctrl = MANNController.from_artifact(artifact, device="cpu")
    assert ctrl.engine == "torch" and "differs from the torch tick" in caplog.text
    with pytest.raises(ArtifactError, match="differs from the torch tick"):
        MANNController.from_artifact(artifact, device="cpu", engine="native")
