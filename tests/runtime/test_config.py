from dataclasses import dataclass, field
from pathlib import Path

import pytest

from neuropuppet.config import ConfigError, dump_config, load_config, load_dataclass
from neuropuppet.scene import build_runtime, load_scene
from neuropuppet.input import Replay


@dataclass
class Inner:
    rate: float = 1e-4
    layers: list[int] = field(default_factory=lambda: [512, 512])


@dataclass
class Outer:
    name: str = "x"
    epochs: int = 3
    mode: str | None = None
    inner: Inner = field(default_factory=Inner)


def test_defaults_round_trip_through_yaml(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text(dump_config(Outer()))
    assert load_config(Outer, p) == Outer()


def test_unknown_key_names_file_and_key(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("epochs: 2\ninner:\n  rate: 0.1\n  depth: 3\n")
    with pytest.raises(ConfigError, match=r"c\.yaml: unknown key 'inner\.depth'; expected one of: rate, layers"):
        load_config(Outer, p)


@pytest.mark.parametrize("text, msg", [
    ("epochs: three", r"key 'epochs': expected an integer, got str 'three'"),
    ("epochs: 2.5", r"key 'epochs': expected an integer, got float"),
    ("inner: {layers: [1, x]}", r"key 'inner\.layers\[1\]': expected an integer"),
    ("inner: 5", r"key 'inner': expected a mapping"),
    ("name: [1]", r"key 'name': expected a string"),
])
def test_wrong_types(tmp_path, text, msg):
    p = tmp_path / "c.yaml"
    p.write_text(text)
    with pytest.raises(ConfigError, match=msg):
        load_config(Outer, p)


def test_yaml_syntax_error_has_line(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("epochs: 2\ninner: [1, 2\nname: x\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: line \d+, column \d+: YAML syntax error"):
        load_config(Outer, p)


def test_missing_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(Outer, Path("/nonexistent/c.yaml"))


def test_scene_builds_runtime(tmp_path):
    from neuropuppet.input import Recorder, ScriptedGamepad
    import neuropuppet as npp
    from neuropuppet.null_controller import NullController
    from neuropuppet import plugins

    rec = Recorder(ScriptedGamepad(lambda t: npp.GamepadState(axes=__import__("numpy").ones(6, "float32"))))
    rt = npp.Runtime()
    rt.spawn(NullController(1), input=rec)
    for _ in rt.run(5):
        pass
    rec.save(tmp_path / "r.npz")
    plugins.register("controller", "idle", NullController)
    try:
        scene = tmp_path / "scene.yaml"
        scene.write_text(f"tick_rate: 30\nterrain: {{kind: hills, size: 20}}\ncharacters:\n"
                         f"  - controller: idle\n    count: 4\n    input: {{kind: replay, file: {tmp_path / 'r.npz'}}}\n")
        rt = build_runtime(load_scene(scene))
        assert rt.clock.rate == 30 and len(rt.groups) == 1 and rt.groups[0].controller.batch_size == 4
        assert isinstance(rt.groups[0].input, Replay)
        assert rt.terrain.heights.std() > 0.01
        scene.write_text("characters:\n  - controller: idle\n    count: 0\n")
        with pytest.raises(ConfigError, match=r"characters\[0\]\.count': expected at least 1"):
            load_scene(scene)
    finally:
        plugins.unregister("controller", "idle")


def test_overrides_apply_after_the_file_with_types_checked(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("epochs: 2\ninner:\n  rate: 0.1\n")
    cfg = load_config(Outer, p, overrides=["epochs=7", "inner.layers=[64, 32]", "name=pitch,beat"])
    assert cfg == Outer(name="pitch,beat", epochs=7, inner=Inner(rate=0.1, layers=[64, 32]))
    assert load_config(Outer, None, overrides=["inner.rate=3e-4"]).inner.rate == pytest.approx(3e-4)
    with pytest.raises(ConfigError, match=r"--set epochs=many.*'epochs': expected an integer"):
        load_config(Outer, p, overrides=["epochs=many"])
    with pytest.raises(ConfigError, match=r"unknown key 'inner\.depth'"):
        load_config(Outer, None, overrides=["inner.depth=3"])
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        load_config(Outer, None, overrides=["epochs"])
    with pytest.raises(ConfigError, match="'name' is not a section"):
        load_config(Outer, None, overrides=["name=x", "name.sub=1"])


def test_train_cli_prints_the_config_with_overrides(capsys):
    from neuropuppet.cli import main

    assert main(["train", "gestures", "--set", "max_steps=123", "--set", "features=pitch,beat", "--print-config"]) == 0
    out = capsys.readouterr().out
    assert "max_steps: 123" in out and "features: pitch,beat" in out
    assert main(["train", "gestures", "--set", "max_steps=lots", "--print-config"]) != 0
    assert "max_steps" in capsys.readouterr().err


def test_exponent_without_a_dot_is_a_number(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("inner:\n  rate: 3e-4\n")          # YAML 1.1 reads this as a string
    assert load_config(Outer, p).inner.rate == pytest.approx(3e-4)
    p.write_text("inner:\n  rate: 3e-4x\n")
    with pytest.raises(ConfigError, match="expected a number"):
        load_config(Outer, p)
