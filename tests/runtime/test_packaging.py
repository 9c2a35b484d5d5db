"""The package list in pyproject.toml covers every package folder, and the console script works."""
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

ROOTS = {"runtime": "neuropuppet", "controllers": "neuropuppet.controllers", "trainers": "neuropuppet.trainers"}


def test_every_package_folder_is_listed():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set()
    for folder, name in ROOTS.items():
        for init in (REPO / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / folder).parts
            found.add(".".join((name, *rel)))
    assert found == listed, f"not listed: {sorted(found - listed)}; listed but absent: {sorted(listed - found)}"


def test_console_script_help():
    r = subprocess.run(["neuropuppet", "--help"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0
    for cmd in ("plugins", "train", "bench", "data"):
        assert cmd in r.stdout
    for cmd in ("plugins", "train", "bench", "data"):
        r = subprocess.run(["neuropuppet", cmd, "--help"], capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and "usage: neuropuppet" in r.stdout


def test_wheel_ships_the_default_artifact_and_configs(tmp_path):
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(REPO)], check=True, timeout=300, cwd=tmp_path)
    (wheel,) = tmp_path.glob("neuropuppet-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("neuropuppet/controllers/pfnn/default/pfnn.pt", "neuropuppet/controllers/pfnn/default/SHA256SUMS",
                   "neuropuppet/trainers/pfnn/default.yaml", "neuropuppet/cli/__init__.py",
                   "neuropuppet/motion/synth/biped.py"):
        assert needed in names, needed
