"""The `lookat` layer through the public API: eyes added to the body's skeleton, only its joints written,
head and eyes on the target within joint limits, smoothing, fades without a pop, crowds, reset by index."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet.input.patterns import demo_input
from neuropuppet.input.source import ConstantInput, FunctionInput
from neuropuppet.input.targets import CircleTarget
from neuropuppet.ports import TickInputs

from layer_helpers import degrees_between, forward_of, rotation_degrees

OWNED = ("Neck", "Neck1", "Head")


def at_angle(yaw_deg: float, pitch_deg: float = 0.0, distance: float = 2.0, eyes=(0.0, 1.6, 0.09)) -> np.ndarray:
    """A world point `distance` metres from the eyes of a character standing at the origin facing +Z."""
    y, p = math.radians(yaw_deg), math.radians(pitch_deg)
    return np.array(eyes) + distance * np.array([math.sin(y) * math.cos(p), math.sin(p), math.cos(y) * math.cos(p)])


def target(point) -> dict:
    return {"gaze_target": ConstantInput("gaze_target", np.asarray(point, np.float32))}


def settle(rt: npp.Runtime, seconds: float = 2.0) -> None:
    for _ in rt.run(int(seconds * 60)):
        pass


def extras(group) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in group.pose.extras.items()}


def test_the_layer_adds_the_eyes_to_the_bodys_skeleton():
    body = npp.make("pfnn").skeleton
    g = npp.Runtime().spawn("pfnn", layers=["lookat"], inputs=target(at_angle(30)))
    sk = g.skeleton
    assert sk.names == body.names + ("LeftEye", "RightEye")              # one skeleton per character
    assert [sk.names[p] for p in sk.parents[-2:]] == ["Head", "Head"]
    np.testing.assert_allclose(sk.offsets[-2:], npp.make("lookat").skeleton.offsets[-2:])
    assert g.pose.skeleton is sk and g.pose.local_rotations.shape == (1, body.num_joints + 2, 4)
    assert g.interpolated(0.5).skeleton is sk
    assert {g.outputs["gaze_origin"].kind, g.outputs["gaze_direction"].kind} == {"gaze_origin", "gaze_direction"}


def test_it_writes_only_its_joints_over_a_walking_body():
    rt_body, rt_stack = npp.Runtime(), npp.Runtime()
    body = rt_body.spawn("pfnn", input=demo_input())
    circling = CircleTarget(radius=2.0, period=5.0)
    stack = rt_stack.spawn("pfnn", layers=["lookat"], input=demo_input(), inputs={"gaze_target": circling})
    circling.around = stack
    owned = [body.skeleton.index(j) for j in OWNED]
    others = [j for j in range(body.skeleton.num_joints) if j not in owned]
    turned = 0.0
    for _ in range(200):
        rt_body.tick()
        rt_stack.tick()
        a, b = body.pose, stack.pose
        for name in ("root_position", "root_rotation"):
            torch.testing.assert_close(getattr(b, name), getattr(a, name), rtol=0, atol=1e-6)
        torch.testing.assert_close(b.local_rotations[:, others], a.local_rotations[:, others], rtol=0, atol=1e-6)
        torch.testing.assert_close(b.local_positions[:, :len(others) + 3], a.local_positions, rtol=0, atol=1e-6)
        torch.testing.assert_close(b.extras["contacts"], a.extras["contacts"], rtol=0, atol=1e-6)
        turned = max(turned, float(rotation_degrees(a.local_rotations[0, owned].numpy(),
                                                    b.local_rotations[0, owned].numpy()).max()))
    assert turned > 15.0                                                 # and it did write its own


def test_gaze_settles_on_a_fixed_target_and_the_head_carries_all_beyond_the_eyes_share():
    point = at_angle(40.0)
    rt = npp.Runtime()
    g = rt.spawn("pfnn", layers=["lookat"], inputs=target(point))
    settle(rt)
    e = extras(g)
    assert np.degrees(e["gaze_error"][0, 0]) < 1.0
    assert degrees_between(e["gaze_direction"][0], point - e["gaze_origin"][0]) < 1.0
    _, head_forward = forward_of(g, "Head")
    assert degrees_between(head_forward[0], point - e["gaze_origin"][0]) == pytest.approx(15.0, abs=2.0)
    assert np.degrees(e["head_angles"][0, 0]) == pytest.approx(40.0 - 15.0, abs=2.0)


def test_without_an_eye_share_the_heads_forward_axis_points_at_the_target():
    point = at_angle(-35.0, 10.0)
    rt = npp.Runtime()
    g = rt.spawn("pfnn", layers=[{"name": "lookat", "options": {"eye_share_deg": 0.0}}], inputs=target(point))
    settle(rt)
    origin = extras(g)["gaze_origin"][0]
    _, head_forward = forward_of(g, "Head")
    assert degrees_between(head_forward[0], point - origin) < 1.5


@pytest.mark.parametrize("yaw, pitch, head, eyes", [(150.0, 0.0, (70.0, 0.0), (35.0, 0.0)),
                                                     (0.0, 80.0, (0.0, 35.0), (0.0, 25.0))])
def test_beyond_the_limits_head_and_eyes_stop_at_their_limits(yaw, pitch, head, eyes):
    rt_body, rt = npp.Runtime(), npp.Runtime()
    body = rt_body.spawn("pfnn")
    g = rt.spawn("pfnn", layers=["lookat"], inputs=target(at_angle(yaw, pitch)))
    settle(rt)
    settle(rt_body)
    e = extras(g)
    np.testing.assert_allclose(np.degrees(e["head_angles"][0]), head, atol=0.5)
    np.testing.assert_allclose(np.degrees(e["eye_angles"][0]), eyes, atol=0.5)
    _, turned = forward_of(g, "Head")
    _, neutral = forward_of(body, "Head")
    assert degrees_between(turned[0], neutral[0]) == pytest.approx(max(head), abs=1.0)


def test_eyes_are_fast_and_the_head_slow_after_the_target_jumps():
    point = at_angle(50.0)
    rt = npp.Runtime()
    g = rt.spawn("lookat", inputs={"gaze_target": FunctionInput(
        "gaze_target", lambda t: at_angle(0.0) if t < 0.5 else point)})
    settle(rt, 0.5)
    settle(rt, 0.1)
    e = extras(g)
    assert np.degrees(e["eye_angles"][0, 0]) > 0.8 * 35.0                 # eyes nearly at their limit
    assert np.degrees(e["head_angles"][0, 0]) < 0.5 * (50.0 - 15.0)       # the head well under half way
    settle(rt, 1.5)
    e = extras(g)
    assert np.degrees(e["eye_angles"][0, 0]) == pytest.approx(15.0, abs=1.0)   # eyes back to their share
    assert np.degrees(e["gaze_error"][0, 0]) < 1.0


def test_each_eye_aims_from_its_own_position_so_they_converge_on_a_near_target():
    point = np.array([0.0, 1.6, 0.45])
    rt = npp.Runtime()
    g = rt.spawn("lookat", inputs=target(point))
    settle(rt, 1.0)
    for eye in ("LeftEye", "RightEye"):
        at, forward = forward_of(g, eye)
        assert degrees_between(forward[0], point - at[0]) < 1.0
    yaws = [np.degrees(np.arctan2(f[0, 0], f[0, 2])) for f in (forward_of(g, "LeftEye")[1], forward_of(g, "RightEye")[1])]
    assert yaws[0] < -2.0 and yaws[1] > 2.0                               # left eye turns right, right eye left


def test_the_head_keeps_the_target_while_the_body_walks_and_turns():
    rt = npp.Runtime()
    ahead = CircleTarget(radius=4.0, height=1.5, period=1e9, bob=0.0)    # 4 m along world +Z from the walker
    g = rt.spawn("pfnn", layers=["lookat"], input=demo_input(), inputs={"gaze_target": ahead})
    ahead.around = g
    errors = []
    for _ in rt.run(6 * 60):                                             # walk, curve right by 90 degrees, stop
        errors.append(np.degrees(extras(g)["gaze_error"][0, 0]))
    settled = np.array(errors[30:])
    assert np.median(settled) < 1.0 and settled.max() < 5.0


def test_a_fade_moves_the_head_back_to_the_body_without_a_pop():
    point = np.array([3.0, 1.6, 2.0])
    rt_body, rt = npp.Runtime(), npp.Runtime()
    body = rt_body.spawn("pfnn", input=demo_input())
    g = rt.spawn("pfnn", layers=["lookat"], input=demo_input(), inputs=target(point))
    owned = [body.skeleton.index(j) for j in OWNED]
    n = body.skeleton.num_joints

    def gap() -> float:
        return float(rotation_degrees(body.pose.local_rotations[0, owned].numpy(),
                                      g.pose.local_rotations[0, owned].numpy()).max())

    def run(ticks: int) -> list[float]:
        out = []
        for _ in range(ticks):
            rt_body.tick()
            rt.tick()
            out.append(gap())
        return out

    run(60)
    g.layer("lookat").fade_to(0.0, seconds=0.5)
    fading = run(40)
    start = fading[0]
    assert start > 10.0
    assert np.abs(np.diff(fading)).max() < 2.0 * start / 30 + 1.0        # ~1/30 of the way per tick: no pop
    assert max(fading[31:]) < 1e-3                                       # at weight 0 it is the body
    torch.testing.assert_close(g.pose.local_rotations[:, :n], body.pose.local_rotations, rtol=0, atol=1e-5)
    g.layer("lookat").fade_to(1.0, seconds=0.5)                          # and back in, smoothly too
    rising = run(40)
    assert np.abs(np.diff([0.0] + rising)).max() < 2.0 * max(rising) / 30 + 1.0 and rising[-1] > 10.0


def test_at_weight_zero_the_added_eyes_rest():
    rt = npp.Runtime()
    g = rt.spawn("pfnn", layers=["lookat"], inputs=target(at_angle(30.0)))
    settle(rt, 1.0)
    eyes = [g.skeleton.index("LeftEye"), g.skeleton.index("RightEye")]
    assert rotation_degrees(g.pose.local_rotations[0, eyes].numpy(), np.array([1.0, 0, 0, 0])).min() > 10.0
    g.layer("lookat").fade_to(0.0, seconds=0.25)
    settle(rt, 0.5)
    np.testing.assert_allclose(rotation_degrees(g.pose.local_rotations[0, eyes].numpy(), np.array([1.0, 0, 0, 0])),
                               0.0, atol=1e-3)


def test_a_crowd_steps_each_controller_once_per_tick_and_each_looks_at_its_own_target():
    n = 4
    body, layer = npp.make("pfnn", n), npp.make("lookat", n)
    calls = {"pfnn": 0, "lookat": 0}
    for c in (body, layer):
        step = c.step

        def counted(inputs, step=step, name=c.name):
            calls[name] += 1
            return step(inputs)
        c.step = counted
    yaws = np.array([-50.0, -20.0, 10.0, 45.0])
    points = np.stack([at_angle(y) for y in yaws]).astype(np.float32)
    rt = npp.Runtime()
    g = rt.spawn(body, layers=[layer], inputs={"gaze_target": FunctionInput("gaze_target", lambda t: points)})
    settle(rt, 1.5)
    assert calls == {"pfnn": 90, "lookat": 90}
    e = extras(g)
    assert np.degrees(e["gaze_error"][:, 0]).max() < 1.0
    looked = np.degrees(np.arctan2(e["gaze_direction"][:, 0], e["gaze_direction"][:, 2]))
    np.testing.assert_allclose(looked, yaws, atol=1.5)


def test_reset_by_index_puts_only_that_characters_head_back():
    rt = npp.Runtime()
    g = rt.spawn("lookat", count=2, inputs=target(at_angle(60.0, distance=3.0)))
    settle(rt, 1.5)
    before = extras(g)["head_angles"][:, 0].copy()
    g.reset([1])
    rt.tick()
    after = np.degrees(extras(g)["head_angles"][:, 0])
    assert np.degrees(before).min() > 30.0
    assert after[1] < 3.0 and after[0] == pytest.approx(np.degrees(before[0]), abs=0.5)


def test_non_finite_targets_never_give_a_non_finite_pose():
    c = npp.make("lookat", 3)
    bad = torch.tensor([[math.nan, 1.6, 2.0], [math.inf, 0.0, 0.0], [0.0, 1.6, 0.09]])   # the last: at the eyes
    for tick in range(5):
        pose = c.step(TickInputs(1 / 60, tick, values={"gaze_target": bad}))
        assert pose.is_finite() and all(torch.isfinite(v).all() for v in pose.extras.values())


@pytest.mark.parametrize("name", ["lookat", "beatnod"])
def test_reset_refuses_indices_it_does_not_have(name):
    with pytest.raises(npp.InputError, match=rf"{name}: reset\(\) index out of range for 2 characters"):
        npp.make(name, 2).reset([2])


def test_the_compiled_tick_equals_the_eager_one():
    point = torch.tensor(at_angle(55.0, -10.0, distance=1.0), dtype=torch.float32).expand(2, 3).contiguous()
    compiled, eager = npp.make("lookat", 2), npp.make("lookat", 2, script=False)
    for tick in range(30):
        inputs = TickInputs(1 / 60, tick, values={"gaze_target": point})
        a, b = compiled.step(inputs), eager.step(inputs)
        torch.testing.assert_close(a.local_rotations, b.local_rotations, rtol=0, atol=1e-6)


@pytest.mark.parametrize("options, message", [({"neck_split": (0.5, 0.6, 0.1)}, "neck_split"),
                                              ({"head_smooth_s": 0.0}, "head_smooth_s")])
def test_bad_options_are_named(options, message):
    with pytest.raises(npp.InputError, match=message):
        npp.make("lookat", **options)
