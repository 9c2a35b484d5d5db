"""The compiled gaze tick (controllers/gaze/native.py) equals the torch tick, alone and as a layer, for both
shipped networks, on good and bad targets; and the stack's CPU kernels equal its torch path."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet.input.patterns import demo_input
from neuropuppet.input.source import FunctionInput
from neuropuppet.ports import TickInputs
from neuropuppet.stack import Layer

TOL = 1e-4             # (gaze_error is an arccos near 0, float32 in torch: 2e-3 rad, 0.1 degrees)


def scripted_targets(n: int, ticks: int) -> np.ndarray:
    """[ticks, n, 3]: jumps every second, a slow sweep, then NaN, infinite and at-the-eyes targets."""
    rng = np.random.default_rng(3)
    out = np.empty((ticks, n, 3), np.float32)
    for i in range(ticks):
        if i % 60 == 0:
            pts = (rng.normal(size=(n, 3)) * [1.5, 0.5, 1.5] + [0.0, 1.6, 2.0]).astype(np.float32)
        out[i] = pts + [np.sin(i / 30), 0, 0]
    out[150:160, 0] = np.nan
    out[160:165, 0] = np.inf
    out[150:170, -1] = [0.6, 1.605, 0.085]       # the last character's own eyes (characters stand 0.6 m apart)
    return out


def compare(a, b) -> dict[str, float]:
    worst = {"rot": float((a.local_rotations - b.local_rotations).abs().max()),
             "pos": float((a.local_positions - b.local_positions).abs().max())}
    for k, v in b.extras.items():
        worst[k] = float((a.extras[k] - v).abs().max())
    return worst


@pytest.mark.parametrize("lod", [False, True])
def test_native_equals_torch_alone(lod):
    a = npp.make("gaze", 3, device="cpu", lod=lod, engine="native")
    b = npp.make("gaze", 3, device="cpu", lod=lod, engine="torch")
    assert (a.engine, b.engine) == ("native", "torch")
    targets = scripted_targets(3, 240)
    for i, t in enumerate(targets):
        inp = TickInputs(1 / 60, i, i / 60, {"gaze_target": torch.from_numpy(t)})
        pa, pb = a.step(inp), b.step(inp)
        assert torch.isfinite(pa.local_rotations).all()
        worst = compare(pa, pb)
        big = {k: v for k, v in worst.items() if v > (2e-3 if k == "gaze_error" else TOL)}   # arccos near 0: float32
        assert not big, f"tick {i}: {big}"
    np.testing.assert_allclose(a.recurrent.h.numpy(), b.recurrent.h.numpy(), atol=TOL)
    assert torch.equal(a.state["since_blink"], b.state["since_blink"])


@pytest.mark.parametrize("lod", [False, True])
def test_native_equals_torch_as_a_layer_on_a_walking_body(lod):
    groups = []
    for engine in ("native", "torch"):
        rt = npp.Runtime()
        g = rt.spawn("pfnn", count=2, input=demo_input(),
                     layers=[{"name": "gaze", "options": {"engine": engine, "lod": lod}}],
                     inputs={"gaze_target": FunctionInput("gaze_target",
                                                          lambda t: np.array([2 * np.sin(t), 1.5, 3.0]))})
        groups.append((rt, g))
    for _ in range(120):
        for rt, _g in groups:
            rt.tick()
        (_, a), (_, b) = groups
        np.testing.assert_allclose(a.pose.local_rotations.numpy(), b.pose.local_rotations.numpy(), atol=TOL)
        np.testing.assert_allclose(a.pose.extras["gaze_direction"].numpy(), b.pose.extras["gaze_direction"].numpy(),
                                   atol=TOL)


def test_the_stack_kernels_equal_its_torch_path(monkeypatch):
    """fill_below (gather + chain FK), advance_weight and blend_into on the CPU kernels vs the torch path,
    mid-fade (weights between 0 and 1)."""
    def run(cpu_kernels: bool) -> list[np.ndarray]:
        if not cpu_kernels:
            monkeypatch.setattr(Layer, "_host", lambda self, pose: None)
        rt = npp.Runtime()
        g = rt.spawn("pfnn", count=2, input=demo_input(), layers=[{"name": "gaze", "options": {"engine": "torch"}}],
                     inputs={"gaze_target": FunctionInput("gaze_target", lambda t: np.array([1.0, 1.6, 2.0]))})
        layer = g.layer("gaze")
        if not cpu_kernels:
            layer._cpu = False
        out = []
        for i in range(60):
            if i == 10:
                layer.fade_to(0.3, seconds=0.5)
            rt.tick()
            out.append(np.concatenate([g.pose.local_rotations.numpy().ravel(),
                                       layer.below.world_positions.numpy().ravel(), layer.weight.numpy()]))
        monkeypatch.undo()
        return out
    fast, ref = run(True), run(False)
    for i, (a, b) in enumerate(zip(fast, ref)):
        np.testing.assert_allclose(a, b, atol=TOL, err_msg=f"tick {i}")


def test_engine_choice_and_refusals():
    assert npp.make("gaze", 1, device="cpu").engine == "native"
    with pytest.raises(npp.InputError, match="engine"):
        npp.make("gaze", 1, device="cpu", engine="fast")
