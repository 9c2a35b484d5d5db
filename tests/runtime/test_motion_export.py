"""Motion out: a played PFNN character recorded tick by tick, written as BVH, read back with our reader and
compared with the world joint positions it had on screen; output channels as .npz; `--bvh` on the CLI."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

import neuropuppet as npp
from neuropuppet.channels import GamepadState
from neuropuppet.cli import main
from neuropuppet.errors import NeuropuppetError
from neuropuppet.input.source import ScriptedGamepad
from neuropuppet.motion import pose_world_positions, read_bvh
from neuropuppet.motion_recorder import MotionRecorder

TICKS = 240


def walk_turn_run(t: float) -> GamepadState:
    """Walk forward, sweep the stick to the left, then run: the root travels and turns."""
    state = GamepadState()
    a = min(max(t - 1.0, 0.0), 1.5) / 1.5 * np.pi / 2
    state.axes[:2] = (-0.8 * np.sin(a), 0.8 * np.cos(a))
    state.axes[5] = 1.0 if t > 2.8 else 0.0        # right trigger: run
    return state


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """PFNN played for TICKS ticks; what was on screen each tick, and the recorder's files."""
    runtime = npp.Runtime()
    hero = runtime.spawn("pfnn", input=ScriptedGamepad(walk_turn_run))
    recorder = MotionRecorder(runtime)
    world, extras = [], []

    def watch(rt) -> None:
        pose = hero.pose.to_numpy()
        world.append(pose_world_positions(pose)[0])
        extras.append({k: v.copy() for k, v in pose.extras.items()})

    runtime.on_tick.append(watch)
    for _ in range(TICKS):
        runtime.tick()
    out = tmp_path_factory.mktemp("export")
    return {"runtime": runtime, "hero": hero, "recorder": recorder, "world": np.stack(world), "extras": extras,
            "bvh": recorder.save_bvh(out / "hero.bvh"), "cm": recorder.save_bvh(out / "hero_cm.bvh", units="cm"),
            "npz": recorder.save_outputs(out / "hero.outputs.npz")}


def test_one_character_is_written_to_exactly_the_path_given(played):
    assert [p.name for p in played["bvh"]] == ["hero.bvh"]
    assert played["recorder"].num_ticks == TICKS


def test_bvh_read_back_gives_the_played_world_joint_positions(played):
    motion = read_bvh(played["bvh"][0])
    assert motion.num_frames == TICKS
    assert motion.frame_time == pytest.approx(played["runtime"].dt, rel=1e-6)
    assert motion.skeleton.names == played["hero"].pose.skeleton.names
    world = played["world"]
    travelled = np.linalg.norm(world[-1, 0, [0, 2]] - world[0, 0, [0, 2]])
    assert travelled > 2.0, "the scripted stick should have moved the character"
    error = np.linalg.norm(motion.world_positions() - world, axis=-1)
    assert error.max() < 1e-3, f"BVH read back is {error.max() * 1000:.3f} mm off the played pose"


def test_centimetre_files_read_back_at_scale_the_same(played):
    motion = read_bvh(played["cm"][0], scale=0.01)
    assert np.abs(motion.world_positions() - played["world"]).max() < 1e-3
    hips_y = float(read_bvh(played["cm"][0]).positions[0, 0, 1])
    assert 50 < hips_y < 150, f"hips at {hips_y} units: not centimetres"


def test_root_joint_carries_six_channels_with_a_zero_offset_the_others_three_and_leaves_end_sites(played):
    text = played["bvh"][0].read_text()
    header = text.split("MOTION")[0]
    channels = re.findall(r"CHANNELS (\d+)", header)
    assert channels[0] == "6" and set(channels[1:]) == {"3"}
    assert re.search(r"ROOT Hips\s*\{\s*OFFSET 0\.0+ 0\.0+ 0\.0+\s", header)
    skeleton = read_bvh(played["bvh"][0]).skeleton
    leaves = [j for j in range(skeleton.num_joints) if not skeleton.children(j)]
    assert sorted(skeleton.end_sites) == leaves


