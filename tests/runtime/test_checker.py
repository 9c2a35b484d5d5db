"""The conformance checker (neuropuppet.checker, `neuropuppet check`): it passes on every installed controller
plugin and on the example plugin, and catches a deliberately broken controller for each of its checks."""
from __future__ import annotations

import importlib

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet import plugins
from neuropuppet.checker import check_controller
from neuropuppet.cli import main as cli_main
from neuropuppet.errors import InputError, PluginError
from neuropuppet.motion.rotations_torch import quat_from_yaw
from neuropuppet.ports import GAMEPAD, GAZE_TARGET, OutputSpec

from test_third_party_plugin import wave_installed  # noqa: F401  (the pip-installed example plugin)

TICKS = 8


# -- a conforming body and layer, written against the public API ------------------------------------------------
class GoodBody:
    """Each character's spine turns with its left stick (smoothed state, reset per character)."""

    name = "goodbody"
    api_version = npp.PLUGIN_API_VERSION
    description = "test body that conforms"
    inputs = (GAMEPAD,)
    outputs = (OutputSpec("level", (2,), "stick magnitude and smoothed angle, 0..1", range=(0.0, 1.0)),)
    controls = (("left stick", "turn"),)
    skeleton = npp.Skeleton(("hips", "spine", "head"), np.array([-1, 0, 1]),
                            np.array([[0, 1.0, 0], [0, 0.3, 0], [0, 0.3, 0]]))

    def __init__(self, batch_size=1, device="cpu"):
        self.batch_size, self.device = batch_size, torch.device(device)
        self.angle = torch.zeros(batch_size, device=self.device)
        self.pose = npp.PoseBatch.rest(self.skeleton, batch_size, self.device)
        self.pose.extras["level"] = torch.zeros(batch_size, 2, device=self.device)

    @classmethod
    def default_artifact(cls):
        return None

    @classmethod
    def from_artifact(cls, artifact, *, batch_size=1, device=None, **options):
        return cls(batch_size, device or "cpu")

    def reset(self, indices=None):
        rows = slice(None) if indices is None else list(indices)
        self.angle[rows] = 0.0
        self.pose.root_position[rows] = 0.0

    def stick(self, inputs):
        return torch.nan_to_num(inputs["gamepad"][:, 0], nan=0.0, posinf=0.0, neginf=0.0).clamp(-1.0, 1.0)

    def step(self, inputs):
        x = self.stick(inputs)
        self.angle.copy_(0.8 * self.angle + 0.2 * x)          # in place: state stays a normal tensor
        self.pose.local_rotations[:, 1] = quat_from_yaw(self.angle)
        self.pose.root_position[:, 2] += inputs.dt * x.abs()
        self.pose.extras["level"][:, 0] = x.abs()
        self.pose.extras["level"][:, 1] = 0.5 + 0.5 * self.angle
        return self.pose


class GoodLayer:
    """Turns the head toward the gaze target, smoothed; reads the head's world position from the pose below."""

    name = "goodlayer"
    api_version = npp.PLUGIN_API_VERSION
    description = "test layer that conforms"
    inputs = (GAZE_TARGET,)
    outputs = ()
    skeleton = GoodBody.skeleton
    layer_joints = ("head",)

    def __init__(self, batch_size=1, device="cpu"):
        self.batch_size, self.device = batch_size, torch.device(device)
        self.yaw = torch.zeros(batch_size, device=self.device)
        self.pose = npp.PoseBatch.rest(self.skeleton, batch_size, self.device)

    @classmethod
    def default_artifact(cls):
        return None

    @classmethod
    def from_artifact(cls, artifact, *, batch_size=1, device=None, **options):
        return cls(batch_size, device or "cpu")

    def reset(self, indices=None):
        if indices is None:
            self.yaw.zero_()
        else:
            self.yaw[list(indices)] = 0.0

    def step(self, inputs):
        head, _ = inputs["pose_below"].world("head")
        d = torch.nan_to_num(inputs["gaze_target"] - head, nan=0.0, posinf=0.0, neginf=0.0)
        want = torch.atan2(d[:, 0], d[:, 2]).clamp(-1.0, 1.0)
        self.yaw.copy_(0.7 * self.yaw + 0.3 * want)
        self.pose.local_rotations[:, 2] = quat_from_yaw(self.yaw)
        return self.pose


