"""The on-screen help's list: each played stack's declared controls, then the window's own keys."""
from __future__ import annotations

from types import SimpleNamespace

import neuropuppet as npp
from neuropuppet.render.help import WINDOW_CONTROLS, HelpSection, declared_controls, help_lines, help_sections

import stick_figure


def test_a_played_controllers_declared_controls_come_first_then_the_window_keys():
    stick_figure.register()
    rt = npp.Runtime()
    rt.spawn("stick")
    sections = help_sections(rt.groups)
    assert sections[0] == HelpSection("stick", stick_figure.StickFigure.controls)
    assert sections[-1] == HelpSection("window", WINDOW_CONTROLS)
    keys = [key for key, _ in WINDOW_CONTROLS]
    assert "F1 / H" in keys and "F2 / O" in keys and "Esc" in keys and "P" in keys and "N" in keys
    assert "  left stick / WASD: move, relative to the camera" in help_lines(sections)


def test_layers_add_their_controls_after_the_body_and_repeats_are_dropped():
    body = SimpleNamespace(name="walker", controls=(("left stick", "walk"), ("A", "jump")))
    gaze = SimpleNamespace(name="lookat", controls=(("mouse", "what to look at"), ("A", "jump")))
    group = SimpleNamespace(name="walker+lookat", controller=body, layers=[SimpleNamespace(name="lookat", controller=gaze)])
    crowd = SimpleNamespace(name="walker+lookat", controller=body, layers=[SimpleNamespace(name="lookat", controller=gaze)])
    sections = help_sections([group, crowd], window=False)
    assert sections == [HelpSection("walker+lookat", (("left stick", "walk"), ("A", "jump"),
                                                      ("mouse", "what to look at")))]


def test_controllers_without_or_with_malformed_controls_still_get_a_section():
    silent = SimpleNamespace(name="silent", controller=SimpleNamespace(name="silent"))
    odd = SimpleNamespace(name="odd", controller=SimpleNamespace(controls=("just text", ("x", "y", "z"), ("ok", 3))))
    sections = help_sections([silent, odd], window=False)
    assert sections[0] == HelpSection("silent", (("(no controls declared)", ""),))
    assert sections[1].rows == (("just text", ""), ("('x', 'y', 'z')", ""), ("ok", "3"))
    assert declared_controls(SimpleNamespace(controls="bare string")) == (("bare string", ""),)
