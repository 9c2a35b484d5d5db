"""Under Xvfb: F1 / H toggle the help panel in the real window, and third-person play through a virtual
SDL game controller (the right stick orbits the camera only; the left stick walks relative to the camera)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from neuropuppet.motion.rotations import quat_to_yaw

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.display


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> dict:
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt install xvfb): cannot open a real window headless")
    out = tmp_path_factory.mktemp("third_person") / "session.npz"
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}  # the real (Xvfb) video driver
    env.update(SDL_AUDIODRIVER="dummy", PYTHONPATH=str(HERE))
    env.pop("DISPLAY", None)
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 640x480x24", sys.executable,
                           str(HERE / "third_person_session.py"), str(out)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    with np.load(out) as f:
        return {k: f[k] for k in f.files}


def _text_rows(panel: np.ndarray) -> int:
    """Rows of text in a panel: runs of pixel rows holding bright (text) pixels."""
    bright = (panel.astype(np.int32).max(-1) > 170).any(1)
    return int((bright[1:] & ~bright[:-1]).sum() + bright[0])


def test_f1_shows_the_help_panel_and_h_hides_it(session):
    shown, phase = session["shown"], session["phase"]
    assert not shown[phase == "idle"].any()
    assert shown[phase == "help"][1:].all(), "F1 did not open the help"
    assert not shown[phase == "closed"][1:].any(), "H did not close the help"
    x, y, w, h = session["help_rect"]
    idle, helped, closed = (session[p].astype(np.int32) for p in ("idle", "help", "closed"))
    assert w > 100 and h > 100 and x + w <= idle.shape[1] and y + h <= idle.shape[0]
    inside = (np.abs(helped - idle).sum(-1) > 40)[y:y + h, x:x + w]
    assert inside.mean() > 0.5, "the help panel area did not change when F1 was pressed"
    assert _text_rows(session["help"][y:y + h, x:x + w]) == len(session["help_lines"]) + 1, \
        "one text row per help line (section titles and controls) and the header"
    assert (np.abs(closed - idle).sum(-1) > 40)[y:y + h, x:x + w].mean() < 0.1, "help still drawn after H"


def test_f2_and_o_toggle_the_overlays(session):
    overlays, phase = session["overlays"], session["phase"]
    assert overlays[phase == "idle"].all() and overlays[phase == "help"].all()
    assert not overlays[phase == "no_overlays"][1:].any(), "F2 did not turn the overlays off"
    assert overlays[phase == "orbit"][1:].all(), "O did not turn them back on"


def test_the_help_lists_the_played_controllers_declared_controls(session):
    lines = [str(s) for s in session["help_lines"]]
    assert lines[0] == "stick" and "  left stick / WASD: move, relative to the camera" in lines
    assert "window" in lines and "  F1 / H: this help on / off" in lines and "  F2 / O: debug overlays on / off" in lines


def test_the_right_stick_orbits_the_camera_and_leaves_the_character_alone(session):
    phase, yaw, root = session["phase"], session["yaw"], session["root"]
    orbit = phase == "orbit"
    assert yaw[orbit][-1] < yaw[orbit][0] - 0.1, "right stick right should turn the camera (yaw decreases)"
    assert np.abs(root[orbit] - root[orbit][0]).max() < 1e-6, "the right stick moved the character"
    facing = quat_to_yaw(session["facing"][orbit])
    assert np.abs(facing - facing[0]).max() < 1e-6, "the right stick turned the character"


def test_left_stick_up_walks_away_from_an_orbited_camera(session):
    phase, root = session["phase"], session["root"]
    away = phase == "away"
    assert np.allclose(session["runtime_yaw"][away][1:], np.pi / 2), "the window must hand its yaw to the runtime"
    moved = root[away][-1] - root[away][1]
    assert moved[0] > 0.2, f"stick up with the camera looking along +X should walk along +X, moved {moved}"
    assert abs(moved[2]) < 0.02 * moved[0], f"walked along world Z instead of the camera's forward: {moved}"
    facing = quat_to_yaw(session["facing"][away][-1:])
    assert abs(float(facing[0]) - np.pi / 2) < 1e-3, "the character should face away from the camera"


def test_the_right_stick_click_switches_it_to_the_gaze_target_and_t_back(session):
    phase, yaw, steers, target = session["phase"], session["yaw"], session["steers_target"], session["gaze_target"]
    on, back = phase == "target", phase == "back"
    assert not steers[phase == "away"].any() and steers[on][2:].all(), "R3 did not switch to the gaze target"
    assert not steers[back][2:].any(), "T did not switch back to the camera"
    assert np.abs(yaw[on][2:] - yaw[on][2]).max() < 1e-9, "the camera turned while the stick steered the target"
    moved = target[on][-1] - target[on][2]
    forward = np.array([np.sin(yaw[on][2]), np.cos(yaw[on][2])])        # the camera's forward (x, z)
    assert moved[[0, 2]] @ forward > 0.1 and abs(moved[[0, 2]] @ np.array([-forward[1], forward[0]])) < 0.05, \
        "stick up should move the target away from the camera"
    assert abs(target[on][-1][1] - 1.5) < 0.3, "the steered target sits at eye height above the ground"
    assert yaw[back][-1] < yaw[back][2] - 0.05, "after T the right stick orbits the camera again"