# -- one broken controller per check -----------------------------------------------------------------------------
class WrongApiVersion(GoodBody):
    api_version = 1


class WrongShapes(GoodBody):
    def step(self, inputs):
        pose = super().step(inputs)
        return npp.PoseBatch(pose.skeleton, pose.root_position, pose.root_rotation, pose.local_positions,
                             pose.local_rotations[:, :2], pose.extras)


class Float64(GoodBody):
    def step(self, inputs):
        pose = super().step(inputs)
        return npp.PoseBatch(pose.skeleton, pose.root_position.double(), pose.root_rotation, pose.local_positions,
                             pose.local_rotations, pose.extras)


class NaNForNaN(GoodBody):
    def stick(self, inputs):                     # no sanitising: NaN in, NaN state, NaN pose
        return inputs["gamepad"][:, 0].clamp(-1.0, 1.0)


class ResetsEveryone(GoodBody):
    def reset(self, indices=None):
        self.angle.zero_()
        self.pose.root_position.zero_()


class ResetAllDoesNothing(GoodBody):
    def reset(self, indices=None):
        if indices is not None:
            super().reset(indices)


class Noisy(GoodBody):
    def step(self, inputs):
        self.angle.add_(1e-3 * torch.randn(self.batch_size))
        return super().step(inputs)


class BatchMean(GoodBody):
    def stick(self, inputs):
        return super().stick(inputs).mean().expand(self.batch_size)


class MissingOutput(GoodBody):
    def step(self, inputs):
        pose = super().step(inputs)
        return npp.PoseBatch(pose.skeleton, pose.root_position, pose.root_rotation, pose.local_positions,
                             pose.local_rotations, {})


class BelowWriter(GoodLayer):
    """Moves the body's root through the pose below: a layer may only write its own joints."""

    def step(self, inputs):
        inputs["pose_below"].root_position[:, 1] += 0.01
        return super().step(inputs)


BROKEN = [
    (WrongApiVersion, "declarations", "api_version is 1, expected 2"),
    (WrongShapes, "step", "local_rotations has shape [3, 2, 4], expected [3, 3, 4]"),
    (Float64, "step", "root_position is torch.float64, expected torch.float32"),
    (NaNForNaN, "bad input", "NaN in its inputs gave non-finite"),
    (ResetsEveryone, "reset", "reset([2]) also changed character"),
    (ResetAllDoesNothing, "reset", "after reset() character 0 is not back at its start"),
    (Noisy, "determinism", "two fresh instances fed the same recorded input differ"),
    (BatchMean, "batch independence", "changing only character 1's input changed character"),
    (MissingOutput, "outputs", "declared output 'level' is missing from extras"),
    (BelowWriter, "layer", "inputs['pose_below'].root_position"),
]


def installed_controllers() -> list[str]:
    return sorted(set(plugins.discover("controller")) | {"wave"})


# -- tests -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", installed_controllers())
def test_every_installed_controller_passes(name, request):
    if name == "wave":
        request.getfixturevalue("wave_installed")
        importlib.invalidate_caches()
    report = check_controller(name, raise_on_error=False)
    assert report.ok, str(report)
    assert "step" in report.passed and "determinism" in report.passed and not report.skipped


def test_conforming_body_and_layer_pass_with_no_warnings():
    for cls, last in ((GoodBody, "runtime"), (GoodLayer, "layer")):
        report = check_controller(cls, ticks=TICKS)
        assert report.ok and not report.warnings and not report.skipped, str(report)
        assert report.passed == ["declarations", "construction", "step", "outputs", "determinism", "reset",
                                 "bad input", "batch independence", last]


@pytest.mark.parametrize("cls, check, expected", BROKEN, ids=[b[0].__name__ for b in BROKEN])
def test_catches_a_broken_controller(cls, check, expected):
    report = check_controller(cls, ticks=TICKS, raise_on_error=False)
    failures = [line for line in report.failed if line.startswith(f"{cls.name}: {check}: ")]
    assert failures, str(report)
    assert any(expected in line for line in failures), str(report)
    if cls not in (WrongApiVersion, WrongShapes):   # a fault in one place is reported there, not everywhere
        assert {line.split(": ")[1] for line in report.failed} == {check}, str(report)


