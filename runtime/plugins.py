"""Plugin discovery through entry points, plus in-process registration.

Groups: `neuropuppet.controllers` and `neuropuppet.trainers`. Built-in plugins are registered in
neuropuppet's own pyproject.toml exactly like third-party ones. Discovery reads entry-point
metadata only; a plugin's module is imported when it is first used (or checked), never at listing.
A plugin that fails to import, declares another plugin-API version or lacks protocol members is
reported with its name and the reason; the others keep working.
"""
from __future__ import annotations

import importlib.metadata as md
import traceback
from dataclasses import dataclass, field
from typing import Any, Literal

from .controller import API_CHANGES, PLUGIN_API_VERSION, declaration_problems, missing_controller_attributes
from .errors import PluginError
from .trainer import missing_trainer_attributes

Kind = Literal["controller", "trainer"]
GROUPS: dict[str, str] = {"controller": "neuropuppet.controllers", "trainer": "neuropuppet.trainers"}


@dataclass
class PluginInfo:
    """One discovered plugin. `status` is "unchecked" until `load` or `check` imports it."""

    kind: str
    name: str
    target: str
    distribution: str
    version: str
    status: str = "unchecked"
    error: str = ""
    entry_point: Any = field(default=None, repr=False)
    obj: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


_registered: dict[str, dict[str, PluginInfo]] = {"controller": {}, "trainer": {}}


def register(kind: Kind, name: str, obj: Any) -> None:
    """Register a plugin class in-process (tests, or a game that ships its controller inline)."""
    _registered[kind][name] = PluginInfo(kind, name, f"{obj.__module__}:{obj.__qualname__}", "(in-process)", "-",
                                         obj=obj)


def unregister(kind: Kind, name: str) -> None:
    _registered[kind].pop(name, None)


def discover(kind: Kind) -> dict[str, PluginInfo]:
    """Every plugin of `kind` by name, from entry points and in-process registrations. Imports nothing."""
    found: dict[str, PluginInfo] = {}
    for ep in md.entry_points(group=GROUPS[kind]):
        dist = getattr(ep, "dist", None)
        found[ep.name] = PluginInfo(kind, ep.name, ep.value, dist.metadata["Name"] if dist else "?",
                                    dist.version if dist else "?", entry_point=ep)
    found.update(_registered[kind])
    return found


def _validate(info: PluginInfo, obj: Any) -> str:
    """Why `obj` is not a usable plugin of its kind ('' when it is)."""
    if not isinstance(obj, type):
        return f"entry point {info.target} is not a class"
    api = getattr(obj, "api_version", None)
    if api != PLUGIN_API_VERSION:
        why = f"declares plugin-API version {api!r}; this neuropuppet provides version {PLUGIN_API_VERSION}"
        if info.kind == "controller" and api in API_CHANGES:
            why += f" ({API_CHANGES[api]})"
        return why
    missing = (missing_controller_attributes if info.kind == "controller" else missing_trainer_attributes)(obj)
    if missing:
        return f"{obj.__qualname__} lacks {', '.join(missing)}"
    if info.kind == "controller":
        problems = declaration_problems(obj)
        if problems:
            return f"{obj.__qualname__}: " + "; ".join(problems)
    return ""


def check(info: PluginInfo) -> PluginInfo:
    """Import and validate one plugin, recording the outcome in `info.status` / `info.error`."""
    if info.obj is None and info.entry_point is not None:
        try:
            info.obj = info.entry_point.load()
        except Exception as e:  # a broken plugin must not take the others down
            last = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
            where = f" ({last.filename}:{last.lineno})" if last else ""
            info.status, info.error = "error", f"import failed: {type(e).__name__}: {e}{where}"
            return info
    problem = _validate(info, info.obj)
    info.status, info.error = ("error", problem) if problem else ("ok", "")
    return info


def load(kind: Kind, name: str) -> Any:
    """The plugin class called `name`; PluginError naming the plugin and the reason otherwise."""
    plugins = discover(kind)
    if name not in plugins:
        known = ", ".join(sorted(plugins)) or "none installed"
        raise PluginError(f"no {kind} plugin named {name!r} (available: {known})")
    info = check(plugins[name])
    if not info.ok:
        raise PluginError(f"{kind} plugin {name!r} from {info.distribution} {info.version} is unusable: {info.error}")
    return info.obj


def check_all() -> list[PluginInfo]:
    """Every plugin of both kinds, imported and validated, sorted by kind and name."""
    out = []
    for kind in GROUPS:
        out += [check(i) for _, i in sorted(discover(kind).items())]  # type: ignore[arg-type]
    return out
