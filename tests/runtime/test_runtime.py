import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet import plugins
from neuropuppet.input import GamepadInput, Recorder, Replay, ScriptedGamepad
from neuropuppet.null_controller import NullController
from toy_controller import ToyController, make_toy_artifact


@pytest.fixture
def toy(tmp_path):
    ToyController.artifact_path = make_toy_artifact(tmp_path / "toy.pt")
    plugins.register("controller", "toy", ToyController)
    yield ToyController
    plugins.unregister("controller", "toy")


def wobbly_stick(t: float) -> npp.GamepadState:
    pad = npp.GamepadState()
    pad.axes[:2] = np.sin(t * 1.7), np.cos(t * 0.9)
    pad.buttons[0] = float(int(t * 3) % 2)
    return pad


def pose_stream(runtime, group, ticks):
    out = []
    for _ in runtime.run(ticks):
        p = group.pose
        out.append(np.concatenate([p.root_position.numpy().ravel(), p.local_rotations.numpy().ravel()]))
    return np.stack(out)


def test_recorded_input_replays_to_bit_identical_pose_streams(toy, tmp_path):
    rt = npp.Runtime(60)
    rec = Recorder(ScriptedGamepad(wobbly_stick))
    g = rt.spawn("toy", count=3, input=rec)
    live = pose_stream(rt, g, 300)
    rec.save(tmp_path / "session.npz")

    streams = []
    for _ in range(2):
        rt2 = npp.Runtime(60)
        g2 = rt2.spawn("toy", count=3, input=Replay(tmp_path / "session.npz"))
        streams.append(pose_stream(rt2, g2, 300))
    assert np.array_equal(streams[0], streams[1])
    assert np.array_equal(streams[0], live)
    assert np.abs(live[-1] - live[0]).max() > 0.1  # it actually moved


def test_advance_runs_fixed_ticks_and_interpolates(toy):
    rt = npp.Runtime(60)
    pad = npp.GamepadState()
    pad.axes[1] = 1.0
    g = rt.spawn(NullController(1), input=GamepadInput(lambda: pad))
    assert rt.advance(1 / 30) == 2
    assert rt.tick_count == 2
    z_prev, z_cur = float(g.previous.root_position[0, 2]), float(g.pose.root_position[0, 2])
    assert z_cur > z_prev
    rt.advance(0.5 / 60)
    mid = g.interpolated(rt.alpha).root_position[0, 2]
    assert z_prev < mid < z_cur or np.isclose(mid, z_prev + 0.5 * (z_cur - z_prev), atol=1e-5)
    assert g.interpolated(0.25).root_position[0, 2] == pytest.approx(z_prev + 0.25 * (z_cur - z_prev), abs=1e-6)


def test_interpolated_rotations_stay_unit_and_between(toy):
    rt = npp.Runtime(60)
    g = rt.spawn("toy", input=ScriptedGamepad(wobbly_stick))
    for _ in rt.run(30):
        pass
    q = g.interpolated(0.5).local_rotations
    assert np.allclose(np.linalg.norm(q, axis=-1), 1.0, atol=1e-5)


def test_host_interpolation_equals_the_device_formula():
    """The CPU hand-off (numpy on views) computes the same nlerp as the on-device path, in float32."""
    from neuropuppet.motion.rotations import quat_nlerp
    from neuropuppet.runtime import _nlerp
    rng = np.random.default_rng(3)
    q0, q1 = (rng.normal(size=(5, 7, 4)).astype(np.float32) for _ in range(2))
    q0 /= np.linalg.norm(q0, axis=-1, keepdims=True)
    q1 /= np.linalg.norm(q1, axis=-1, keepdims=True)
    for t in (0.0, 0.3, 0.5, 0.9):
        want = _nlerp(torch.from_numpy(q0), torch.from_numpy(q1), t).numpy()
        got = quat_nlerp(q0, q1, t)
        assert got.dtype == np.float32 and np.allclose(got, want, atol=1e-6)


