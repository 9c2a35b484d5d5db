"""The example plugin in demos/plugins/neuropuppet-wave, pip-installed as its own distribution,
is discovered and run with no change to neuropuppet."""
import subprocess
import sys
from pathlib import Path

import pytest

PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]


@pytest.fixture(scope="module")
def wave_installed(tmp_path_factory):
    REPO = Path(__file__).resolve().parents[2]

    build = tmp_path_factory.mktemp("wave-build")
    src = REPO / "demos" / "plugins" / "neuropuppet-wave"
    subprocess.run([*PIP, "install", "--no-deps", "--no-build-isolation", "--no-index", str(src)],
                   check=True, cwd=build, timeout=300)
    yield
    subprocess.run([*PIP, "uninstall", "-y", "neuropuppet-wave"], check=False, timeout=300)


def run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_listed_with_its_distribution(wave_installed):
    r = subprocess.run([sys.executable, "-m", "neuropuppet.cli", "plugins"], capture_output=True, text=True,
                       timeout=120)
    line = next(line for line in r.stdout.splitlines() if line.split()[1:2] == ["wave"])
    assert "neuropuppet-wave" in line and "0.1.0" in line and line.rstrip().endswith("ok")


def test_runtime_runs_it(wave_installed):
    r = run(
        "import numpy as np, neuropuppet as npp\n"
        "from neuropuppet.input import ScriptedGamepad\n"
        "pad = npp.GamepadState(); pad.axes[5] = 1.0\n"
        "rt = npp.Runtime(60)\n"
        "g = rt.spawn('wave', count=3, input=ScriptedGamepad(lambda t: pad))\n"
        "a = g.pose.local_rotations.clone()\n"
        "for _ in rt.run(20): pass\n"
        "b = g.pose.local_rotations\n"
        "assert g.pose.is_finite()\n"
        "print(g.controller.__class__.__module__, float((a - b).abs().max()), tuple(b.shape))\n")
    assert r.returncode == 0, r.stderr
    module, change, shape = r.stdout.split(maxsplit=2)
    assert module == "neuropuppet_wave"
    assert float(change) > 0.1          # the arm moved
    assert shape.strip() == "(3, 10, 4)"
