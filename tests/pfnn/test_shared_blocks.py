"""PFNN on the shared building blocks: the shipped artifact (written before them) keeps loading and
its network, rebuilt from its weights, equals the artifact's own compiled code in every mode."""
from __future__ import annotations

import pytest
import torch

from neuropuppet.artifacts import load_artifact
from neuropuppet.controllers.pfnn import PFNNController, default_artifact
from neuropuppet.controllers.pfnn.features import PFNNFeatures
from neuropuppet.controllers.pfnn.network import PFNN, PhaseBucketedPFNN, canonical_state, pfnn_from_state

needs_default = pytest.mark.skipif(default_artifact() is None, reason="shipped default artifact missing")


@needs_default
def test_the_shipped_artifact_equals_its_rebuilt_network_in_every_mode() -> None:
    art = load_artifact(default_artifact(), device="cpu")
    state = art.module.state_dict()
    assert "x_mean" in state and "mlp.layer0.weight" in state          # written with the former names
    net = pfnn_from_state(state)
    assert "x_norm.mean" in net.state_dict() and "mlp.layers.0.weight" in net.state_dict()
    torch.manual_seed(0)
    x, p = torch.randn(64, art.metadata.inputs["x"][1]) * 0.5, torch.rand(64) * 3 - 1
    x = x * net.x_std + net.x_mean
    with torch.no_grad():
        for method in ("forward", "forward_nearest50", "forward_linear10"):
            want = art.method(method)(x, p) if method != "forward" else art(x, p)
            got = getattr(net, method)(x, p)
            assert torch.allclose(got, want, atol=1e-4, rtol=1e-5), method
        for mode in (0, 1, 2):                                           # the phase function itself
            assert torch.allclose(net.coefficients(p, mode), art.method("coefficients")(p, mode), atol=1e-6), mode
        assert torch.allclose(PhaseBucketedPFNN(state)(x, p), art.method("forward_nearest50")(x, p), atol=1e-4)


@needs_default
def test_the_shipped_layout_is_the_one_the_features_describe() -> None:
    meta = load_artifact(default_artifact(), device="cpu").metadata
    feats = PFNNFeatures.for_joints(len(meta.skeleton["names"]))
    assert feats.x.same_spans(meta.extra["x_layout"]) and feats.y.same_spans(meta.extra["y_layout"])
    assert (feats.x_size, feats.y_size) == (342, 311)


@needs_default
def test_the_shipped_default_plays() -> None:
    c = PFNNController.from_artifact(load_artifact(default_artifact(), device="cpu"), device="cpu")
    from neuropuppet.channels import GAMEPAD_WIDTH, TickInputs
    pads = torch.zeros(1, GAMEPAD_WIDTH)
    pads[0, 1] = 1.0
    for _ in range(120):
        pose = c.step(TickInputs(1 / 60, gamepad=pads))
    assert float(pose.root_position[0, 2]) > 1.0                        # two seconds of walking forward


def test_older_checkpoints_load_into_today_s_network() -> None:
    torch.manual_seed(1)
    net = PFNN(342, 311, hidden=16)
    former = {"x_norm.mean": "x_mean", "x_norm.std": "x_std", "y_norm.mean": "y_mean", "y_norm.std": "y_std"}
    legacy = {former.get(k, k).replace("mlp.layers.", "mlp.layer"): v for k, v in net.state_dict().items()}
    assert "x_mean" in legacy and "mlp.layer1.weight" in legacy
    other = PFNN(342, 311, hidden=16)
    other.load_state_dict(legacy)                                        # strict, through the pre-hook
    assert all(torch.equal(a, b) for a, b in zip(other.state_dict().values(), net.state_dict().values()))
    assert canonical_state(legacy).keys() == net.state_dict().keys()
