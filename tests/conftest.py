"""Shared test set-up: one torch thread (2-core machines, parallel suites), no real audio/video devices."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import torch  # noqa: E402

torch.set_num_threads(1)

REPO = Path(__file__).resolve().parents[1]
SHARED_MOCAP = REPO.parent / "shared" / "data" / "mocap"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def shared_mocap() -> Path:
    if not SHARED_MOCAP.is_dir():
        pytest.skip(f"real motion-capture files not found at {SHARED_MOCAP} (shared data absent)")
    return SHARED_MOCAP
