"""Fixtures of the audio tests: generated tone files, and a mixer every test leaves closed."""
from __future__ import annotations

from pathlib import Path

import pytest

from audio_files import write_tone


@pytest.fixture
def tone_file(tmp_path):
    def make(ext: str = "wav", **kwargs) -> Path:
        name = f"tone_{kwargs.get('rate', 44100)}_{kwargs.get('channels', 2)}.{ext}"
        return write_tone(tmp_path / name, **kwargs)
    return make


@pytest.fixture
def mixer_closed():
    """Runs the test with pygame's mixer closed, and closes it again afterwards."""
    import pygame
    pygame.mixer.quit()
    yield
    pygame.mixer.quit()