def test_unplugged_pad_rests_the_stick(toy):
    state = {"pad": wobbly_stick(0.3)}
    rt = npp.Runtime(60)
    g = rt.spawn(NullController(2), input=GamepadInput(lambda: state["pad"]))
    rt.tick()
    assert float(g.inputs.gamepad.abs().sum()) > 0
    state["pad"] = None
    rt.tick()
    before = g.pose.root_position.clone()
    rt.tick()
    assert float(g.inputs.gamepad.abs().sum()) == 0
    assert torch.equal(before, g.pose.root_position)


def test_nan_and_huge_stick_values_are_sanitised(toy):
    pad = npp.GamepadState()
    pad.axes[:] = [np.nan, 1e9, -np.inf, 3, -2, 7]
    rt = npp.Runtime(60)
    g = rt.spawn("toy", input=GamepadInput(lambda: pad))
    rt.tick()
    gp = g.inputs.gamepad[0].numpy()
    assert np.isfinite(gp).all()
    assert gp[0] == 0 and gp[1] == 1 and gp[2] == 0 and gp[3] == 1 and gp[4] == 0 and gp[5] == 1
    assert g.pose.is_finite()


def test_controller_raising_in_step_is_reported_by_name(toy):
    class Broken(NullController):
        name = "broken"

        def step(self, inputs):
            raise RuntimeError("boom")

    rt = npp.Runtime(60)
    rt.spawn(Broken(1))
    with pytest.raises(npp.PluginError, match=r"'broken' raised in step at tick 0: RuntimeError: boom"):
        rt.tick()


def test_make_validates_batch_size_and_unknown_names(toy):
    with pytest.raises(npp.NeuropuppetError, match="batch_size"):
        npp.make("toy", 0)
    with pytest.raises(npp.PluginError, match=r"no controller plugin named 'nope' \(available: .*toy"):
        npp.make("nope")


def test_crowd_is_one_batched_group(toy):
    rt = npp.Runtime(60)
    g = rt.spawn("toy", count=50, input=ScriptedGamepad(wobbly_stick))
    rt.tick()
    assert g.pose.root_position.shape == (50, 3)
    assert g.interpolated(0.5).local_rotations.shape == (50, 3, 4)


def test_handed_off_poses_are_not_overwritten_by_later_ticks(toy):
    rt = npp.Runtime(60)
    g = rt.spawn("toy", input=ScriptedGamepad(wobbly_stick))
    rt.tick()
    first = g.interpolated(1.0)
    kept = first.root_position.copy()
    for _ in rt.run(10):
        pass
    assert np.array_equal(first.root_position, kept)
    assert not np.array_equal(g.interpolated(1.0).root_position, kept)


def test_controller_runs_the_same_from_both_artifact_backends(toy, tmp_path):
    import torch
    from neuropuppet.artifacts import save_artifact
    from toy_controller import ToyNet, toy_metadata

    torch.manual_seed(3)
    net = ToyNet()
    streams = []
    for suffix in (".pt", ".pt2"):
        path = save_artifact(net, tmp_path / f"toy{suffix}", toy_metadata())
        rt = npp.Runtime(60)
        g = rt.spawn("toy", count=2, artifact=path, input=ScriptedGamepad(wobbly_stick))
        streams.append(pose_stream(rt, g, 120))
    np.testing.assert_allclose(streams[0], streams[1], rtol=1e-5, atol=1e-5)


def test_interpolated_extras_are_float32_host_copies_at_any_alpha():
    rt = npp.Runtime(60)
    g = rt.spawn(NullController(2))
    rt.tick()
    g.pose.extras["flag"] = torch.tensor([True, False])
    g.pose.extras["gait"] = torch.tensor([1, 2])
    g.pose.extras["weights"] = torch.tensor([0.5, 0.25], dtype=torch.bfloat16)
    for alpha in (0.5, 1.0):
        extras = g.interpolated(alpha).extras
        for k in ("flag", "gait", "weights"):
            assert extras[k].dtype == np.float32, (alpha, k)
        assert np.array_equal(extras["gait"], [1.0, 2.0])
        extras["gait"][0] = 9.0                                  # a copy, not the group's buffer
        assert int(g.pose.extras["gait"][0]) == 1
