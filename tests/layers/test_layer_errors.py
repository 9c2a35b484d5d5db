"""Stacks that cannot be built say why, naming the layer, the joint or the input; one that can is composed in order."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet.controllers.lookat import LookAtController
from neuropuppet.input.source import ConstantInput
from neuropuppet.motion.rotations_torch import quat_mul
from neuropuppet.ports import GAMEPAD

from layer_helpers import ClipAudio, click_track, rotation_degrees

GAZE = {"gaze_target": ConstantInput("gaze_target", [1.0, 1.6, 2.0])}


class ChainBody:
    """A third-party body whose joints are named differently from the CMU ones (and that does not move)."""

    name = "chainbody"
    api_version = npp.PLUGIN_API_VERSION
    description = "test body"
    inputs = (GAMEPAD,)
    outputs = ()

    def __init__(self, names=("hips", "chest", "neck_lower", "neck_upper", "head"), batch_size=1):
        k = len(names)
        self.skeleton = npp.Skeleton(names, np.arange(-1, k - 1), np.array([[0, 1.0, 0]] + [[0, 0.15, 0]] * (k - 1)))
        self.batch_size, self.device = batch_size, torch.device("cpu")
        self.pose = npp.PoseBatch.rest(self.skeleton, batch_size)

    @classmethod
    def default_artifact(cls):
        return None

    @classmethod
    def from_artifact(cls, artifact, *, batch_size=1, device=None, **options):
        return cls(batch_size=batch_size)

    def reset(self, indices=None):
        pass

    def step(self, inputs):
        return self.pose


def test_a_layer_whose_root_joint_the_body_lacks_is_refused_by_name():
    with pytest.raises(npp.InputError, match=r"layer 'lookat': its root joint 'Spine1' is not in the body's skeleton"):
        npp.Runtime().spawn(ChainBody(), layers=["lookat"], inputs=GAZE)


def test_joint_map_fits_the_layer_onto_a_body_with_other_names():
    mapping = {"Spine1": "chest", "Neck": "neck_lower", "Neck1": "neck_upper"}        # Head matches head
    rt = npp.Runtime()
    g = rt.spawn(ChainBody(), layers=[{"name": "lookat", "joint_map": mapping}], inputs=GAZE)
    assert g.skeleton.names == ("hips", "chest", "neck_lower", "neck_upper", "head", "LeftEye", "RightEye")
    for _ in rt.run(60):
        pass
    assert math.degrees(g.pose.extras["gaze_error"][0, 0]) < 1.0


def test_a_layer_chain_that_differs_from_the_bodys_is_refused():
    """Mapped by name but with a joint more in the layer's chain: its rotations would turn the wrong bones."""
    with pytest.raises(npp.InputError, match=r"layer 'lookat': joint 'Head' hangs from 'Neck1' in the layer's "
                                             r"skeleton but from 'neck' in the body's"):
        npp.Runtime().spawn(ChainBody(("hips", "chest", "neck", "head")), inputs=GAZE,
                            layers=[{"name": "lookat", "joint_map": {"Spine1": "chest"}}])


def test_a_layer_naming_a_joint_its_own_skeleton_lacks_is_refused():
    class Jawed(LookAtController):
        layer_joints = LookAtController.layer_joints + ("Jaw",)

    with pytest.raises(npp.InputError, match=r"layer 'lookat': layer_joints names 'Jaw', which its own skeleton lacks"):
        npp.Runtime().spawn("pfnn", layers=[Jawed()], inputs=GAZE)


def test_two_layers_writing_one_joint_need_an_order():
    audio = {"audio": ClipAudio(click_track(1.0, [0.5]))}
    with pytest.raises(npp.InputError, match=r"layers 'lookat' and 'beatnod' both write joint 'Neck' and neither "
                                             r"is ordered over the other"):
        npp.Runtime().spawn("pfnn", layers=["lookat", "beatnod"], inputs={**GAZE, **audio})


def test_a_priority_orders_them_the_nod_goes_on_top_of_the_look():
    clicks = [0.31, 0.9]
    audio = {"audio": ClipAudio(click_track(1.5, clicks))}
    rt_look, rt = npp.Runtime(), npp.Runtime()
    look = rt_look.spawn("pfnn", layers=["lookat"], inputs=dict(GAZE))
    both = rt.spawn("pfnn", layers=["lookat", {"name": "beatnod", "priority": 1}], inputs={**GAZE, **audio})
    head = look.skeleton.index("Head")
    assert both.skeleton.names == look.skeleton.names
    deepest = 0.0
    for _ in range(90):
        rt_look.tick()
        rt.tick()
        nod = float(both.pose.extras["nod"][0, 0])
        pitch = torch.tensor([math.cos(0.25 * nod), math.sin(0.25 * nod), 0.0, 0.0])   # the head's half of the nod
        want = quat_mul(look.pose.local_rotations[0, head], pitch)
        assert rotation_degrees(both.pose.local_rotations[0, head].numpy(), want.numpy()) < 1e-2
        deepest = max(deepest, math.degrees(nod))
    assert deepest > 6.0 and math.degrees(look.pose.extras["head_angles"][0, 0]) > 5.0   # both did something


def test_an_input_nobody_supplies_is_named_with_the_layer_that_declares_it():
    with pytest.raises(npp.InputError, match=r"input gaze_target \[3\] \(declared by 'lookat'.*has no source"):
        npp.Runtime().spawn("pfnn", layers=["lookat"])
