"""A controller that computes nothing: it measures the runtime's own per-tick overhead.

Its root follows the left stick (so input flows end to end), every joint stays at rest. Not a
registered plugin; `neuropuppet bench runtime` and the tests use it directly.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from .controller import PLUGIN_API_VERSION, Procedural
from .motion.skeleton import Skeleton
from .pose import PoseBatch
from .ports import GAMEPAD, TickInputs

STICK_SKELETON = Skeleton(
    ("hips", "spine", "head", "left_leg", "left_foot", "right_leg", "right_foot"),
    np.array([-1, 0, 1, 0, 3, 0, 5]),
    np.array([[0, 0.9, 0], [0, 0.3, 0], [0, 0.4, 0], [0.1, -0.05, 0], [0, -0.8, 0], [-0.1, -0.05, 0], [0, -0.8, 0]]),
)


class NullController(Procedural):
    """Moves each root at `speed` m/s along its left stick; no network."""

    name = "null"
    api_version = PLUGIN_API_VERSION
    inputs = (GAMEPAD,)
    outputs = ()
    description = "no network: root follows the left stick (runtime overhead benchmark)"

    def __init__(self, batch_size: int = 1, device: torch.device | str = "cpu", speed: float = 2.0) -> None:
        self.skeleton = STICK_SKELETON
        self.batch_size = batch_size
        self.device = torch.device(device)
        self.speed = speed
        self.pose = PoseBatch.rest(self.skeleton, batch_size, self.device)


    def reset(self, indices: Sequence[int] | None = None) -> None:
        if indices is None:
            self.pose.root_position.zero_()
        else:
            self.pose.root_position[list(indices)] = 0.0

    def step(self, inputs: TickInputs) -> PoseBatch:
        pads = inputs.get("gamepad")
        if pads is not None:
            # stick x -> world +x, stick y (forward) -> world +z
            self.pose.root_position[:, 0].add_(pads[:, 0], alpha=self.speed * inputs.dt)
            self.pose.root_position[:, 2].add_(pads[:, 1], alpha=self.speed * inputs.dt)
        return self.pose
