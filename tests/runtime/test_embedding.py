"""demos/embed_pygame.py: a user's own pygame loop drives the runtime and reads poses."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
from neuropuppet import plugins
from neuropuppet.null_controller import NullController


@pytest.fixture
def embed_demo(monkeypatch):
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    spec = importlib.util.spec_from_file_location("embed_pygame", REPO / "demos" / "embed_pygame.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    plugins.register("controller", "stick", NullController)
    yield module
    plugins.unregister("controller", "stick")


def test_embedded_loop_moves_the_character_forward(embed_demo, capsys):
    pose = embed_demo.main(["--controller", "stick", "--frames", "120"])
    out = capsys.readouterr().out
    assert "frames 120  ticks 120" in out
    # stick pushed forward for 2 s at the null controller's 2 m/s -> +Z by ~4 m, no sideways drift
    assert pose.root_position[0, 2] == pytest.approx(4.0, abs=0.05)
    assert abs(pose.root_position[0, 0]) < 1e-6
    assert np.isfinite(pose.local_rotations).all()