def test_raises_plugin_error_listing_every_failure():
    with pytest.raises(PluginError) as e:
        check_controller(ResetsEveryone, ticks=TICKS)
    assert "'goodbody' failed 1 conformance check" in str(e.value) and "reset([2]) also changed" in str(e.value)


def test_undeclared_extra_and_out_of_range_output():
    class Chatty(GoodBody):
        def step(self, inputs):
            pose = super().step(inputs)
            pose.extras["secret"] = torch.zeros(self.batch_size)
            pose.extras["level"][:] = torch.tensor([0.0, 3.0])
            return pose

    report = check_controller(Chatty, ticks=TICKS, raise_on_error=False)
    assert report.failed == ["goodbody: outputs: output 'level' spans [0, 3], outside its declared range [0, 1] "
                             "(tick 0)"]
    assert any("extras['secret'] is not declared" in w for w in report.warnings)


def test_non_unit_quaternions_and_bad_declarations():
    class Sloppy(GoodBody):
        description = ""
        controls = (("left stick",),)
        outputs = GoodBody.outputs + (OutputSpec("grip", (1,), joints=("hand",)),)

        def step(self, inputs):
            pose = super().step(inputs)
            pose.root_rotation[:] = torch.tensor([2.0, 0, 0, 0])
            pose.extras["grip"] = torch.zeros(self.batch_size, 1)
            return pose

    failed = check_controller(Sloppy, ticks=TICKS, raise_on_error=False).failed
    assert any("`description` must be a one-line string" in f for f in failed)
    assert any("`controls` must be (input, what it does) pairs" in f for f in failed)
    assert any("output 'grip' belongs to joints 'hand', which its skeleton lacks" in f for f in failed)
    assert any("root_rotation holds quaternions that are not unit length" in f for f in failed)


def test_layer_joints_its_skeleton_lacks():
    class Lost(GoodLayer):
        layer_joints = ("eye",)

    report = check_controller(Lost, raise_on_error=False)
    assert any("`layer_joints` names 'eye', which its skeleton lacks" in f for f in report.failed)


def test_an_instance_and_given_sources():
    from neuropuppet.input.source import ConstantInput
    body = GoodBody(batch_size=2)
    report = check_controller(body, ticks=TICKS, inputs={"gamepad": ConstantInput("gamepad", [0.5] + [0.0] * 20)})
    assert report.ok and report.controller == "goodbody"
    assert float(body.angle.abs().max()) == 0.0        # the given instance is never stepped
    with pytest.raises(InputError, match="'wind', which 'goodbody' does not declare"):
        check_controller(GoodBody, inputs={"wind": ConstantInput("wind", [1.0, 0, 0])})


def test_batch_of_one_skips_independence():
    report = check_controller(GoodBody, batch_size=1, ticks=TICKS)
    assert report.skipped == ["batch independence (needs batch_size >= 2)"]


def test_cli(capsys):
    from neuropuppet import checker
    from neuropuppet.cli.check import DEFAULT_TICKS
    assert DEFAULT_TICKS == checker.DEFAULT_TICKS       # kept apart so that --help imports no torch
    plugins.register("controller", "goodbody", GoodBody)
    plugins.register("controller", "resetseveryone", ResetsEveryone)
    try:
        assert cli_main(["check", "goodbody", "--ticks", str(TICKS)]) == 0
        out = capsys.readouterr().out
        assert "ok    goodbody: reset" in out and "9 checks passed, 0 failed" in out
        assert cli_main(["check", "resetseveryone", "--batch", "2", "--ticks", str(TICKS)]) == 2
        out = capsys.readouterr().out
        assert "FAIL  resetseveryone: reset: reset([1]) also changed character 0" in out
        assert cli_main(["check", "nosuch"]) == 2
        assert "no controller plugin named 'nosuch'" in capsys.readouterr().out
    finally:
        plugins.unregister("controller", "goodbody")
        plugins.unregister("controller", "resetseveryone")


def test_lazy_export():
    assert npp.check_controller is check_controller
