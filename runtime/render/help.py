"""The on-screen help's content: the controls each played controller declares, then the window's own keys.

A controller (body or layer) declares `controls = (("left stick / WASD", "move, relative to the camera"), ...)`;
`help_sections(runtime.groups)` collects them per character group, in the order the groups were spawned.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

Control = tuple[str, str]

WINDOW_CONTROLS: tuple[Control, ...] = (
    ("right stick / IJKL / mouse drag", "orbit the camera"),
    ("mouse wheel", "zoom"),
    ("R3 / T", "right stick: camera / gaze target"),
    ("F3 / V", "camera: follow / face"),
    ("P", "pause / resume"),
    ("N", "one tick while paused"),
    ("F2 / O", "debug overlays on / off"),
    ("F1 / H", "this help on / off"),
    ("Esc", "quit"),
)
"""Keys the window itself handles, whatever is being played."""


@dataclass(frozen=True)
class HelpSection:
    """One block of the help panel: a title and its (input, what it does) rows."""

    title: str
    rows: tuple[Control, ...]


def declared_controls(controller: Any) -> tuple[Control, ...]:
    """A controller's (or layer's) `controls` as (input, action) string pairs; () when it declares none.

    A malformed entry is shown as its text rather than hidden (the help never stops the window).
    """
    raw = getattr(controller, "controls", ()) or ()
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        return ((str(raw), ""),)
    rows = []
    for entry in raw:
        if isinstance(entry, (tuple, list)) and len(entry) == 2:
            rows.append((str(entry[0]), str(entry[1])))
        else:
            rows.append((str(entry), ""))
    return tuple(rows)


def group_controls(group: Any) -> tuple[Control, ...]:
    """The controls of a group's body controller, then of each of its layers (`group.layers`), no repeats."""
    parts = [getattr(group, "controller", group)]
    parts += [getattr(layer, "controller", layer) for layer in getattr(group, "layers", ()) or ()]
    return tuple(dict.fromkeys(row for part in parts for row in declared_controls(part)))


def group_title(group: Any) -> str:
    """What the help calls a group: its stack's name ("pfnn+lookat"), else its controller's name."""
    name = getattr(group, "name", None) or getattr(getattr(group, "controller", None), "name", None)
    return str(name or type(group).__name__)


def help_sections(groups: Iterable[Any], window: bool = True) -> list[HelpSection]:
    """One section per distinct played stack (groups of the same stack and controls are listed once),
    then the window's keys when `window`."""
    sections: list[HelpSection] = []
    for group in groups:
        section = HelpSection(group_title(group), group_controls(group) or (("(no controls declared)", ""),))
        if section not in sections:
            sections.append(section)
    if window:
        sections.append(HelpSection("window", WINDOW_CONTROLS))
    return sections


def help_lines(sections: Iterable[HelpSection]) -> list[str]:
    """The help as plain text lines (a title line per section, then "input: action" rows)."""
    lines = []
    for s in sections:
        lines.append(s.title)
        lines += [f"  {key}: {action}" if action else f"  {key}" for key, action in s.rows]
    return lines


__all__ = ["WINDOW_CONTROLS", "HelpSection", "declared_controls", "group_controls", "group_title", "help_sections",
           "help_lines"]
