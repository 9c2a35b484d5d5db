"""YAML configuration into typed dataclasses, with errors that name the file, the key and the expectation.

    cfg = load_config(MyConfig, "scene.yaml")     # or load_dataclass(MyConfig, mapping, source="...")
    cfg = load_config(MyConfig, None, overrides=["lr=3e-4", "net.hidden=256"])   # command-line KEY=VALUE
    print(dump_config(cfg))                        # defaults as YAML

Only `yaml.safe_load` is used. Unknown keys and wrong types raise `ConfigError`.
"""
from __future__ import annotations

import dataclasses
import re
import types
import typing
from pathlib import Path
from typing import Any, Literal, Sequence, TypeVar, Union

import yaml

from .errors import ConfigError

T = TypeVar("T")
_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file safely; ConfigError with line and column on a syntax error."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e)
        raise ConfigError(f"{path}:{where}: YAML syntax error: {problem}") from None


def load_config(cls: type[T], path: str | Path | None, overrides: Sequence[str] = ()) -> T:
    """Read `path` (YAML; None: the defaults) into dataclass `cls`, then apply `overrides` ("KEY=VALUE",
    a dotted KEY for a nested dataclass, VALUE read as YAML); an empty file gives the defaults."""
    data = (read_yaml(path) or {}) if path is not None else {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: top level: expected a mapping, got {_type_name(data)}")
    for item in overrides:
        set_override(data, item)
    source = str(path) if path is not None else "<defaults>"
    if overrides:
        source += " with --set " + " ".join(overrides)
    return load_dataclass(cls, data, source=source)


def set_override(data: dict, item: str) -> None:
    """Set one "KEY=VALUE" override in the config mapping `data` (dotted keys nest; VALUE parsed as YAML)."""
    key, eq, text = item.partition("=")
    if not eq or not key.strip():
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. lr=3e-4")
    try:
        value = yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        value = text
    *parents, last = [k.strip() for k in key.split(".")]
    node = data
    for k in parents:
        child = node.setdefault(k, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {item!r}: {k!r} is not a section")
        node = child
    node[last] = value


def load_dataclass(cls: type[T], data: Any, source: str = "<config>", _prefix: str = "") -> T:
    """Build dataclass `cls` from a mapping, checking keys and value types."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: {_prefix or 'top level'}: expected a mapping, got {_type_name(data)}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    unknown = [k for k in data if k not in known]
    if unknown:
        key = _prefix + str(unknown[0])
        raise ConfigError(f"{source}: unknown key {key!r}; expected one of: {', '.join(known)}")
    kwargs = {name: _convert(hints[name], value, source, _prefix + name) for name, value in data.items()}
    missing = [n for n, f in known.items() if n not in kwargs and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ConfigError(f"{source}: missing required key {_prefix + missing[0]!r}")
    return cls(**kwargs)


def _type_name(v: Any) -> str:
    return "null" if v is None else type(v).__name__


def _convert(tp: Any, value: Any, source: str, key: str) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    fail = lambda what: ConfigError(f"{source}: key {key!r}: expected {what}, got {_type_name(value)} {value!r}")  # noqa: E731
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _convert(a, value, source, key)
            except ConfigError as e:
                errors.append(e)
        raise fail(" or ".join(_describe(a) for a in args))
    if origin is Literal:
        if value in args:
            return value
        raise fail("one of " + ", ".join(repr(a) for a in args))
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise fail("a mapping")
        return load_dataclass(tp, value, source, key + ".")
    if origin in (list, tuple, typing.Sequence) or tp in (list, tuple):
        if not isinstance(value, list):
            raise fail(_describe(tp))
        item = args[0] if args else Any
        items = [_convert(item, v, source, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if (origin or tp) is tuple else items
    if origin is dict or tp is dict:
        if not isinstance(value, dict):
            raise fail("a mapping")
        vt = args[1] if args else Any
        return {k: _convert(vt, v, source, f"{key}.{k}") for k, v in value.items()}
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise fail("true or false")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise fail("an integer")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and _EXPONENT.fullmatch(value.strip()):
            return float(value)          # YAML 1.1 reads 3e-4 (no dot) as a string
        raise fail("a number")
    if tp is str:
        if isinstance(value, str):
            return value
        raise fail("a string")
    if tp is Path:
        if isinstance(value, str):
            return Path(value)
        raise fail("a path string")
    return value


def _describe(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (list, tuple) or tp in (list, tuple):
        return "a list"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string", Path: "a path string",
            type(None): "null"}.get(tp, getattr(tp, "__name__", str(tp)))


def config_to_dict(cfg: Any) -> Any:
    """Plain YAML-ready data (paths as strings, tuples as lists)."""
    if dataclasses.is_dataclass(cfg):
        return {f.name: config_to_dict(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}
    if isinstance(cfg, (list, tuple)):
        return [config_to_dict(v) for v in cfg]
    if isinstance(cfg, dict):
        return {k: config_to_dict(v) for k, v in cfg.items()}
    if isinstance(cfg, Path):
        return str(cfg)
    return cfg


def dump_config(cfg: Any) -> str:
    """YAML text of a config dataclass (field order kept)."""
    return yaml.safe_dump(config_to_dict(cfg), sort_keys=False)
