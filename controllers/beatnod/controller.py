"""BeatNodController: the `beatnod` plugin, a head that nods on the onsets of the music it hears.

A procedural baseline for music-driven controllers, written with neuropuppet's public API only. It
reads the host input `audio` (`neuropuppet.ports.AUDIO`: this tick's `AudioBlock`, never past the
playback position), finds onsets causally (`onsets.OnsetDetector`: spectral flux against a running
average, with a refractory period) and kicks a damped spring (`nod.DampedNod`) whose angle pitches
the neck and head forward: a nod, stronger for stronger onsets.

As a layer it adds the nod to the pose below (the body's neck and head, or a `lookat` layer under it:
`layers: [lookat, {name: beatnod, priority: 1}]`); alone (`neuropuppet play beatnod --audio song.ogg`)
it is a head on a neck. Every character of a group hears the same music, so the onsets are found
once per tick for the group; each character's nod has its own state (reset by index).

Options: sensitivity (3.0), floor (0.05), refractory_s (0.2), nod_deg (10), nod_hz (2.0),
damping (0.45), neck_split ((0.3, 0.2, 0.5): shares of the nod on Neck, Neck1, Head).
"""
from __future__ import annotations

import math
from typing import ClassVar, Sequence

import numpy as np
import torch

from neuropuppet import PLUGIN_API_VERSION, InputError, PoseBatch, Skeleton, TickInputs
from neuropuppet.controller import Procedural, character_indices
from neuropuppet.motion.rotations_torch import quat_mul
from neuropuppet.ports import AUDIO, InputSpec, OutputSpec

from .nod import DampedNod
from .onsets import OnsetDetector

SKELETON = Skeleton(
    # CMU names (as the PFNN skeleton has them), so the stack maps it onto such a body by name; Spine1,
    # the chest, is the root the neck hangs from (alone: at chest height above the ground)
    names=("Spine1", "Neck", "Neck1", "Head"),
    parents=np.array([-1, 0, 1, 2]),
    offsets=np.array([[0.0, 1.22, 0.0], [0.0, 0.18, 0.0], [0.0, 0.08, 0.0], [0.0, 0.08, 0.0]]),
)
CHAIN = ("Neck", "Neck1", "Head")


class BeatNodController(Procedural):
    """Nods the head on audio onsets (see module docstring)."""

    name: ClassVar[str] = "beatnod"
    api_version: ClassVar[int] = PLUGIN_API_VERSION
    description: ClassVar[str] = "procedural layer: the head nods on onsets found in the music"
    inputs: ClassVar[tuple[InputSpec, ...]] = (AUDIO,)
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        OutputSpec("onset_strength", (1,), "this tick's spectral flux over its running mean, in threshold units "
                                           "(1 = just an onset)", interpolation="none"),
        OutputSpec("onset", (1,), "1 on a tick where an onset was found, else 0", interpolation="none",
                   range=(0.0, 1.0)),
        OutputSpec("nod", (1,), "nod angle of neck and head together, radians (chin down positive)"),
    )
    controls: ClassVar[tuple[tuple[str, str], ...]] = (
        ("audio (--audio FILE)", "the music: the head nods on its onsets"),
    )
    layer_joints: ClassVar[tuple[str, ...]] = CHAIN
    layer_reads: ClassVar[tuple[str, ...]] = ("Spine1",)
    """It needs only the local rotations below (every layer gets them); the shortest chain to read."""

    def __init__(self, batch_size: int = 1, device: torch.device | str = "cpu", *, sensitivity: float = 3.0,
                 floor: float = 0.05, refractory_s: float = 0.2, nod_deg: float = 10.0, nod_hz: float = 2.0,
                 damping: float = 0.45, neck_split: Sequence[float] = (0.3, 0.2, 0.5), spacing: float = 0.6) -> None:
        if batch_size < 1:
            raise InputError(f"beatnod: batch_size must be at least 1, got {batch_size}")
        split = np.asarray(neck_split, np.float64)
        if split.shape != (3,) or (split < 0).any() or not np.isclose(split.sum(), 1.0):
            raise InputError(f"beatnod: neck_split must be three non-negative shares summing to 1, got {tuple(neck_split)}")
        self.skeleton = SKELETON
        self.batch_size = int(batch_size)
        self.device = torch.device(device)
        self.detector = OnsetDetector(sensitivity, floor, refractory_s=refractory_s)
        try:
            self.nod = DampedNod(self.batch_size, self.device, frequency_hz=nod_hz, damping=damping,
                                 peak=math.radians(nod_deg))
        except ValueError as e:
            raise InputError(f"beatnod: {e}") from None
        self._split = torch.tensor(split, dtype=torch.float32, device=self.device).view(1, 3)
        self._chain = [self.skeleton.index(j) for j in CHAIN]
        n = self.batch_size
        self._rest = PoseBatch.rest(self.skeleton, n, self.device)
        self._rest.root_position[:, 0] = (torch.arange(n, device=self.device) - (n - 1) / 2) * spacing
        self._pose = PoseBatch.rest(self.skeleton, n, self.device)
        self._onset = torch.zeros(n, 1, device=self.device)
        self._strength = torch.zeros(n, 1, device=self.device)


    def reset(self, indices: Sequence[int] | None = None) -> None:
        """Stop the nods of all characters (or `indices`); all: also forget the music heard so far."""
        if indices is None:
            self.detector.reset()
            self.nod.reset()
        else:
            self.nod.reset(character_rows(indices, self.batch_size, self.device, self.name))

    def step(self, inputs: TickInputs) -> PoseBatch:
        block = inputs.get("audio")
        heard = self.detector.feed(None if block is None else block.samples,
                                   0 if block is None else block.sample_rate, inputs.dt)
        kick = min(1.0, 0.5 + 0.25 * heard.strength) if heard.onset else 0.0    # stronger onsets nod deeper
        angle = self.nod.step(inputs.dt, kick)
        below = inputs.get("pose_below")
        base = below if below is not None else self._rest
        half = 0.5 * angle.unsqueeze(1) * self._split                          # [N, 3]: each joint's share
        zero = torch.zeros_like(half)
        pitch = torch.stack([torch.cos(half), torch.sin(half), zero, zero], dim=-1)   # about +X: chin down
        pose = self._pose
        pose.root_position, pose.root_rotation = base.root_position, base.root_rotation
        pose.local_positions = base.local_positions
        pose.local_rotations = base.local_rotations.clone()
        pose.local_rotations[:, self._chain] = quat_mul(base.local_rotations[:, self._chain], pitch)
        self._onset.fill_(1.0 if heard.onset else 0.0)
        self._strength.fill_(heard.strength)
        pose.extras["onset_strength"] = self._strength
        pose.extras["onset"] = self._onset
        pose.extras["nod"] = angle.unsqueeze(1)
        return pose


def character_rows(indices: Sequence[int], batch_size: int, device: torch.device, who: str) -> torch.Tensor:
    """Character indices as a long tensor (InputError naming `who` for a mask or an index out of range)."""
    return torch.tensor(character_indices(indices, batch_size, who), dtype=torch.long, device=device)
