"""The `mann` controller on the shipped default: commanded direction, stopping, gaits, bad input, plugin checks."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import neuropuppet
from neuropuppet.artifacts import load_artifact
from neuropuppet.checker import check_controller
from neuropuppet.controllers.mann import MANNController
from neuropuppet.controllers.mann.quality import gait_pad, measure_model, run_pads
from neuropuppet.errors import ArtifactError
from neuropuppet.ports import TickInputs

DEFAULT = MANNController.default_artifact()
pytestmark = pytest.mark.skipif(DEFAULT is None, reason="no shipped mann default")


@pytest.fixture(scope="module")
def artifact():
    return load_artifact(DEFAULT, controller="mann")


def _walk(ctrl, pads, camera_yaw, ticks):
    for t in range(ticks):
        pose = ctrl.step(TickInputs(1 / 60, t, t / 60, {"gamepad": pads, "camera_yaw": camera_yaw}))
    return pose


def test_walks_in_the_commanded_camera_relative_direction(artifact):
    """Stick up with cameras looking along +Z, +X, -Z: each dog goes where its camera looks."""
    yaws = torch.tensor([0.0, math.pi / 2, math.pi])
    ctrl = MANNController.from_artifact(artifact, batch_size=3)
    pads = torch.zeros(3, 21)
    pads[:, 1] = 1.0
    _walk(ctrl, pads, yaws, 120)
    start = ctrl.state["root_xz"].clone()
    pose = _walk(ctrl, pads, yaws, 120)
    moved = ctrl.state["root_xz"] - start
    want = torch.stack([torch.sin(yaws), torch.cos(yaws)], -1)
    dist = moved.norm(dim=-1)
    assert (dist > 1.5).all(), dist                    # 2 s of trotting (ground truth ~1.8 m/s)
    cos = (moved * want).sum(-1) / dist
    assert (cos > math.cos(math.radians(15))).all(), cos
    facing = torch.stack([torch.sin(ctrl.state["yaw"]), torch.cos(ctrl.state["yaw"])], -1)
    assert ((facing * want).sum(-1) > math.cos(math.radians(15))).all()
    assert torch.isfinite(pose.local_rotations).all()


def test_released_stick_stops_without_drift(artifact):
    ctrl = MANNController.from_artifact(artifact)
    pads = torch.zeros(1, 21)
    pads[0, 1] = 1.0
    _walk(ctrl, pads, torch.zeros(1), 180)
    _walk(ctrl, torch.zeros(1, 21), torch.zeros(1), 120)
    here = ctrl.state["root_xz"].clone()
    yaw = ctrl.state["yaw"].clone()
    pose = _walk(ctrl, torch.zeros(1, 21), torch.zeros(1), 600)        # 10 s idle
    assert (ctrl.state["root_xz"] - here).norm() < 0.05
    assert abs(float(ctrl.state["yaw"] - yaw)) < 0.05
    assert float(pose.extras["gait_weights"][0, ctrl.gaits.index("idle")]) > 0.99


def test_nan_and_huge_stick_give_finite_poses(artifact):
    ctrl = MANNController.from_artifact(artifact, batch_size=2)
    bad = torch.full((2, 21), float("nan"))
    bad[1] = 1e9
    pose = _walk(ctrl, bad, torch.tensor([float("nan"), 1e9]), 30)
    assert pose.is_finite()
    assert torch.isfinite(ctrl.state["past"]).all()


def test_trot_moves_diagonal_pairs_and_pace_lateral_pairs(quality_figures):
    """Footfall offsets (paws LF, RF, LH, RH after LH) of the shipped model: trot diagonal pairs, pace lateral
    pairs, within 0.1 cycle of the generator's pattern (the issue's goal)."""
    trot, pace = quality_figures["model"]["trot"]["offsets"], quality_figures["model"]["pace"]["offsets"]
    circ = lambda a, b: abs((a - b + 0.5) % 1.0 - 0.5)  # noqa: E731
    assert circ(trot[1], 0.0) < 0.1 and circ(trot[0], 0.5) < 0.1 and circ(trot[3], 0.5) < 0.1, trot
    assert circ(pace[0], 0.0) < 0.1 and circ(pace[1], 0.5) < 0.1 and circ(pace[3], 0.5) < 0.1, pace


def test_outputs_declare_paws_experts_and_gaits(artifact):
    ctrl = MANNController.from_artifact(artifact)
    outs = {o.name: o for o in ctrl.outputs}
    assert outs["contacts"].joints == ("LeftHandPaw", "RightHandPaw", "LeftFootPaw", "RightFootPaw")
    assert outs["expert_weights"].kind == "expert_weights" and outs["expert_weights"].shape == (8,)
    rec = run_pads(ctrl, gait_pad(ctrl.table, "walk").expand(30, 21))
    assert np.allclose(rec["experts"].sum(-1), 1.0, atol=1e-5)
    help_rows = dict(ctrl.controls)
    assert help_rows["trigger_left"] == "walk" and help_rows["trigger_right"] == "pace"
    assert help_rows["right_shoulder"] == "canter" and help_rows["left stick / WASD"].startswith("walk (small push)")
    assert help_rows["x"] == "sit" and help_rows["a"] == "jump" and help_rows["b"] == "lie"
    assert help_rows["y"] == "stand (rear up)"


def test_checker_passes():
    report = check_controller("mann", raise_on_error=False)
    assert not report.failed, str(report)


def test_artifact_of_another_controller_is_refused():
    from neuropuppet.controllers.pfnn import PFNNController
    other = load_artifact(PFNNController.default_artifact(), controller="pfnn")
    with pytest.raises(ArtifactError, match="not 'mann'"):
        MANNController.from_artifact(other)


def test_runtime_spawns_dogs_with_the_foot_lock(artifact):
    rt = neuropuppet.Runtime()
    group = rt.spawn("mann", count=2)
    for _ in range(20):
        rt.tick()
    assert group.pose.is_finite()
    assert [m.name for m in group.modifiers] == ["foot_lock"]


def test_every_gait_and_action_gives_finite_poses_and_its_gait_weight(artifact):
    """A scripted sequence through every gait and action of the model (the expert analysis's)."""
    from neuropuppet.controllers.mann.analyze import scripted_pads
    ctrl = MANNController.from_artifact(artifact)
    pads, segments, skipped = scripted_pads(ctrl)
    assert not skipped, skipped                                 # the model has every gait and action
    rec = run_pads(ctrl, pads)
    assert np.isfinite(rec["world"]).all()
    assert {s for s, _ in segments} >= {"trot", "walk", "canter", "sit", "stand", "lie", "jump"}
    heights = rec["world"][:, 0, 1]
    sit = dict(segments)["sit"]
    assert heights[sit + 150] < heights[sit - 10] - 0.05        # sitting lowers the hips


def _circ(a, b):
    return abs((a - b + 0.5) % 1.0 - 0.5)


LATERAL_WALK = (0.25, 0.75, 0.0, 0.5)      # LF, RF, LH, RH landing offsets after LH (the generator's walk)
OFFSET_BOUNDS = {"walk": 0.1, "pace": 0.1, "trot": 0.1, "canter": 0.1}     # the goal (measured <= 0.014)
SKATE_BOUNDS = {"walk": 1.5, "pace": 1.5, "trot": 1.5, "canter": 1.5}
"""Worst paw skating with the foot lock / the ground truth's (floor 0.001 m/s): the goal 1.5x in every gait
(measured <= 0.01x: planted paws held within float noise)."""


def test_a_small_push_walks_from_standstill_and_a_full_push_trots(artifact):
    """The stick alone: a half push from rest walks (footfall of the lateral-sequence walk within 0.1 cycle,
    moving within 2 s), a full push trots."""
    from neuropuppet.controllers.mann.quality import standstill_start
    ctrl = MANNController.from_artifact(artifact)
    st = standstill_start(ctrl, push=0.5, seconds=5.0)
    assert st["start_seconds"] < 2.0 and st["speed"] > 0.3, st
    assert max(_circ(o, w) for o, w in zip(st["offsets"], LATERAL_WALK)) < 0.1, st["offsets"]
    ctrl.reset()
    pads = torch.zeros(1, 21)
    pads[0, 1] = 1.0
    pose = _walk(ctrl, pads, torch.zeros(1), 180)
    assert float(pose.extras["gait_weights"][0, ctrl.gaits.index("trot")]) > 0.95
    assert float(ctrl.state["past"][0, -60:, 4:6].norm(dim=-1).mean()) > 1.4          # trot truth ~1.8 m/s


def _hold(ctrl, pads, seconds):
    rec = run_pads(ctrl, torch.cat([torch.zeros(60, 21), pads.expand(int(seconds * 60), 21)]))
    return rec["world"]


def test_every_action_works_from_the_pad(artifact):
    """X sits (hips down), Y rears up (head up, front paws off the ground), B lies down (hips near the
    ground), A jumps (hips up) -- each from the pad, from standstill (the jump from a trot)."""
    ctrl = MANNController.from_artifact(artifact)
    sk = ctrl.skeleton
    head, paws = sk.index("Head"), list(ctrl.features.feet)
    ctrl.reset()
    rest = _hold(ctrl, torch.zeros(21), 1.0)[-1]
    def action(name, seconds=3.0):
        ctrl.reset()
        return _hold(ctrl, gait_pad(ctrl.table, name, (0.0, 0.0)), seconds)[-30:]
    sit, rear, lie = action("sit"), action("stand"), action("lie")
    assert sit[:, 0, 1].mean() < rest[0, 1] - 0.08
    assert rear[:, head, 1].mean() > rest[head, 1] + 0.15 and rear[:, paws[:2], 1].min() > rest[paws[0], 1] + 0.15
    assert lie[:, 0, 1].mean() < 0.3 and lie[:, head, 1].mean() < rest[head, 1] - 0.15
    ctrl.reset()
    trot = gait_pad(ctrl.table, "trot")
    world = run_pads(ctrl, torch.cat([trot.expand(120, 21), gait_pad(ctrl.table, "jump").expand(60, 21)]))["world"]
    assert world[120:, 0, 1].max() > world[60:120, 0, 1].mean() + 0.1


@pytest.fixture(scope="module")
def quality_figures(artifact):
    from neuropuppet.controllers.mann.quality import evaluate
    return evaluate(MANNController.from_artifact(artifact), seconds=5.0, truth_clips=2)


def test_scripted_gaits_footfall_speed_and_heading_within_bounds(quality_figures):
    """From standstill, full push, each gait's selector (the issue's item 5, raw network): footfall offsets
    within BOUNDS of the ground truth, speed within 15 %, heading under 10 degrees."""
    for gait, c in quality_figures["comparison"].items():
        assert c["offset_error"] < OFFSET_BOUNDS[gait], (gait, c)
        assert abs(c["speed_ratio"] - 1.0) < 0.15, (gait, c)
        assert quality_figures["model"][gait]["heading_deg"] < 10.0


def test_foot_lock_keeps_planted_paws_still(quality_figures):
    """With the controller's default modifier (the foot lock) planted paws skate at most SKATE_BOUND x the
    ground truth's, and the footfall pattern stays within 0.1 cycle of the raw network's."""
    for gait, c in quality_figures["comparison_foot_lock"].items():
        assert c["skating_ratio"] <= SKATE_BOUNDS[gait], (gait, c)
        assert max(quality_figures["foot_lock"][gait]["skating"]) < 0.005, gait
        raw, locked = quality_figures["model"][gait]["offsets"], quality_figures["foot_lock"][gait]["offsets"]
        assert max(_circ(a, b) for a, b in zip(raw, locked)) < 0.1, (gait, raw, locked)


def test_cpu_stick_path_equals_the_torch_formula(artifact):
    """The numpy camera-relative stick (CPU) gives the torch path's pad: NaN/inf -> 0, clamped, turned by the
    camera's yaw (NaN yaw -> 0); a new input tensor object is read, not a stale view of the old one."""
    from neuropuppet.locomotion.third_person import third_person_pads_
    ctrl = MANNController.from_artifact(artifact, batch_size=4)
    rng = np.random.default_rng(5)
    for _ in range(3):
        pads = torch.as_tensor(rng.normal(0, 2, (4, 21)).astype(np.float32))
        pads[0, 0], pads[1, 1], pads[2, 5], pads[3, 0] = float("nan"), float("inf"), -float("inf"), 1e9
        pads[3, 15] = 1.0                                      # strafe held
        yaw = torch.as_tensor(rng.uniform(-4, 4, (4, 1)).astype(np.float32))
        yaw[1, 0] = float("nan")
        want = third_person_pads_(torch.nan_to_num(pads, 0.0, 0.0, 0.0).clamp(-1.0, 1.0),
                                  torch.nan_to_num(yaw.reshape(-1), 0.0, 0.0, 0.0))
        got = ctrl._camera_relative(pads, yaw)
        assert got is ctrl._pads and torch.allclose(got, want, atol=1e-6)
        assert torch.isnan(pads[0, 0])                         # the input stays as given
    assert torch.allclose(ctrl._camera_relative(pads, None), third_person_pads_(
        torch.nan_to_num(pads, 0.0, 0.0, 0.0).clamp(-1.0, 1.0), torch.zeros(4)), atol=1e-6)
