"""A text HUD (frame rate, tick time, network time): pygame.font renders lines to a texture drawn as a quad."""
from __future__ import annotations

import moderngl
import numpy as np
import pygame

from . import shaders


class Hud:
    """Draws a few lines of text in the top-left corner of the bound framebuffer."""

    def __init__(self, ctx: moderngl.Context, size: int = 16) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.ctx = ctx
        self.font = pygame.font.Font(None, size + 4)
        self.prog = shaders.program(ctx, shaders.HUD_VS, shaders.HUD_FS)
        quad = np.array([0, 0, 1, 0, 0, 1, 1, 1], np.float32)
        self._vbo = ctx.buffer(quad.tobytes())
        self._vao = ctx.vertex_array(self.prog, [(self._vbo, "2f", "in_uv")])
        self._texture: moderngl.Texture | None = None
        self._text: tuple[str, ...] = ()

    def _update(self, lines: tuple[str, ...]) -> None:
        surfaces = [self.font.render(line, True, (255, 255, 255)) for line in lines]
        w = max(s.get_width() for s in surfaces) + 12
        h = sum(s.get_height() for s in surfaces) + 8
        canvas = pygame.Surface((w, h), pygame.SRCALPHA)
        canvas.fill((0, 0, 0, 140))
        y = 4
        for s in surfaces:
            canvas.blit(s, (6, y))
            y += s.get_height()
        data = pygame.image.tobytes(canvas, "RGBA")
        if self._texture is None or self._texture.size != (w, h):
            if self._texture is not None:
                self._texture.release()
            self._texture = self.ctx.texture((w, h), 4)
        self._texture.write(data)
        self._text = lines

    def draw(self, lines: list[str], viewport: tuple[int, int]) -> None:
        """Draw `lines` at the top-left of a viewport of size (width, height) pixels."""
        lines_t = tuple(lines)
        if not lines_t:
            return
        if lines_t != self._text:
            self._update(lines_t)
        assert self._texture is not None
        vw, vh = viewport
        tw, th = self._texture.size
        x0, y1 = -1 + 16 / vw, 1 - 16 / vh
        self.prog["rect"].value = (x0, y1 - 2 * th / vh, x0 + 2 * tw / vw, y1)
        self.ctx.disable(moderngl.DEPTH_TEST)
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self._texture.use(0)
        self._vao.render(moderngl.TRIANGLE_STRIP)
        self.ctx.disable(moderngl.BLEND)
        self.ctx.enable(moderngl.DEPTH_TEST)

    def release(self) -> None:
        if self._texture is not None:
            self._texture.release()
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
