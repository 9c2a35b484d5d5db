"""The shipped scene (PFNN walking while `lookat` follows a circling target) and the CLI runs with layers."""
from __future__ import annotations

import imageio.v3 as iio
import numpy as np
import pytest

from neuropuppet.cli import main
from neuropuppet.input.patterns import demo_input
from neuropuppet.scene import build_runtime, load_scene


@pytest.fixture
def scene(repo):
    return repo / "demos" / "scenes" / "pfnn_lookat.yaml"


def test_the_shipped_scene_walks_and_turns_the_head_both_ways(scene):
    rt = build_runtime(load_scene(scene), lambda cfg: demo_input())
    (walker,) = rt.groups
    assert walker.name == "pfnn+lookat" and "LeftEye" in walker.skeleton.names
    yaw, error, travelled = [], [], []
    for _ in rt.run(6 * 60):
        e = walker.pose.extras
        yaw.append(np.degrees(float(e["head_angles"][0, 0])))
        error.append(np.degrees(float(e["gaze_error"][0, 0])))
        travelled.append(walker.pose.root_position[0].numpy().copy())
    assert np.linalg.norm(travelled[-1] - travelled[0]) > 2.0             # the body walks
    assert max(yaw) > 40.0 and min(yaw) < -40.0                           # the head turns left and right
    assert np.median(error) < 30.0                                       # mostly on the target (not when behind)


def test_render_the_scene_to_a_gif(scene, tmp_path):
    out = tmp_path / "lookat.gif"
    assert main(["render", "--scene", str(scene), "--seconds", "1", "--fps", "4", "--width", "160", "--height", "120",
                 "--out", str(out)]) == 0
    frames = iio.imread(out)
    assert frames.shape == (4, 120, 160, 3) and all(f.std() > 10 for f in frames)


def test_render_and_play_with_layers_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "x.png"
    assert main(["render", "pfnn", "--layers", "lookat", "--seconds", "0.5", "--fps", "4", "--width", "96",
                 "--height", "64", "--out", str(out)]) == 0
    assert iio.imread(out).shape == (64, 96, 3)
    assert main(["play", "lookat", "--headless", "--seconds", "0.5"]) == 0
    assert "lookat" in capsys.readouterr().out
