"""YAML bindings: defaults, overrides, and errors that name the file, key and problem."""
from __future__ import annotations

import pytest

from neuropuppet.errors import ConfigError
from neuropuppet.input.bindings import Bindings, load_bindings


def _write(tmp_path, text: str):
    p = tmp_path / "bindings.yaml"
    p.write_text(text)
    return p


def test_defaults_when_no_file():
    b = load_bindings(None)
    assert "w" in b.keyboard["left_up"] and b.deadzone == Bindings().deadzone


def test_overrides_are_applied(tmp_path):
    b = load_bindings(_write(tmp_path, "deadzone: 0.25\nkeyboard:\n  left_up: [z]\n  run: space\ngamepad:\n  x: y\n"))
    assert b.deadzone == 0.25 and b.keyboard["left_up"] == ["z"] and b.keyboard["run"] == ["space"]
    assert b.gamepad["x"] == "y" and b.keyboard["left_down"] == ["s", "down"]


@pytest.mark.parametrize("text, expected", [
    ("keyboard:\n  jump: [space]\n", "keyboard.jump: unknown slot"),
    ("keyboard:\n  left_up: [notakey]\n", "keyboard.left_up: unknown key name 'notakey'"),
    ("deadzone: 2\n", "deadzone must be a number in [0.0, 0.9]"),
    ("deadzone: fast\n", "deadzone must be a number"),
    ("gamepad:\n  turbo: a\n", "gamepad.turbo: unknown pad button"),
    ("gamepad:\n  a: left_up\n", "gamepad.a: 'left_up' is not a button slot"),
    ("mouse: {}\n", "unknown key 'mouse'"),
    ("- a\n- b\n", "top level must be a mapping"),
])
def test_errors_name_file_key_and_problem(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_bindings(path)
    assert str(path) in str(e.value) and expected in str(e.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _write(tmp_path, "deadzone: 0.1\nkeyboard: [unclosed\n")
    with pytest.raises(ConfigError, match=rf"{path.name}:\d+: not valid YAML"):
        load_bindings(path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_bindings(tmp_path / "none.yaml")
