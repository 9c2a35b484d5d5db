"""`neuropuppet view FILE.bvh`: the length unit judged from the skeleton, the figure put on the ground, the
player's pause / scrub / jump logic, the real CMU files rendered offscreen (upright, the right height on
screen, feet on the ground, moving), malformed files, and the real window driven by key presses under Xvfb."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import imageio.v3 as iio
import numpy as np
import pytest

from neuropuppet.cli import main
from neuropuppet.motion import Motion, Skeleton, write_bvh
from neuropuppet.motion.bvh import CMU_SCALE
from neuropuppet.motion.player import DisplayClip, MotionPlayer, world_points
from neuropuppet.motion.rotations import quat_from_axis_angle
from neuropuppet.render.motion_view import ClipView

from pixels import character_mask

HERE = Path(__file__).resolve().parent
CMU_FILES = ("cmu_02_01_walk.bvh", "cmu_05_06.bvh", "cmu_131_01_start_walk_stop_maxfriendly.bvh")

# a 1.75 m figure in metres: hips, spine, head, two legs with feet, two arms
SKELETON = Skeleton(("Hips", "Spine", "Head", "LeftUpLeg", "LeftFoot", "RightUpLeg", "RightFoot", "LeftArm",
                     "RightArm"), [-1, 0, 1, 0, 3, 0, 5, 1, 1],
                    [[0, 0, 0], [0, 0.5, 0], [0, 0.3, 0], [0.12, 0, 0], [0, -0.9, 0], [-0.12, 0, 0], [0, -0.9, 0],
                     [0.2, 0.1, 0], [-0.2, 0.1, 0]])


def walking_clip(frames: int = 90, fps: float = 30.0, height: float = 2.0) -> Motion:
    """The figure walking along +X at 1 m/s, legs swinging and hips bobbing so that the feet keep one height,
    `height` - 0.9 m (not on the ground)."""
    t = np.arange(frames) / fps
    swing = 0.5 * np.sin(2 * np.pi * t)
    positions = np.repeat(SKELETON.offsets[None].astype(np.float64), frames, axis=0)
    positions[:, 0] = np.stack([t, height - 0.9 * (1 - np.cos(swing)), np.zeros(frames)], -1)
    rotations = np.zeros((frames, SKELETON.num_joints, 4))
    rotations[..., 0] = 1.0
    rotations[:, 3] = quat_from_axis_angle(np.array([1.0, 0, 0]), swing)
    rotations[:, 5] = quat_from_axis_angle(np.array([1.0, 0, 0]), -swing)
    return Motion(SKELETON, positions, rotations, 1.0 / fps)


@pytest.mark.parametrize("unit, metres", [("metres", 1.0), ("centimetres", 0.01), ("inches", 0.0254),
                                          ("millimetres", 0.001), ("CMU units (1/0.45 in)", CMU_SCALE)])
def test_the_unit_is_judged_from_the_skeleton_and_the_figure_stands_on_the_ground(tmp_path, unit, metres):
    path = write_bvh(tmp_path / "clip.bvh", walking_clip(), scale=metres)
    clip = DisplayClip.load(path)
    assert clip.unit.name == unit and clip.unit.metres == pytest.approx(metres)
    assert clip.height == pytest.approx(1.7, abs=0.02)
    lowest = world_points(clip.motion)[..., 1].min(axis=1)
    assert np.abs(lowest).max() < 0.01, "feet should be on y = 0 (the clip's hips were 2 m up)"
    assert unit in clip.describe()


def test_scale_overrides_the_detected_unit(tmp_path):
    path = write_bvh(tmp_path / "clip.bvh", walking_clip(), scale=0.01)
    clip = DisplayClip.load(path, scale=0.02)
    assert not clip.unit.detected and clip.height == pytest.approx(3.4, abs=0.05)
    assert "given by --scale" in clip.describe()


def test_player_pauses_steps_one_frame_jumps_one_second_and_loops():
    p = MotionPlayer(num_frames=240, frame_time=1 / 120)
    p.advance(0.5)
    assert p.frame == 60 and not p.paused
    p.toggle_pause()
    p.advance(1.0)
    assert p.frame == 60, "a paused player must not move"
    p.step(+1)
    p.step(+1)
    p.step(-1)
    assert p.frame == 61 and p.time == pytest.approx(61 / 120)
    p.jump(+1.0)
    assert p.frame == 181
    p.jump(+1.0)
    assert p.frame == 239, "jumps stop at the last frame"
    p.step(-300)
    assert p.frame == 0
    p.seek(100)
    p.restart()
    assert p.frame == 0
    p.toggle_pause()
    p.advance(2.0 + 0.25)                       # one pass is 2 s: wraps to 0.25 s
    assert p.frame == 30
    p.paused = False
    p.seek(120)
    p.step(1)
    assert p.paused and p.frame == 121, "stepping while playing pauses first"


def test_hud_shows_frame_index_and_time(tmp_path):
    clip = DisplayClip(walking_clip())
    view = ClipView(clip, 4 / 3)
    view.player.seek(45)
    line = view.hud_lines()[0]
    assert "frame 45 / 89" in line and "1.500 s" in line


@pytest.fixture(params=CMU_FILES)
def cmu_render(request, shared_mocap, tmp_path, capsys) -> dict:
    """The file rendered by `view --out` at 1 frame per second, 320x240."""
    path = shared_mocap / request.param
    out = tmp_path / "frame_%04d.png"
    code = main(["view", str(path), "--out", str(out), "--fps", "1", "--width", "320", "--height", "240"])
    frames = [iio.imread(f) for f in sorted(tmp_path.glob("frame_*.png"))]
    return {"path": path, "code": code, "frames": frames, "clip": DisplayClip.load(path),
            "out": capsys.readouterr().out}


def test_real_cmu_files_display_upright_at_human_size_on_the_ground_and_moving(cmu_render):
    clip, frames = cmu_render["clip"], cmu_render["frames"]
    assert cmu_render["code"] == 0 and len(frames) == round(clip.num_frames * clip.frame_time)
    assert "unit: CMU units" in cmu_render["out"]
    # in the world: a standing adult, head over feet, feet on the ground
    points = world_points(clip.motion)
    skeleton = clip.motion.skeleton
    head = clip.motion.world_positions()[:, skeleton.index("Head")]
    assert 1.2 < clip.height < 1.9, f"figure {clip.height:.2f} m tall"
    assert np.median(head[:, 1] - points[..., 1].min(axis=1)) > 1.0, "head should be high above the feet"
    lowest = points[..., 1].min(axis=1)
    assert np.abs(np.median(lowest)) < 0.08 and lowest.min() > -0.15, "feet should be on the ground"
    # on screen: the figure spans what the camera projects for it, head at the top
    view = ClipView(clip, 320 / 240)
    mask = character_mask(frames[0])
    rows = np.nonzero(mask.any(axis=1))[0]
    assert mask.sum() > 150, "figure not visible"
    projected = view.camera.project(points[0], 320, 240)[:, 1]
    top, bottom = projected.min(), projected.max()
    assert abs(rows[0] - top) < 15 and abs(rows[-1] - bottom) < 15, \
        f"figure spans rows {rows[0]}..{rows[-1]} on screen, its joints project to {top:.0f}..{bottom:.0f}"
    assert bottom - top > 80, "figure should stand tall on screen"
    head_px = view.camera.project(head[0], 320, 240)[1]
    assert (head_px - top) < 0.3 * (bottom - top), "head should be at the top of the figure (upright)"
    moved = (character_mask(frames[0]) ^ character_mask(frames[-1])).sum()
    assert moved > 0.5 * mask.sum(), "the figure should move between the first and the last frame"


def test_malformed_bvh_is_one_error_line_with_file_and_line(tmp_path, capsys):
    good = write_bvh(tmp_path / "good.bvh", walking_clip(frames=3)).read_text().splitlines()
    bad = tmp_path / "bad.bvh"
    motion_line = good.index("MOTION")
    good[motion_line + 4] = good[motion_line + 4].replace(good[motion_line + 4].split()[3], "oops", 1)
    bad.write_text("\n".join(good) + "\n")
    assert main(["view", str(bad), "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and re.match(rf"neuropuppet: error: {re.escape(str(bad))}:{motion_line + 5}: .*'oops'", err[0])
    assert main(["view", str(tmp_path / "missing.bvh")]) == 2
    assert "missing.bvh" in capsys.readouterr().err


def test_view_without_display_suggests_out(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    path = write_bvh(tmp_path / "clip.bvh", walking_clip(frames=3))
    assert main(["view", str(path)]) == 2
    assert "--out" in capsys.readouterr().err


@pytest.mark.display
def test_window_arrow_keys_scrub_one_frame_per_press_while_paused(tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt install xvfb): cannot open a real window headless")
    clip = write_bvh(tmp_path / "clip.bvh", walking_clip(), scale=0.01)
    out = tmp_path / "session.npz"
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}  # the real (Xvfb) video driver
    env.update(SDL_AUDIODRIVER="dummy", PYTHONPATH=str(HERE))
    env.pop("DISPLAY", None)
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 640x480x24", sys.executable,
                           str(HERE / "view_session.py"), str(clip), str(out)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    with np.load(out) as f:
        shown, paused, first = f["shown"].tolist(), f["paused"].tolist(), f["first"]
    assert character_mask(first).sum() > 50, "figure not drawn in the window"
    assert shown[:6] == [10, 11, 12, 13, 14, 15], "each Right press while paused moves one frame forward"
    assert shown[6:8] == [14, 13], "each Left press moves one frame back"
    assert shown[8:10] == [43, 13], "Up and Down jump one second (30 frames)"
    assert shown[10:14] == [0, 1, 1, 1], "Home restarts; nothing moves while paused"
    assert all(paused[:14]) and not paused[14], "Space resumes"
    assert shown[-1] > shown[14], "playing again moves on"
