"""The HUD: screen-aligned panels drawn over the scene (pygame.font renders each to a texture).

  stats   frame rate, tick time, network time (and the hero's phase), top-left
  bars    the hero's expert weights, one bar per expert labelled 1..K, top-right
  help    the controls of the controllers being played and the window's keys, centred

A panel's texture is rebuilt only when what it shows changes. `Hud.drawn` holds where each panel was
last drawn, in pixels (x, y, width, height from the top-left), for layout and tests.
"""
from __future__ import annotations

from typing import Callable, Sequence

import moderngl
import numpy as np
import pygame

from . import shaders
from .help import HelpSection

PANEL_BACKGROUND = (0, 0, 0, 150)
TEXT_COLOR = (255, 255, 255)
TITLE_COLOR = (120, 200, 255)
KEY_COLOR = (255, 225, 120)
BAR_COLOR = (255, 190, 40)
BAR_TRACK = (70, 70, 70, 200)
BAR_HEIGHT = 60          # pixels of a full (weight 1) bar
MARGIN = 8               # pixels between a panel and the viewport's edge


def text_surface(font: pygame.font.Font, lines: Sequence[str]) -> pygame.Surface:
    """Lines of white text on a translucent panel."""
    surfaces = [font.render(line, True, TEXT_COLOR) for line in lines]
    w = max(s.get_width() for s in surfaces) + 12
    h = sum(s.get_height() for s in surfaces) + 8
    canvas = pygame.Surface((w, h), pygame.SRCALPHA)
    canvas.fill(PANEL_BACKGROUND)
    y = 4
    for s in surfaces:
        canvas.blit(s, (6, y))
        y += s.get_height()
    return canvas


def bar_heights(values: np.ndarray, full: int = BAR_HEIGHT) -> tuple[int, ...]:
    """Pixel height of each weight's bar: weights in [0, 1] (scaled down by the largest when one exceeds 1)."""
    v = np.nan_to_num(np.asarray(values, np.float64).reshape(-1), nan=0.0, posinf=0.0, neginf=0.0).clip(min=0.0)
    top = v.max(initial=0.0)
    if top > 1.0:
        v = v / top
    return tuple(int(round(x * full)) for x in v)


