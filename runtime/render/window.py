"""A resizable pygame-ce window with an OpenGL 3.3 core context, wrapped by moderngl."""
from __future__ import annotations

import os

import moderngl
import pygame

from .context import RenderError


def display_available() -> bool:
    """True when an X11 or Wayland display is named in the environment."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class Window:
    """Owns the OS window and its GL context; `resize` follows VIDEORESIZE/WINDOWSIZECHANGED events."""

    def __init__(self, width: int = 1280, height: int = 720, title: str = "neuropuppet", vsync: bool = False) -> None:
        if not display_available():
            raise RenderError("no display: DISPLAY / WAYLAND_DISPLAY are unset. Use `neuropuppet render NAME "
                              "--out demo.gif` to render offscreen, or `play --headless`.")
        pygame.display.init()
        pygame.font.init()
        pygame.display.gl_set_attribute(pygame.GL_CONTEXT_MAJOR_VERSION, 3)
        pygame.display.gl_set_attribute(pygame.GL_CONTEXT_MINOR_VERSION, 3)
        pygame.display.gl_set_attribute(pygame.GL_CONTEXT_PROFILE_MASK, pygame.GL_CONTEXT_PROFILE_CORE)
        pygame.display.gl_set_attribute(pygame.GL_DEPTH_SIZE, 24)
        pygame.display.gl_set_attribute(pygame.GL_DOUBLEBUFFER, 1)
        flags = pygame.OPENGL | pygame.DOUBLEBUF | pygame.RESIZABLE
        try:
            pygame.display.set_mode((width, height), flags, vsync=int(vsync))
            self.ctx = moderngl.create_context(require=330)
        except (pygame.error, Exception) as e:
            pygame.display.quit()
            raise RenderError(f"cannot open an OpenGL 3.3 window ({type(e).__name__}: {e}). "
                              "Use `neuropuppet render NAME --out demo.gif` to render offscreen.") from None
        pygame.display.set_caption(title)
        self.size = (width, height)
        self.ctx.viewport = (0, 0, width, height)

    @property
    def aspect(self) -> float:
        return self.size[0] / max(self.size[1], 1)

    def handle_event(self, event: pygame.event.Event) -> bool:
        """Apply a resize event; True when the size changed."""
        if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            w, h = (event.w, event.h) if event.type == pygame.VIDEORESIZE else (event.x, event.y)
            if (w, h) != self.size and w > 0 and h > 0:
                self.size = (w, h)
                self.ctx.viewport = (0, 0, w, h)
                return True
        return False

    def use(self) -> None:
        """Bind the window's default framebuffer at the window size."""
        self.ctx.screen.use()
        self.ctx.viewport = (0, 0, *self.size)

    def read(self) -> "object":
        """The back buffer as uint8 [height, width, 3] (before `swap`), top row first."""
        import numpy as np
        w, h = self.size
        data = self.ctx.screen.read(viewport=(0, 0, w, h), components=3, alignment=1)
        return np.frombuffer(data, np.uint8).reshape(h, w, 3)[::-1].copy()

    def swap(self) -> None:
        pygame.display.flip()

    def close(self) -> None:
        self.ctx.release()
        pygame.display.quit()
