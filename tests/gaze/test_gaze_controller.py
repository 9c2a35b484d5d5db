"""The shipped gaze layer: settles on targets, blinks into the BVH, writes only its joints, resets by index,
survives bad targets, passes the checker."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet.checker import check_controller
from neuropuppet.controllers.gaze import GazeController
from neuropuppet.errors import ArtifactError
from neuropuppet.input.patterns import demo_input
from neuropuppet.input.source import ConstantInput, FunctionInput
from neuropuppet.motion.bvh import read_bvh
from neuropuppet.motion_recorder import MotionRecorder
from neuropuppet.ports import TickInputs

SETTLED_BOUND_DEG = 2.5       # the shipped model's angle to a fixed target after 1.5 s (it measured ~1, see README)
OWNED = ("Neck", "Neck1", "Head", "LeftEye", "RightEye", "LeftEyelid", "RightEyelid")
EYES_AT = np.array([0.0, 1.605, 0.085])     # the eye centre of the head alone at rest


def at_angle(yaw: float, pitch: float = 0.0, distance: float = 2.0) -> np.ndarray:
    y, p = math.radians(yaw), math.radians(pitch)
    return EYES_AT + distance * np.array([math.sin(y) * math.cos(p), math.sin(p), math.cos(y) * math.cos(p)])


def target(point) -> dict:
    return {"gaze_target": ConstantInput("gaze_target", np.asarray(point, np.float32))}


def ticks(controller, points: np.ndarray, n: int, start: int = 0) -> list[dict[str, np.ndarray]]:
    out = []
    for i in range(start, start + n):
        pose = controller.step(TickInputs(1 / 60, i, i / 60, {"gaze_target": torch.as_tensor(points, dtype=torch.float32)}))
        out.append({k: v.clone().numpy() for k, v in pose.extras.items()} | {"rot": pose.local_rotations.clone().numpy()})
    return out


# From a fresh state (no fixation before): the angle to a fixed target 4-5 s in, under the 2 degrees ahead,
# beside, from a cold start 40 and 60 degrees off and on near targets (0.4 m, 0.3 m). The training data start
# every clip at rest, so a first target off the nose is a jump the network learns to settle from zero state.
@pytest.mark.parametrize("yaw,pitch,distance", [(0, 0, 2.0), (25, 5, 2.0), (-40, -10, 3.0), (-60, 0, 2.0),
                                                (10, 0, 0.4), (0, -10, 0.3)])
def test_settles_on_a_fixed_target(yaw, pitch, distance):
    ctl = npp.make("gaze", 1, device="cpu")
    out = ticks(ctl, at_angle(yaw, pitch, distance)[None], 300)
    err = np.degrees([o["gaze_error"][0, 0] for o in out[240:]])
    assert np.median(err) < 2.0
    eyes = np.degrees(np.abs([o["eye_angles"] for o in out]))
    assert eyes.max() < 41


def test_head_takes_a_large_shift_and_eyes_verge_on_a_near_target():
    ctl = npp.make("gaze", 2, device="cpu")
    stand = np.array([[-0.3, 0, 0], [0.3, 0, 0]])          # two characters stand 0.6 m apart along X
    ticks(ctl, np.stack([at_angle(0), at_angle(0)]) + stand, 60)        # fixate ahead first
    points = np.stack([at_angle(60, 0, 2.0), at_angle(0, 0, 0.3)]) + stand
    out = ticks(ctl, points, 120, start=60)
    head_yaw = np.degrees(out[-1]["head_angles"][0, 0])
    assert head_yaw > 25, "a 60-degree shift should turn the head (it measured 40)"
    assert np.degrees(out[-1]["gaze_error"][0, 0]) < SETTLED_BOUND_DEG
    sk = ctl.skeleton
    left, right = sk.index("LeftEye"), sk.index("RightEye")
    from neuropuppet.controllers.lookat.gaze import yaw_pitch
    from neuropuppet.controllers.gaze.geometry import looks_along
    rot = torch.from_numpy(out[-1]["rot"][1])
    yaws = np.degrees(yaw_pitch(looks_along(rot[[left, right]]))[:, 0].numpy())
    assert yaws[1] - yaws[0] > 4, f"eyes should converge on a 0.3 m target, yaws {yaws}"


def test_blinks_live_in_the_lids_and_the_exported_bvh(tmp_path):
    rt = npp.Runtime()
    g = rt.spawn("gaze", count=4, inputs=target(at_angle(10)))
    rec = MotionRecorder(rt)
    closure = []
    for _ in rt.run(60 * 10):
        closure.append(g.pose.extras["eyelid_closure"].numpy().copy())
    closure = np.array(closure)                              # [T, 4 characters, 2 eyes]
    starts = ((closure[1:, :, 0] > 0.5) & (closure[:-1, :, 0] <= 0.5)).sum(0)
    assert 2 <= starts.sum() <= 30, f"{starts} blinks in 10 s"   # about 14-24 a minute each
    assert len(set(map(tuple, np.nonzero(np.diff((closure[:, :, 0] > 0.5).astype(int), axis=0) == 1)[0].reshape(-1, 1)))) > 1
    motion = read_bvh(rec.save_bvh(tmp_path / "g.bvh")[0])
    lid = motion.rotations[:, motion.skeleton.index("LeftEyelid")].astype(np.float64)
    angle = np.degrees(2 * np.arctan2(np.abs(lid[:, 1]), lid[:, 0]))
    np.testing.assert_allclose(angle / 60.0, closure[:, 0, 0], atol=1e-3)


def test_the_layer_writes_only_its_joints_over_a_walking_body():
    rt_body, rt_stack = npp.Runtime(), npp.Runtime()
    body = rt_body.spawn("pfnn", input=demo_input())
    stack = rt_stack.spawn("pfnn", layers=["gaze"], input=demo_input(),
                           inputs={"gaze_target": FunctionInput("gaze_target", lambda t: np.array([2.0, 1.5, 3.0]))})
    owned = [stack.skeleton.index(j) for j in OWNED]
    others = [j for j in range(body.skeleton.num_joints) if j not in owned]
    for _ in range(60):
        rt_body.tick()
        rt_stack.tick()
    a, b = body.pose.local_rotations.numpy(), stack.pose.local_rotations.numpy()
    np.testing.assert_allclose(b[:, others], a[:, others], atol=1e-5)
    assert np.abs(b[:, owned[:3]] - a[:, owned[:3]]).max() > 0.01
    assert torch.isfinite(stack.pose.local_rotations).all()


def test_reset_by_index_starts_only_that_character_afresh():
    points = np.stack([at_angle(30), at_angle(-20), at_angle(5)]) + np.array([[-0.6, 0, 0], [0, 0, 0], [0.6, 0, 0]])
    ctl = npp.make("gaze", 3, device="cpu")
    ticks(ctl, points, 50)
    before = ctl.recurrent.h.clone()
    ctl.reset([1])
    assert torch.equal(ctl.recurrent.h[:, [0, 2]], before[:, [0, 2]])
    assert not ctl.recurrent.h[:, 1].any()
    after = ticks(ctl, points, 30, start=0)
    fresh = npp.make("gaze", 3, device="cpu")
    ref = ticks(fresh, points, 30)
    np.testing.assert_allclose(after[-1]["gaze_direction"][1], ref[-1]["gaze_direction"][1], atol=1e-5)


@pytest.mark.parametrize("engine", ["native", "torch"])
def test_bad_targets_hold_the_gaze_and_never_give_nan(engine):
    ctl = npp.make("gaze", 2, device="cpu", engine=engine)
    good = np.stack([at_angle(20) - [0.3, 0, 0], at_angle(20) + [0.3, 0, 0]])
    ticks(ctl, good, 60)
    held = ticks(ctl, good, 1, start=60)[-1]["gaze_direction"]
    bad = good.copy()
    bad[0] = np.nan
    bad[1] = EYES_AT + [0.3, 0, 0]                 # at the eyes themselves
    out = ticks(ctl, bad, 30, start=61)
    assert all(np.isfinite(o["rot"]).all() and np.isfinite(o["gaze_direction"]).all() for o in out)
    assert np.degrees(np.arccos(np.clip((out[-1]["gaze_direction"] * held).sum(-1), -1, 1))).max() < 5
    inf = ticks(ctl, np.full((2, 3), np.inf), 5, start=91)
    assert all(np.isfinite(o["rot"]).all() for o in inf)


def test_an_artifact_for_another_controller_is_refused():
    from neuropuppet.controllers.pfnn import PFNNController
    with pytest.raises(ArtifactError, match="pfnn"):
        npp.make("gaze", artifact=PFNNController.default_artifact())
    art = npp.artifacts.load_artifact(PFNNController.default_artifact(), device="cpu")
    with pytest.raises(ArtifactError, match="not 'gaze'"):
        GazeController.from_artifact(art)


def test_the_checker_passes():
    report = check_controller("gaze", raise_on_error=False)
    assert not report.failed, report.failed


class ChestBody:
    """A body of hips and a chest only (`Spine1`, or `chest` when named so): no neck, no head."""

    name = "chestbody"
    api_version = npp.PLUGIN_API_VERSION
    description = "test body without a head"
    inputs = ()
    outputs = ()

    def __init__(self, chest: str = "Spine1") -> None:
        self.skeleton = npp.Skeleton(("Hips", chest), np.array([-1, 0]), np.array([[0.0, 1.0, 0.0], [0.0, 0.3, 0.0]]))
        self.batch_size, self.device = 1, torch.device("cpu")
        self.pose = npp.PoseBatch.rest(self.skeleton, 1)

    def reset(self, indices=None):
        pass

    def step(self, inputs):
        return self.pose


def test_a_body_without_a_head_gets_the_layers_own_neck_and_head():
    rt = npp.Runtime()
    g = rt.spawn(ChestBody(), layers=["gaze"], inputs=target([0.8, 1.6, 2.0]))
    assert g.skeleton.names[2:5] == ("Neck", "Neck1", "Head")
    for _ in rt.run(90):
        assert torch.isfinite(g.pose.local_rotations).all()
    assert math.degrees(g.pose.extras["gaze_error"][0, 0]) < SETTLED_BOUND_DEG


def test_a_body_without_the_chest_the_layer_hangs_from_is_refused_by_name():
    with pytest.raises(npp.InputError, match=r"layer 'gaze': its root joint 'Spine1' is not in the body's skeleton"):
        npp.Runtime().spawn(ChestBody("Torso"), layers=["gaze"], inputs=target([0.8, 1.6, 2.0]))


def test_a_gaze_target_of_the_wrong_shape_is_a_clear_error():
    ctl = npp.make("gaze", 2, device="cpu")
    with pytest.raises(npp.InputError, match=r"gaze_target of shape \(3,\), expected \(2, 3\)"):
        ctl.step(TickInputs(1 / 60, 0, 0.0, {"gaze_target": torch.zeros(3)}))


@pytest.mark.parametrize("engine", ["native", "torch"])
def test_gaze_target_output_is_the_point_looked_at_and_holds_through_bad_input(engine):
    ctl = npp.make("gaze", 1, device="cpu", engine=engine)
    point = at_angle(20, 5)[None]
    out = ticks(ctl, point, 3)
    np.testing.assert_allclose(out[-1]["gaze_target"], point, atol=1e-6)
    held = ticks(ctl, np.full((1, 3), np.nan), 2, start=3) + ticks(ctl, EYES_AT[None], 1, start=5)
    for o in held:                              # NaN and a target at the eyes: the last usable one is kept
        np.testing.assert_allclose(o["gaze_target"], point, atol=1e-6)
    assert "gaze_target" in {s.name for s in ctl.outputs} and ctl.engine == engine