def bars_surface(font: pygame.font.Font, heights: Sequence[int], title: str) -> pygame.Surface:
    """K bars of the given pixel heights over a track of BAR_HEIGHT, labelled 1..K (every n-th when crowded)."""
    k = len(heights)
    bar_w = int(np.clip(200 // max(k, 1), 3, 16))
    gap = max(1, bar_w // 4)
    head = font.render(title, True, TEXT_COLOR)
    every = int(np.ceil(k / 16)) if k > 16 else 1
    labels = {i: font.render(str(i + 1), True, TEXT_COLOR) for i in range(k) if i % every == 0 or i == k - 1}
    label_h = max((s.get_height() for s in labels.values()), default=0)
    w = max(head.get_width(), k * (bar_w + gap) - gap) + 12
    h = head.get_height() + BAR_HEIGHT + label_h + 14
    canvas = pygame.Surface((w, h), pygame.SRCALPHA)
    canvas.fill(PANEL_BACKGROUND)
    canvas.blit(head, (6, 4))
    base = 4 + head.get_height() + 3 + BAR_HEIGHT
    for i, bh in enumerate(heights):
        x = 6 + i * (bar_w + gap)
        canvas.fill(BAR_TRACK, pygame.Rect(x, base - BAR_HEIGHT, bar_w, BAR_HEIGHT))
        if bh > 0:
            canvas.fill(BAR_COLOR, pygame.Rect(x, base - bh, bar_w, bh))
        if i in labels:
            s = labels[i]
            canvas.blit(s, (x + (bar_w - s.get_width()) // 2, base + 3))
    return canvas


def help_surface(font: pygame.font.Font, sections: Sequence[HelpSection], header: str) -> pygame.Surface:
    """A two-column table: per section a title row, then (input, what it does) rows."""
    rows: list[tuple[pygame.Surface, pygame.Surface | None]] = [(font.render(header, True, TEXT_COLOR), None)]
    for s in sections:
        rows.append((font.render(s.title, True, TITLE_COLOR), None))
        rows += [(font.render(key, True, KEY_COLOR), font.render(action, True, TEXT_COLOR)) for key, action in s.rows]
    key_w = max(k.get_width() for k, a in rows if a is not None) if any(a for _, a in rows) else 0
    line_h = max(k.get_height() for k, _ in rows) + 2
    w = max(max(k.get_width() for k, a in rows if a is None),
            max((key_w + 16 + a.get_width() for _, a in rows if a is not None), default=0)) + 24
    h = line_h * len(rows) + 16
    canvas = pygame.Surface((w, h), pygame.SRCALPHA)
    canvas.fill((0, 0, 0, 190))
    y = 8
    for key, action in rows:
        indent = 12 if action is None else 12 + key_w - key.get_width()
        canvas.blit(key, (indent, y))
        if action is not None:
            canvas.blit(action, (12 + key_w + 16, y))
        y += line_h
    return canvas


class _Panel:
    """One texture shown as a screen-aligned quad; rebuilt when its content key changes."""

    def __init__(self) -> None:
        self.texture: moderngl.Texture | None = None
        self.key: object = None

    def update(self, ctx: moderngl.Context, key: object, build: Callable[[], pygame.Surface]) -> tuple[int, int]:
        if key != self.key or self.texture is None:
            surface = build()
            size = surface.get_size()
            if self.texture is None or self.texture.size != size:
                if self.texture is not None:
                    self.texture.release()
                self.texture = ctx.texture(size, 4)
                self.texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
            self.texture.write(pygame.image.tobytes(surface, "RGBA"))
            self.key = key
        return self.texture.size

    def release(self) -> None:
        if self.texture is not None:
            self.texture.release()
            self.texture = None


class Hud:
    """Draws the HUD's panels into the bound framebuffer (see module docstring)."""

    def __init__(self, ctx: moderngl.Context, size: int = 16) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.ctx = ctx
        self.font = pygame.font.Font(None, size + 4)
        self.small_font = pygame.font.Font(None, size)
        self.prog = shaders.program(ctx, shaders.HUD_VS, shaders.HUD_FS)
        quad = np.array([0, 0, 1, 0, 0, 1, 1, 1], np.float32)
        self._vbo = ctx.buffer(quad.tobytes())
        self._vao = ctx.vertex_array(self.prog, [(self._vbo, "2f", "in_uv")])
        self._panels: dict[str, _Panel] = {}
        self.drawn: dict[str, tuple[int, int, int, int]] = {}

    def draw(self, lines: Sequence[str], viewport: tuple[int, int]) -> None:
        """Text lines at the top-left of a viewport of size (width, height) pixels."""
        lines_t = tuple(lines)
        if lines_t:
            self._show("stats", lines_t, lambda: text_surface(self.font, lines_t), viewport,
                       lambda w, h, vw, vh: (MARGIN, MARGIN))

    def draw_bars(self, values: np.ndarray, viewport: tuple[int, int], title: str = "expert weights") -> None:
        """One bar per value (weights in [0, 1]), labelled 1..K, at the top-right."""
        heights = bar_heights(values)
        if heights:
            self._show("bars", (heights, title), lambda: bars_surface(self.small_font, heights, title), viewport,
                       lambda w, h, vw, vh: (vw - w - MARGIN, MARGIN))

    def draw_help(self, sections: Sequence[HelpSection], viewport: tuple[int, int],
                  header: str = "controls (F1 / H: close)") -> None:
        """The help panel, centred in the viewport."""
        key = (tuple(sections), header)
        self._show("help", key, lambda: help_surface(self.font, sections, header), viewport,
                   lambda w, h, vw, vh: (max((vw - w) // 2, 0), max((vh - h) // 2, 0)))

    def _show(self, name: str, key: object, build: Callable[[], pygame.Surface], viewport: tuple[int, int],
              place: Callable[[int, int, int, int], tuple[int, int]]) -> None:
        panel = self._panels.setdefault(name, _Panel())
        tw, th = panel.update(self.ctx, key, build)
        vw, vh = viewport
        x, y = place(tw, th, vw, vh)
        self.drawn[name] = (x, y, tw, th)
        x0, y1 = -1 + 2 * x / vw, 1 - 2 * y / vh
        self.prog["rect"].value = (x0, y1 - 2 * th / vh, x0 + 2 * tw / vw, y1)
        self.ctx.disable(moderngl.DEPTH_TEST)
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        assert panel.texture is not None
        panel.texture.use(0)
        self._vao.render(moderngl.TRIANGLE_STRIP)
        self.ctx.disable(moderngl.BLEND)
        self.ctx.enable(moderngl.DEPTH_TEST)

    def release(self) -> None:
        for panel in self._panels.values():
            panel.release()
        self._vao.release()
        self._vbo.release()
        self.prog.release()


def stats_lines(frame_seconds: float, tick_seconds: float, network_seconds: float, ticks: int,
                paused: bool) -> list[str]:
    """The HUD's text: frame rate, tick time and network (controller step) time."""
    fps = 1.0 / frame_seconds if frame_seconds > 0 else 0.0
    lines = [f"{fps:5.1f} fps   frame {frame_seconds * 1e3:5.1f} ms",
             f"tick {tick_seconds * 1e3:5.2f} ms   network {network_seconds * 1e3:5.2f} ms",
             f"tick #{ticks}" + ("   PAUSED (N: step)" if paused else "")]
    return lines
