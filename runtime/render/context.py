"""GL contexts and offscreen targets: an EGL standalone context for headless work, read-back framebuffers."""
from __future__ import annotations

import moderngl
import numpy as np

from ..errors import NeuropuppetError


class RenderError(NeuropuppetError):
    """No usable OpenGL context (no display, no EGL driver) or a GL resource failed."""


def create_offscreen_context() -> moderngl.Context:
    """A standalone OpenGL 3.3 core context through EGL (works with no display; Mesa llvmpipe on CPU)."""
    try:
        ctx = moderngl.create_context(standalone=True, backend="egl", require=330)
    except Exception as e:
        raise RenderError(f"cannot create an offscreen OpenGL context through EGL ({type(e).__name__}: {e}); "
                          "install Mesa's EGL driver (apt install libegl1 libgl1-mesa-dri)") from None
    return ctx


class OffscreenTarget:
    """A colour + depth framebuffer of fixed size that renders are read back from as RGB arrays."""

    def __init__(self, ctx: moderngl.Context, width: int, height: int, samples: int = 0) -> None:
        if width < 16 or height < 16:
            raise RenderError(f"frame size must be at least 16x16, got {width}x{height}")
        self.ctx, self.size = ctx, (int(width), int(height))
        self.fbo = ctx.simple_framebuffer(self.size, components=4)

    def use(self) -> None:
        self.fbo.use()
        self.ctx.viewport = (0, 0, *self.size)

    def read(self) -> np.ndarray:
        """The frame as uint8 [height, width, 3], top row first."""
        w, h = self.size
        data = self.fbo.read(components=3, alignment=1)
        return np.frombuffer(data, np.uint8).reshape(h, w, 3)[::-1].copy()

    def release(self) -> None:
        self.fbo.release()
