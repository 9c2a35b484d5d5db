"""Controller API v2 through the public API: declared inputs and their sources, one clock, stacks of
layers (joint mapping, added joints, masks, fades, ordering), declared outputs and their interpolation,
pose modifiers, the master clock, scenes, API v1 plugins."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet import plugins
from neuropuppet.errors import ConfigError, InputError, PluginError
from neuropuppet.input.source import ConstantInput, FunctionInput, ScriptedGamepad
from neuropuppet.motion.rotations import quat_from_axis_angle
from neuropuppet.null_controller import NullController
from neuropuppet.ports import GAMEPAD, InputSpec, OutputSpec

# -- a third-party body and layer, written against the public API only --------------------------------------

WIND = InputSpec("wind", (3,), description="wind velocity, m/s (a plugin's own input)")


class WindBody:
    """Leans with the wind: root moves along it; emits a linear, a cyclic and a discrete output."""

    name = "windbody"
    api_version = npp.PLUGIN_API_VERSION
    description = "test body reading a third-party input"
    inputs = (WIND, GAMEPAD)
    outputs = (OutputSpec("level", (2,), "a ramp"), OutputSpec("phase", (), interpolation="cyclic"),
               OutputSpec("count", (), interpolation="none"))
    skeleton = NullController(1).skeleton

    def __init__(self, batch_size=1, device="cpu"):
        self.batch_size, self.device = batch_size, torch.device(device)
        self.pose = npp.PoseBatch.rest(self.skeleton, batch_size, self.device)
        self.ticks = 0
        self.seen_times: list[float] = []

    @classmethod
    def default_artifact(cls):
        return None

    @classmethod
    def from_artifact(cls, artifact, *, batch_size=1, device=None, **options):
        return cls(batch_size, device or "cpu")

    def reset(self, indices=None):
        self.pose.root_position.zero_()

    def step(self, inputs):
        self.seen_times.append(inputs.time)
        self.pose.root_position += inputs["wind"] * inputs.dt
        self.ticks += 1
        n = self.batch_size
        self.pose.extras["level"] = torch.full((n, 2), float(self.ticks))
        self.pose.extras["phase"] = torch.full((n,), (0.45 * self.ticks) % 1.0)
        self.pose.extras["count"] = torch.full((n,), float(self.ticks))
        return self.pose


class TiltLayer:
    """Owns the head of the null skeleton and adds an eye; turns the head by 90 degrees about Y."""

    name = "tilt"
    api_version = npp.PLUGIN_API_VERSION
    description = "test layer"
    inputs = ()
    outputs = (OutputSpec("head_height", (1,), "world height of the head below"),)
    skeleton = npp.Skeleton(("spine", "head", "eye"), np.array([-1, 0, 1]),
                            np.array([[0, 0.3, 0], [0, 0.4, 0], [0.03, 0.1, 0.08]]))
    layer_joints = ("head", "eye")
    layer_reads = ("head",)

    def __init__(self, batch_size=1, device="cpu", angle=math.pi / 2):
        self.batch_size, self.device = batch_size, torch.device(device)
        self.pose = npp.PoseBatch.rest(self.skeleton, batch_size, self.device)
        q = quat_from_axis_angle(np.array([0.0, 1.0, 0.0]), np.array(angle))
        self.pose.local_rotations[:, 1] = torch.as_tensor(q, dtype=torch.float32)
        self.steps = 0
        self.below = None

    @classmethod
    def default_artifact(cls):
        return None

    @classmethod
    def from_artifact(cls, artifact, *, batch_size=1, device=None, **options):
        return cls(batch_size, device or "cpu", **options)

    def reset(self, indices=None):
        pass

    def step(self, inputs):
        self.steps += 1
        below = inputs.get("pose_below")
        self.below = below
        if below is not None:
            pos, _ = below.world("head")
            self.pose.extras["head_height"] = pos[:, 1:2].clone()
        return self.pose


@pytest.fixture
def registered():
    plugins.register("controller", "windbody", WindBody)
    plugins.register("controller", "tilt", TiltLayer)
    plugins.register("controller", "nullbody", NullController)
    yield
    for n in ("windbody", "tilt", "nullbody"):
        plugins.unregister("controller", n)


# -- declared inputs and sources ----------------------------------------------------------------------------

def test_a_plugin_declares_its_own_input_and_supplies_its_source(registered):
    rt = npp.Runtime()
    g = rt.spawn("windbody", count=2, inputs={"wind": FunctionInput("wind", lambda t: [1.0, 0.0, 2.0 * t])})
    for _ in rt.run(60):
        pass
    x, z = g.pose.root_position[0, 0].item(), g.pose.root_position[0, 2].item()
    assert x == pytest.approx(1.0, abs=1e-4)                      # 1 m/s for one second
    assert z == pytest.approx(sum(2.0 * k / 60 for k in range(60)) / 60, abs=1e-4)   # sampled on t = tick * dt
    assert g.controller.seen_times[:3] == pytest.approx([0.0, 1 / 60, 2 / 60])


def test_an_input_nobody_supplies_is_named(registered):
    with pytest.raises(InputError, match=r"input wind \[3\] \(declared by 'windbody'.*has no source"):
        npp.Runtime().spawn("windbody")


def test_a_source_for_an_undeclared_input_is_refused(registered):
    with pytest.raises(InputError, match=r"input 'gaze_target', which no controller of the stack declares"):
        npp.Runtime().spawn("windbody", inputs={"wind": ConstantInput("wind", 0), "gaze_target": ConstantInput(
            "gaze_target", 0)})


def test_bad_source_values_are_named_and_nan_never_reaches_the_controller(registered):
    rt = npp.Runtime()
    g = rt.spawn("windbody", inputs={"wind": FunctionInput("wind", lambda t: [np.nan, np.inf, 1.0])})
    rt.tick()
    assert torch.isfinite(g.pose.root_position).all()
    rt2 = npp.Runtime()
    rt2.spawn("windbody", inputs={"wind": FunctionInput("wind", lambda t: [1.0, 2.0])})
    with pytest.raises(InputError, match=r"input 'wind': source gave shape \(2,\)"):
        rt2.tick()


def test_tick_inputs_read_by_name():
    pads = torch.zeros(2, 21)
    inputs = npp.TickInputs(1 / 60, tick=3, gamepad=pads)
    assert inputs["gamepad"] is pads and inputs.gamepad is pads and inputs.time == pytest.approx(3 / 60)
    assert inputs.get("gaze_target") is None
    with pytest.raises(KeyError, match="'gaze_target' was not declared"):
        inputs["gaze_target"]


def test_conflicting_declarations_of_one_input_are_an_error(registered):
    class OtherWind(TiltLayer):
        name = "otherwind"
        inputs = (InputSpec("wind", (2,)),)

    with pytest.raises(InputError, match=r"'wind' is declared as wind \[3\] by 'windbody' but as wind \[2\]"):
        npp.Runtime().spawn("windbody", layers=[OtherWind()], inputs={"wind": ConstantInput("wind", 0)})


# -- stacks ---------------------------------------------------------------------------------------------------

def test_layer_maps_by_name_adds_joints_and_writes_only_its_own(registered):
    rt = npp.Runtime()
    pad = ScriptedGamepad(lambda t: npp.GamepadState(axes=np.array([0.5, 1, 0, 0, 0, 0], np.float32)))
    body_only = rt.spawn("nullbody", input=pad)
    stacked = rt.spawn("nullbody", layers=["tilt"], input=pad)
    assert stacked.skeleton.names == body_only.skeleton.names + ("eye",)     # one skeleton, the eye added
    assert stacked.skeleton.parents[-1] == stacked.skeleton.index("head")
    np.testing.assert_allclose(stacked.skeleton.offsets[-1], TiltLayer.skeleton.offsets[2], atol=1e-6)
    for _ in rt.run(10):
        pass
    a, b = body_only.pose, stacked.pose
    head = body_only.skeleton.index("head")
    others = [j for j in range(body_only.skeleton.num_joints) if j != head]
    torch.testing.assert_close(b.local_rotations[:, others], a.local_rotations[:, others])
    torch.testing.assert_close(b.root_position, a.root_position)
    assert abs(b.local_rotations[0, head, 2].item()) == pytest.approx(math.sin(math.pi / 4), abs=1e-5)
    below = stacked.layer("tilt").controller.below           # the layer read the head's world position
    want = npp.motion.kinematics.pose_world_positions(a.to_numpy())[0, head, 1] if hasattr(npp, "motion") else None
    from neuropuppet.motion.kinematics import pose_world_positions
    want = pose_world_positions(a.to_numpy())[0, head]
    np.testing.assert_allclose(below.world("head")[0][0].numpy(), want, atol=1e-5)
    assert stacked.pose.extras["head_height"][0, 0].item() == pytest.approx(float(want[1]), abs=1e-5)


def test_layer_fade_moves_smoothly_and_weight_zero_is_the_body(registered):
    rt = npp.Runtime()
    g = rt.spawn("nullbody", layers=["tilt"])
    head = g.skeleton.index("head")
    rt.tick()
    g.layer("tilt").fade_to(0.0, seconds=0.5)
    angles = []
    for _ in range(40):
        rt.tick()
        q = g.pose.local_rotations[0, head].numpy()
        angles.append(2 * math.degrees(math.atan2(abs(q[2]), q[0])))
    steps = np.abs(np.diff(angles))
    assert steps.max() < 6.0                   # 90 degrees over 30 ticks: ~3 per tick, no pop
    assert angles[-1] == pytest.approx(0.0, abs=1e-3) and angles[0] > 80
    g.layer("tilt").set_weight(1.0, indices=[0])
    rt.tick()
    assert 2 * math.degrees(math.acos(min(1.0, abs(g.pose.local_rotations[0, head, 0].item())))) == pytest.approx(90, abs=0.1)


def test_interpolated_alpha_blends_a_fading_layer_per_character(registered):
    rt = npp.Runtime()
    g = rt.spawn("nullbody", count=3, layers=[{"name": "tilt", "weight": 0.0}])
    g.layer("tilt").set_weight(1.0, indices=[1])
    rt.tick()
    head = g.skeleton.index("head")
    w = g.pose.local_rotations[:, head, 0].numpy()
    assert w[0] == pytest.approx(1.0) and w[2] == pytest.approx(1.0) and w[1] == pytest.approx(math.cos(math.pi / 4))


def test_two_layers_on_one_joint_need_an_order(registered):
    class Tilt2(TiltLayer):
        name = "tilt2"

    rt = npp.Runtime()
    with pytest.raises(InputError, match=r"layers 'tilt' and 'tilt2' both write joint 'head'.*priority"):
        rt.spawn("nullbody", layers=["tilt", Tilt2(angle=0.0)])
    g = rt.spawn("nullbody", layers=["tilt", {"name": "tilt", "priority": 1, "options": {"angle": 0.0}}])
    rt.tick()
    assert g.pose.local_rotations[0, g.skeleton.index("head"), 0].item() == pytest.approx(1.0)  # the later one wins


def test_a_layer_whose_root_the_body_lacks_cannot_be_added(registered):
    class Floating(TiltLayer):
        skeleton = npp.Skeleton(("tail", "tip"), np.array([-1, 0]), np.zeros((2, 3)))
        layer_joints = ("tip",)
        layer_reads = ("tip",)

    with pytest.raises(InputError, match=r"layer 'tilt': its root joint 'tail' is not in the body's skeleton"):
        npp.Runtime().spawn("nullbody", layers=[Floating()])


def test_layer_joints_must_exist_in_the_layers_skeleton(registered):
    class Wrong(TiltLayer):
        layer_joints = ("head", "jaw")

    with pytest.raises(InputError, match=r"layer_joints names 'jaw', which its own skeleton lacks"):
        npp.Runtime().spawn("nullbody", layers=[Wrong()])


def test_crowds_step_each_controller_once_per_tick(registered):
    rt = npp.Runtime()
    g = rt.spawn("nullbody", count=50, layers=["tilt"])
    for _ in rt.run(7):
        pass
    assert g.layer("tilt").controller.steps == 7 and g.pose.batch_size == 50


# -- outputs --------------------------------------------------------------------------------------------------

def test_outputs_interpolate_as_declared(registered):
    rt = npp.Runtime()
    g = rt.spawn("windbody", inputs={"wind": ConstantInput("wind", 0.0)})
    for _ in rt.run(2):
        pass
    p = g.interpolated(0.5)
    assert p.extras["level"][0].tolist() == pytest.approx([1.5, 1.5])          # linear
    assert p.extras["count"][0] == pytest.approx(2.0)                          # none: the latest tick
    assert p.extras["phase"][0] == pytest.approx(((0.45 + 0.9) / 2) % 1.0)    # cyclic, shorter way
    rt.tick()                                                                  # 0.9 -> 0.35 wraps forward
    assert g.interpolated(0.5).extras["phase"][0] == pytest.approx((0.9 + 0.225) % 1.0, abs=1e-6)
    assert g.interpolated(0.5).output_specs["phase"].interpolation == "cyclic"


# -- modifiers --------------------------------------------------------------------------------------------------

def test_foot_lock_legs_come_from_the_declared_contact_joints():
    from neuropuppet.controllers.pfnn.controller import CONTACT_JOINTS
    from neuropuppet.modifiers import legs_from_contacts
    from neuropuppet.motion.foot_ik import biped_legs
    sk = npp.make("pfnn").skeleton
    assert [(l.hip, l.knee, l.ankle, l.toe, l.heel_contact, l.toe_contact) for l in legs_from_contacts(sk, CONTACT_JOINTS)] \
        == [(l.hip, l.knee, l.ankle, l.toe, l.heel_contact, l.toe_contact) for l in biped_legs(sk)]
    quad = npp.Skeleton(("root", "hipL", "kneeL", "ankleL", "pawL", "hipR", "kneeR", "ankleR", "pawR"),
                        np.array([-1, 0, 1, 2, 3, 0, 5, 6, 7]), np.tile([0.0, -0.2, 0.0], (9, 1)))
    legs = legs_from_contacts(quad, ("pawL", "pawR"))
    assert [(l.ankle, l.toe, l.heel_contact, l.toe_contact) for l in legs] == [(3, 4, -1, 0), (7, 8, -1, 1)]


def test_modifiers_are_configured_per_character(registered):
    rt = npp.Runtime()
    with pytest.raises(InputError, match=r"declares no 'contacts' output"):
        rt.spawn("nullbody", modifiers=["foot_lock"])
    with pytest.raises(PluginError, match=r"no pose modifier named 'nope'"):
        rt.spawn("nullbody", modifiers=["nope"])
    assert rt.spawn("pfnn", modifiers=[]).modifiers == []
    assert [m.name for m in rt.spawn("pfnn").modifiers] == ["foot_lock"]


# -- the clock --------------------------------------------------------------------------------------------------

class FakeMaster:
    def __init__(self):
        self.t, self.playing, self.calls = 0.0, True, []

    def position(self):
        return self.t

    def pause(self):
        self.playing = False
        self.calls.append("pause")

    def resume(self):
        self.playing = True
        self.calls.append("resume")


def test_the_master_clock_drives_the_ticks_without_drift(registered):
    rt = npp.Runtime(60)
    rt.spawn("windbody", inputs={"wind": ConstantInput("wind", 0.0)})
    master = FakeMaster()
    rt.master_clock = master
    rng = np.random.default_rng(0)
    worst = 0.0
    while master.t < 600.0:                                    # ten minutes of playback with frame hitches
        master.t += float(rng.choice([1 / 60, 1 / 144, 1 / 30, 0.05]))
        if rng.random() < 0.001:
            rt.paused = True
            rt.advance(1.0)                                    # paused: no ticks, playback paused too
            rt.paused = False
        rt.advance(0.0)
        worst = max(worst, abs(master.t - (rt.time + rt.alpha * rt.dt)))
        assert rt.time <= master.t + 1e-9                      # never ahead of what was heard
    assert worst < rt.dt
    assert "pause" in master.calls and master.calls.count("pause") == master.calls.count("resume")


def test_a_master_far_ahead_skips_ticks_instead_of_lagging(registered):
    rt = npp.Runtime(60, max_ticks_per_frame=5)
    g = rt.spawn("windbody", inputs={"wind": ConstantInput("wind", 0.0)})
    master = FakeMaster()
    rt.master_clock = master
    master.t = 2.0
    assert rt.advance(0.0) == 5 and rt.time == pytest.approx(2.0)
    assert g.controller.seen_times[0] == pytest.approx(2.0 - 5 / 60)


# -- third-person stick --------------------------------------------------------------------------------------

def test_pfnn_walks_relative_to_the_camera():
    rt = npp.Runtime()
    fwd = ScriptedGamepad(lambda t: npp.GamepadState(axes=np.array([0, 1, 0, 0, 0, 0], np.float32)))
    g = rt.spawn("pfnn", input=fwd)
    rt.camera_yaw = math.pi / 2                                 # the camera looks along +X
    for _ in rt.run(150):
        pass
    x, z = g.pose.root_position[0, 0].item(), g.pose.root_position[0, 2].item()
    assert x > 1.5 and abs(z) < 0.3 * x, (x, z)                 # "up" walks away from the camera


def test_strafe_faces_where_the_camera_looks():
    from neuropuppet.motion.rotations import quat_to_yaw
    rt = npp.Runtime()
    pad = npp.GamepadState(axes=np.array([1, 0, 0, 0, 0, 0], np.float32))   # stick right
    pad.buttons[npp.Button.LEFT_SHOULDER] = 1.0                              # strafe
    g = rt.spawn("pfnn", input=ScriptedGamepad(lambda t: pad))
    for _ in rt.run(200):
        pass
    yaw = float(quat_to_yaw(g.pose.root_rotation[0].numpy()))
    assert abs(math.degrees(yaw)) < 25                         # still faces the camera's forward (+Z)
    assert g.pose.root_position[0, 0].item() < -0.8            # while side-stepping to the camera's right (-X)


# -- scenes ------------------------------------------------------------------------------------------------------

def test_scene_with_layers_inputs_and_a_broken_group(registered, tmp_path):
    from neuropuppet.scene import build_runtime, load_scene
    scene = tmp_path / "s.yaml"
    scene.write_text("characters:\n"
                     "  - name: hero\n    controller: nullbody\n    layers: [tilt]\n"
                     "  - controller: windbody\n"                             # wind has no source: skipped
                     "  - controller: windbody\n    inputs: {wind: {kind: constant, value: [1, 0, 0]}}\n"
                     "    modifiers: []\n")
    errors = []
    rt = build_runtime(load_scene(scene), on_error=errors.append)
    assert len(rt.groups) == 2 and rt.groups[0].name == "null+tilt"
    assert len(errors) == 1 and "characters[1] (windbody)" in errors[0] and "input wind [3]" in errors[0]
    for _ in rt.run(60):
        pass
    assert rt.groups[1].pose.root_position[0, 0].item() == pytest.approx(1.0, abs=1e-4)
    with pytest.raises(InputError, match="has no source"):
        build_runtime(load_scene(scene))
    bad = tmp_path / "bad.yaml"
    bad.write_text("characters:\n  - controller: windbody\n    inputs: {wind: {kind: warp}}\n")
    with pytest.raises(ConfigError, match=r"unknown source kind 'warp'"):
        build_runtime(load_scene(bad))


# -- API v1 ------------------------------------------------------------------------------------------------------

def test_a_version_1_plugin_gets_a_clear_message():
    class Old:
        name = "old1"
        api_version = 1
        channels = frozenset({"gamepad"})
        description = "written for API 1"

        @classmethod
        def default_artifact(cls):
            return None

    plugins.register("controller", "old1", Old)
    try:
        with pytest.raises(PluginError, match=r"plugin-API version 1.*replaced `channels`.*declared `inputs`"):
            npp.make("old1")
    finally:
        plugins.unregister("controller", "old1")
    with pytest.raises(AttributeError, match="neuropuppet.Channel was removed in plugin API 2"):
        npp.Channel


# -- a third-party plugin's input, source kind and modifier, installed as its own distribution ------------------

WIND_PLUGIN = '''
import numpy as np
from neuropuppet.input.source import FunctionInput

def wind_source(input_name, context, speed=1.0):
    """A scene source kind: a steady wind along +X."""
    return FunctionInput(input_name, lambda t: np.array([speed, 0.0, 0.0]))

class Sink:
    """A pose modifier: pushes every root down by `depth` metres."""
    name = "sink"
    def __init__(self, depth=0.1):
        self.depth = depth
    def bind(self, group):
        pass
    def apply(self, pose, inputs):
        pose.root_position[:, 1] -= self.depth
    def reset(self, indices=None):
        pass
'''


def test_a_third_party_source_kind_and_modifier_need_no_change_to_neuropuppet(registered, tmp_path, monkeypatch):
    import textwrap
    (tmp_path / "np_wind.py").write_text(textwrap.dedent(WIND_PLUGIN))
    info = tmp_path / "np_wind-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: np-wind\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[neuropuppet.sources]\nwind = np_wind:wind_source\n\n"
                                           "[neuropuppet.modifiers]\nsink = np_wind:Sink\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    from neuropuppet.input.registry import source_kinds
    from neuropuppet.scene import build_runtime, load_scene
    assert "wind" in source_kinds()
    scene = tmp_path / "s.yaml"
    scene.write_text("characters:\n  - controller: windbody\n    inputs: {wind: {kind: wind, speed: 2.0}}\n"
                     "    modifiers: [{name: sink, depth: 0.5}]\n")
    rt = build_runtime(load_scene(scene))
    for _ in rt.run(30):
        pass
    p = rt.groups[0].pose.root_position[0]
    assert p[0].item() == pytest.approx(1.0, abs=1e-4) and p[1].item() == pytest.approx(-0.5)


def test_scene_places_a_crowd_on_a_grid_facing_a_heading(tmp_path):
    from neuropuppet.motion.rotations import quat_to_yaw
    from neuropuppet.scene import build_runtime, load_scene
    scene = tmp_path / "crowd.yaml"
    scene.write_text("characters:\n  - controller: pfnn\n    count: 4\n    spacing: 2.0\n    at: [10, 5]\n"
                     "    yaw: 90\n    modifiers: []\n")
    rt = build_runtime(load_scene(scene))
    rt.tick()
    root = rt.groups[0].pose.root_position.numpy()
    np.testing.assert_allclose(sorted(root[:, 0].round(1)), [9, 9, 11, 11], atol=0.1)
    np.testing.assert_allclose(sorted(root[:, 2].round(1)), [4, 4, 6, 6], atol=0.1)
    yaws = np.degrees([quat_to_yaw(q) for q in rt.groups[0].pose.root_rotation.numpy()])
    np.testing.assert_allclose(yaws, 90.0, atol=3.0)
    scene.write_text("characters:\n  - controller: pfnn\n    count: 2\n    positions: [[0, 0]]\n")
    with pytest.raises(ConfigError, match=r"positions: expected 2 finite \[x, z\] pairs"):
        build_runtime(load_scene(scene))


def test_placing_a_controller_without_place_is_refused(registered):
    with pytest.raises(InputError, match="cannot be placed"):
        npp.Runtime().spawn("nullbody", positions=[[1.0, 2.0]])


def test_cli_layers_take_priorities_and_music_layers_ask_for_a_file():
    import subprocess
    import sys
    from neuropuppet.cli.play import parse_layers
    assert parse_layers("lookat, beatnod:1") == ["lookat", {"name": "beatnod", "priority": 1}]
    with pytest.raises(npp.NeuropuppetError, match=r":PRIORITY \(an integer\)"):
        parse_layers("lookat,beatnod:x")
    r = subprocess.run([sys.executable, "-m", "neuropuppet.cli", "play", "pfnn", "--layers", "lookat,beatnod:1",
                        "--headless", "--seconds", "0.1"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "pfnn+lookat+beatnod listens to music" in r.stderr and "--audio FILE" in r.stderr
