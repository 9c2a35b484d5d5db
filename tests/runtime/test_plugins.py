"""Broken plugins are reported by name and reason; the others keep working."""
import subprocess
import sys
import textwrap

import pytest

from neuropuppet import plugins
from neuropuppet.errors import PluginError

GOOD = '''
from neuropuppet.null_controller import NullController as Base

class Good(Base):
    name = "good"
'''
WRONG_API = '''
from neuropuppet.null_controller import NullController as Base

class Old(Base):
    name = "old"
    api_version = 0
'''
RAISES = '''
from neuropuppet.null_controller import NullController as Base

class Raises(Base):
    name = "raises"

    @classmethod
    def from_artifact(cls, artifact, **kw):
        raise ValueError("cannot find my config")
'''


def make_dist(root, dist, module, source, entries):
    """A minimal installed distribution (dist-info + module) on a folder we put on sys.path."""
    (root / f"{module}.py").write_text(textwrap.dedent(source))
    info = root / f"{dist}-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.2.3\n")
    lines = "\n".join(f"{n} = {t}" for n, t in entries.items())
    (info / "entry_points.txt").write_text(f"[neuropuppet.controllers]\n{lines}\n")


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    make_dist(tmp_path, "np_good", "np_good", GOOD, {"good": "np_good:Good"})
    make_dist(tmp_path, "np_broken", "np_broken", "import does_not_exist_anywhere\n", {"broken": "np_broken:X"})
    make_dist(tmp_path, "np_old", "np_old", WRONG_API, {"old": "np_old:Old"})
    make_dist(tmp_path, "np_raises", "np_raises", RAISES, {"raises": "np_raises:Raises"})
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return tmp_path


def test_discovery_imports_nothing(plugin_dir):
    found = plugins.discover("controller")
    assert {"good", "broken", "old", "raises", "pfnn"} <= set(found)
    assert found["good"].distribution == "np_good" and found["good"].version == "1.2.3"
    assert "np_broken" not in sys.modules and "np_good" not in sys.modules
    assert all(i.status == "unchecked" for i in found.values())


def test_each_failure_is_named_and_others_work(plugin_dir):
    import neuropuppet as npp

    with pytest.raises(PluginError, match=r"'broken' .*import failed: ModuleNotFoundError.*does_not_exist_anywhere"):
        npp.make("broken")
    with pytest.raises(PluginError, match=r"'old' .*plugin-API version 0; this neuropuppet provides version 2"):
        npp.make("old")
    with pytest.raises(PluginError, match=r"'raises' failed to start: ValueError: cannot find my config"):
        npp.make("raises")
    good = npp.make("good", 2)
    assert good.batch_size == 2


def test_plugins_command_lists_status(plugin_dir):
    r = subprocess.run([sys.executable, "-m", "neuropuppet.cli", "plugins"], capture_output=True, text=True,
                       timeout=120)
    lines = {line.split()[1]: line for line in r.stdout.splitlines()[1:]}
    assert "np_good" in lines["good"] and "1.2.3" in lines["good"] and lines["good"].rstrip().endswith("ok")
    assert "error: import failed" in lines["broken"]
    assert "plugin-API version 0" in lines["old"]
    assert r.returncode == 1  # something is broken, and the exit status says so
    assert "Traceback" not in r.stderr


def test_cli_errors_are_one_line_without_traceback(plugin_dir, tmp_path):
    cases = [
        (["train", "nope"], "no trainer plugin named 'nope'"),
        (["bench", "nope"], "invalid choice"),
    ]
    for argv, msg in cases:
        r = subprocess.run([sys.executable, "-m", "neuropuppet.cli", *argv], capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 2, (argv, r.stderr)
        assert msg in r.stderr and "Traceback" not in r.stderr
