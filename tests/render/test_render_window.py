"""End to end under Xvfb: a real window opens, a virtual SDL game controller pushes the left stick,
the character moves the right way in the pose stream and on screen; unplugging stops it, replugging resumes."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pixels import centroid, character_mask

HERE = Path(__file__).resolve().parent

pytestmark = pytest.mark.display


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> dict:
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt install xvfb): cannot open a real window headless")
    out = tmp_path_factory.mktemp("window") / "session.npz"
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}  # the real (Xvfb) video driver
    env.update(SDL_AUDIODRIVER="dummy", PYTHONPATH=str(HERE))
    env.pop("DISPLAY", None)
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 640x480x24", sys.executable,
                           str(HERE / "window_session.py"), str(out)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    with np.load(out) as f:
        return {k: f[k] for k in f.files}


def test_real_window_opens_with_core_context_and_renders(session):
    assert int(session["n"]) == len(session["phase"])
    assert "Core Profile" in str(session["gl"])
    frame = session["frames"][0]
    assert frame.shape == (240, 320, 3)
    assert character_mask(frame).sum() > 50, "character not visible in the window"
    assert frame.std() > 10, "window frame looks blank"


def test_left_stick_right_moves_root_toward_minus_x_and_right_on_screen(session):
    root, phase = session["root"], session["phase"]
    right = root[phase == "right"]
    assert right[-1, 0] < right[0, 0] - 0.2, "stick right must move the character to its right (world -X)"
    assert abs(right[-1, 2] - right[0, 2]) < 1e-4
    frames = session["frames"][session["frame_phase"] == "right"]
    x0, x1 = centroid(character_mask(frames[0]))[0], centroid(character_mask(frames[-1]))[0]
    assert x1 > x0 + 5, f"character should move right on screen: centroid x {x0:.1f} -> {x1:.1f}"


def test_unplugging_stops_the_character_and_replugging_resumes(session):
    root, phase, seen = session["root"], session["phase"], session["pad_seen"]
    unplugged = root[phase == "unplugged"]
    assert not seen[phase == "unplugged"][2:].any(), "pad still reported after detach"
    # one tick may still carry the last stick value; after that the root must not move
    assert np.abs(np.diff(unplugged[2:, 0])).max() < 1e-6, "character kept running with the pad unplugged"
    frames = session["frames"][session["frame_phase"] == "unplugged"]
    assert np.abs(centroid(character_mask(frames[0])) - centroid(character_mask(frames[-1]))).max() < 1.0
    replugged = root[phase == "replugged"]
    assert seen[phase == "replugged"][-1]
    assert replugged[-1, 0] < unplugged[-1, 0] - 0.2, "character did not resume after the pad came back"


def test_resizing_the_window_renders_at_the_new_size(session):
    frame = session["resized_frame"]
    assert tuple(session["size"]) == (400, 300) and frame.shape == (300, 400, 3)
    assert float(session["camera_aspect"]) == pytest.approx(400 / 300)
    mask = character_mask(frame)
    assert mask.sum() > 50, "character not drawn after resize"
    assert frame[-1].std() > 0 and frame[:, -1].std() > 0, "new area of the window left unrendered"


PLAY_SCRIPT = """
import sys, stick_figure
from neuropuppet.input.virtual_joystick import VirtualGamepad
from neuropuppet.cli import main
stick_figure.register()
pad = VirtualGamepad().attach()
pad.set_stick("left", 0.0, 1.0)
code = main(["play", "stick", "--width", "320", "--height", "240", "--max-frames", "40", "--record", sys.argv[1]])
pad.detach()
sys.exit(code)
"""


def test_play_command_opens_a_window_and_records_the_pad(tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt install xvfb): cannot open a real window headless")
    rec = tmp_path / "play.npz"
    env = {k: v for k, v in os.environ.items() if k != "SDL_VIDEODRIVER"}  # the real (Xvfb) video driver
    env.update(SDL_AUDIODRIVER="dummy", PYTHONPATH=str(HERE))
    proc = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 640x480x24", sys.executable, "-c", PLAY_SCRIPT,
                           str(rec)], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "played 40 frames" in proc.stdout
    with np.load(rec) as f:
        pads = f["gamepad"]
    assert len(pads) > 0 and np.allclose(pads[:, 0, 1], 1.0), "left stick up should reach every recorded tick"