def test_output_channels_are_saved_per_tick_with_their_declared_meaning(played):
    with np.load(played["npz"]) as f:
        data = {k: f[k] for k in f.files}
    assert float(data["tick_rate"]) == pytest.approx(60.0)
    assert data["pfnn/tick"].tolist() == list(range(1, TICKS + 1))
    for name in played["extras"][0]:
        recorded = data[f"pfnn/{name}"]
        expected = np.stack([e[name] for e in played["extras"]])
        assert recorded.shape == expected.shape and np.array_equal(recorded, expected), name
    meta = json.loads(str(data["meta"]))["pfnn"]
    assert meta["joints"][0] == "Hips"
    contacts = meta["channels"]["contacts"]
    assert contacts["shape"] == [4] and len(contacts["joints"]) == 4 and contacts["meaning"]


def test_a_tick_recorded_twice_is_kept_once(played):
    recorder = played["recorder"]
    before = recorder.num_ticks
    recorder.capture()
    recorder.capture()
    assert recorder.num_ticks == before


def test_crowds_and_groups_give_one_file_per_character_named_by_group(tmp_path):
    runtime = npp.Runtime()
    crowd = runtime.spawn("pfnn", 2, input=ScriptedGamepad(walk_turn_run))
    runtime.spawn("pfnn")                                      # a second group, standing
    recorder = MotionRecorder(runtime)
    world = []
    runtime.on_tick.append(lambda rt: world.append(pose_world_positions(crowd.pose.to_numpy())))
    for _ in range(30):
        runtime.tick()
    paths = recorder.save_bvh(tmp_path / "scene.bvh")
    assert [p.name for p in paths] == ["scene-pfnn0-0.bvh", "scene-pfnn0-1.bvh", "scene-pfnn1-0.bvh"]
    world = np.stack(world)
    for i in (0, 1):
        assert np.abs(read_bvh(paths[i]).world_positions() - world[:, i]).max() < 1e-3


def test_ticks_skipped_by_a_master_clock_hold_the_previous_pose(tmp_path):
    runtime = npp.Runtime()
    runtime.spawn("pfnn", input=ScriptedGamepad(walk_turn_run))
    recorder = MotionRecorder(runtime)
    for _ in range(20):
        runtime.tick()
    runtime.tick_count += 3                  # as Runtime does when the music is too far ahead
    for _ in range(10):
        runtime.tick()
    motion = read_bvh(recorder.save_bvh(tmp_path / "skip.bvh")[0])
    assert motion.num_frames == 33
    held = motion.positions[19:23, 0]
    assert np.allclose(held, held[0], atol=1e-6) and not np.allclose(motion.positions[23, 0], held[0])


def test_bad_requests_are_clear_errors(tmp_path):
    runtime = npp.Runtime()
    runtime.spawn("pfnn")
    recorder = MotionRecorder(runtime)
    with pytest.raises(NeuropuppetError, match="no ticks were recorded"):
        recorder.save_bvh(tmp_path / "x.bvh")
    runtime.tick()
    with pytest.raises(NeuropuppetError, match="unknown BVH units 'ft'"):
        recorder.save_bvh(tmp_path / "x.bvh", units="ft")
    recorder.detach()
    runtime.tick()
    assert recorder.num_ticks == 1, "a detached recorder must stop recording"


def test_play_headless_with_bvh_writes_the_motion_and_its_outputs(tmp_path, capsys):
    out = tmp_path / "walk.bvh"
    assert main(["play", "pfnn", "--headless", "--seconds", "1", "--bvh", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"to {out}" in text and "walk.outputs.npz" in text
    motion = read_bvh(out)
    assert motion.num_frames == 60 and np.ptp(motion.positions[:, 0, 2]) > 0.3, "the demo pattern walks forward"
    assert (tmp_path / "walk.outputs.npz").is_file()


def test_render_with_bvh_writes_one_file_per_character(tmp_path, capsys):
    out = tmp_path / "crowd.bvh"
    assert main(["render", "pfnn", "--count", "2", "--seconds", "0.5", "--fps", "4", "--width", "64",
                 "--height", "48", "--out", str(tmp_path / "last.png"), "--bvh", str(out), "--bvh-units", "cm"]) == 0
    text = capsys.readouterr().out
    files = [tmp_path / "crowd-pfnn-0.bvh", tmp_path / "crowd-pfnn-1.bvh"]
    for f in files:
        assert str(f) in text
        assert read_bvh(f).num_frames == 30
    assert "in centimetres" in text
