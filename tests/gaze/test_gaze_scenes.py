"""With no live input the gaze layer follows the scripted target (jumps, slow and fast pursuit, near and far)
about the walking character, on the command line too; and the crowd scene's characters all gaze at the hero."""
from __future__ import annotations

import argparse

import numpy as np
import torch

from neuropuppet.cli import main
from neuropuppet.cli import play
from neuropuppet.input.patterns import demo_input
from neuropuppet.input.scripted_target import LOOP_SECONDS, SCRIPT, script_angles
from neuropuppet.scene import build_runtime, load_scene


def test_the_script_jumps_pursues_slow_and_fast_and_goes_near_and_far():
    jumps = [np.abs(np.subtract(SCRIPT[k][1][:2], SCRIPT[k - 1][2][:2])).max() for k in range(1, len(SCRIPT))]
    assert sum(j >= 20 for j in jumps) >= 3
    speeds = [abs(end[0] - start[0]) / seconds for seconds, start, end in SCRIPT]
    assert min(s for s in speeds if s > 0) <= 20 and max(speeds) >= 60      # deg/s: slow pursuit, fast sweep
    distances = [script_angles(t)[2] for t in np.arange(0, LOOP_SECONDS, 0.1)]
    assert min(distances) < 0.5 and max(distances) > 5
    np.testing.assert_allclose(script_angles(3.0), script_angles(3.0 + LOOP_SECONDS))


def headless_runtime(*argv: str):
    p = argparse.ArgumentParser()
    play.register(p.add_subparsers())
    return play.build_runtime(p.parse_args(["play", *argv, "--headless"]), live_input=None)


def test_headless_the_gaze_layer_follows_the_script_about_the_walking_character():
    rt, hero = headless_runtime("pfnn", "--layers", "gaze")
    start = hero.pose.root_position[0].numpy().copy()
    err, head_yaw, near_vergence, moved = [], [], [], []
    for i, _ in enumerate(rt.run(int(LOOP_SECONDS * 60))):
        t = (i + 1) / 60
        e = hero.pose.extras
        assert torch.isfinite(hero.pose.local_rotations).all()
        err.append(np.degrees(float(e["gaze_error"][0, 0])))
        head_yaw.append(np.degrees(float(e["head_angles"][0, 0])))
        if 13.0 < t < 14.0:                     # the near step (12.5-14.5 s: 0.35 m in front of the face)
            target = rt.groups[0].inputs["gaze_target"][0].numpy()
            near_vergence.append(float(np.linalg.norm(target - e["gaze_origin"][0].numpy())))
        moved.append(np.linalg.norm(hero.pose.root_position[0].numpy() - start))
    err, head_yaw = np.array(err), np.array(head_yaw)
    assert max(moved) > 2.0, "the body walks while it looks"
    fixations = np.r_[60:120, 160:210, 290:330]             # settled parts of the first three fixations
    assert np.median(err[fixations]) < 5.0, f"settled error {np.median(err[fixations]):.1f} deg"
    assert head_yaw[290:330].mean() > 20, "the 60-degree jump should turn the head"
    assert head_yaw.min() < -15 and head_yaw.max() > 30, "the pursuit should sweep the head both ways"
    assert near_vergence and max(near_vergence) < 0.5, "the near target should be near the eyes"


def test_play_and_render_headless_with_the_gaze_layer(tmp_path, capsys):
    assert main(["play", "pfnn", "--layers", "gaze", "--headless", "--seconds", "1"]) == 0
    assert "pfnn+gaze" in capsys.readouterr().out
    out = tmp_path / "g.png"
    assert main(["render", "pfnn", "--layers", "gaze", "--camera", "front", "--seconds", "0.5", "--fps", "4",
                 "--width", "96", "--height", "64", "--out", str(out)]) == 0
    assert out.is_file()


def test_the_crowd_scene_gazes_at_the_hero(repo):
    rt = build_runtime(load_scene(repo / "demos" / "scenes" / "crowd_gazes_at_hero.yaml"), lambda cfg: demo_input())
    hero, crowd = rt.groups
    assert crowd.name == "pfnn+gaze" and crowd.batch_size == 9
    assert crowd.layer("gaze").controller.engine == "native"
    err = []
    for _ in rt.run(4 * 60):
        assert torch.isfinite(crowd.pose.local_rotations).all()
        err.append(np.degrees(crowd.pose.extras["gaze_error"].numpy()[:, 0]))
    settled = np.median(np.array(err)[60:], axis=0)
    assert (settled < 5.0).all(), f"every character should look at the hero: median errors {settled.round(1)}"
    assert np.ptp(crowd.pose.extras["head_angles"].numpy()[:, 0]) > 0.1, "heads turn by where each one stands"
