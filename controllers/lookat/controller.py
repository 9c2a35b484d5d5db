"""LookAtController: the `lookat` plugin, head and eyes that turn toward a world point.

A procedural baseline for gaze controllers, written with neuropuppet's public API only. As a layer
(`runtime.spawn("pfnn", layers=["lookat"], inputs={"gaze_target": source})`) it owns the neck, the
head and two eyes; the eyes are joints a CMU body lacks, so the stack attaches them under the head
at this skeleton's rest offsets. Alone (`neuropuppet play lookat`) it is a head on a neck.

Each tick, for N characters at once:
  1. the neutral head: the head's world transform in the pose below (the body's; alone: the rest pose)
  2. the gaze shift: the target's (yaw, pitch) seen from the eyes, in the neutral head's frame
  3. the head's part: what is left beyond the first `eye_share` degrees (the eyes take small shifts
     alone, as people do), within the head's limits, followed by a slow critically damped spring
  4. the neck chain: the head's turn spread over Neck, Neck1 and Head (`neck_split`), in world space,
     and turned back into local rotations in the parent frames of the pose below
  5. the eyes: each aims at the target from its own position (so they converge on near targets),
     within the eyes' limits, through a fast spring; as the head arrives the eyes counter-rotate
Because step 1 reads the pose below every tick, the head keeps turning toward the target whatever
the body does (walking, turning, crouching).

Options (`layers: [{name: lookat, options: {...}}]`): eye_share_deg (15), head_limits_deg
((70, 35): yaw, pitch), eye_limits_deg ((35, 25)), head_smooth_s (0.25), eye_smooth_s (0.05),
neck_split ((0.35, 0.25, 0.4)), spacing (metres between characters when playing alone, 0.6), script
(True: compile the tick, `tick.look_at`, with TorchScript; False: run it eagerly).
"""
from __future__ import annotations

from typing import Any, ClassVar, Sequence

import numpy as np
import torch

from neuropuppet import PLUGIN_API_VERSION, InputError, PoseBatch, Skeleton, TickInputs
from neuropuppet.controller import Procedural, character_indices
from neuropuppet.artifacts import quiet_torchscript
from neuropuppet.motion.kinematics_torch import forward_kinematics
from neuropuppet.ports import GAZE_TARGET, InputSpec, OutputSpec

from .tick import look_at

SKELETON = Skeleton(
    # CMU names, as the PFNN skeleton has them: the stack maps these onto a body by name. Spine1 (the
    # chest) is the root: the frame the neck hangs from, read from the body, never written.
    names=("Spine1", "Neck", "Neck1", "Head", "LeftEye", "RightEye"),
    parents=np.array([-1, 0, 1, 2, 3, 3]),
    offsets=np.array([
        [0.0, 1.22, 0.0],           # alone: the chest's height above the ground
        [0.0, 0.18, 0.0], [0.0, 0.08, 0.0], [0.0, 0.08, 0.0],
        [0.032, 0.045, 0.085],      # left eye (+X is the character's left), at the face's surface
        [-0.032, 0.045, 0.085],
    ]),
)
CHAIN = ("Neck", "Neck1", "Head")
EYES = ("LeftEye", "RightEye")
STATE_KEYS = ("head", "head_velocity", "eyes", "eye_velocity", "eye_centre")   # in the order look_at returns them


class LookAtController(Procedural):
    """Head and eyes turn toward the `gaze_target` input within joint limits, smoothed (module docstring)."""

    name: ClassVar[str] = "lookat"
    api_version: ClassVar[int] = PLUGIN_API_VERSION
    description: ClassVar[str] = "procedural look-at layer: head and eyes turn toward the gaze target"
    inputs: ClassVar[tuple[InputSpec, ...]] = (GAZE_TARGET,)
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        OutputSpec("gaze_origin", (3,), "midpoint between the eyes, world metres"),
        OutputSpec("gaze_direction", (3,), "where the eyes look: unit world vector (mean of both eyes)"),
        OutputSpec("head_angles", (2,), "head turn (yaw, pitch) over the body's head, radians"),
        OutputSpec("eye_angles", (2,), "eyes in the head (yaw, pitch; mean of both eyes), radians"),
        OutputSpec("gaze_error", (1,), "angle between the gaze and the target, radians", range=(0.0, np.pi)),
    )
    controls: ClassVar[tuple[tuple[str, str], ...]] = (
        ("gaze_target (mouse pointer; --target)", "the point the head and eyes turn toward"),
    )
    layer_joints: ClassVar[tuple[str, ...]] = CHAIN + EYES
    layer_reads: ClassVar[tuple[str, ...]] = ("Spine1",) + CHAIN

    def __init__(self, batch_size: int = 1, device: torch.device | str = "cpu", *, eye_share_deg: float = 15.0,
                 head_limits_deg: Sequence[float] = (70.0, 35.0), eye_limits_deg: Sequence[float] = (35.0, 25.0),
                 head_smooth_s: float = 0.25, eye_smooth_s: float = 0.05,
                 neck_split: Sequence[float] = (0.35, 0.25, 0.4), spacing: float = 0.6, script: bool = True) -> None:
        if batch_size < 1:
            raise InputError(f"lookat: batch_size must be at least 1, got {batch_size}")
        split = np.asarray(neck_split, np.float64)
        if split.shape != (3,) or (split < 0).any() or not np.isclose(split.sum(), 1.0):
            raise InputError(f"lookat: neck_split must be three non-negative shares of the head's turn summing "
                             f"to 1 (Neck, Neck1, Head), got {tuple(neck_split)}")
        if len(head_limits_deg) != 2 or len(eye_limits_deg) != 2:
            raise InputError("lookat: head_limits_deg and eye_limits_deg are (yaw, pitch) pairs of degrees")
        if not head_smooth_s > 0 or not eye_smooth_s > 0 or not eye_share_deg >= 0:
            raise InputError("lookat: head_smooth_s and eye_smooth_s must be positive, eye_share_deg non-negative")
        self.skeleton = SKELETON
        if script:                       # one compiled call per tick (about 1.6x faster than eager on a CPU)
            with quiet_torchscript():
                self._look_at = torch.jit.script(look_at)
        else:
            self._look_at = look_at
        self.batch_size = int(batch_size)
        self.device = torch.device(device)
        self.eye_share = float(np.radians(eye_share_deg))
        self.head_limits = torch.tensor(np.radians(head_limits_deg), dtype=torch.float32, device=self.device)
        self.eye_limits = torch.tensor(np.radians(eye_limits_deg), dtype=torch.float32, device=self.device)
        self.head_smooth_s, self.eye_smooth_s = float(head_smooth_s), float(eye_smooth_s)
        n, dev = self.batch_size, self.device
        reach = np.cumsum(split)                             # how much of the head's turn each joint has done
        reach[-1] = 1.0
        self._reach = torch.tensor(reach, dtype=torch.float32, device=dev).view(1, 3, 1)
        sk = self.skeleton
        self._chain = [sk.index(j) for j in CHAIN]
        self._eyes = [sk.index(j) for j in EYES]
        offsets = torch.as_tensor(sk.offsets, device=dev)
        self._eye_offsets = offsets[self._eyes]                      # [2, 3] in the head's frame
        self._eye_mid = self._eye_offsets.mean(0)
        # alone, the body below is this skeleton's rest pose, characters in a row along X
        self._rest = PoseBatch.rest(sk, n, dev)
        self._rest.root_position[:, 0] = (torch.arange(n, device=dev) - (n - 1) / 2) * spacing
        wp, wr = forward_kinematics(sk.parents.tolist(), self._rest.local_positions, self._rest.local_rotations,
                                    self._rest.root_position, self._rest.root_rotation)
        self._rest_chain = (wr[:, 0], wp[:, self._chain], wr[:, self._chain])
        self._pose = PoseBatch.rest(sk, n, dev)
        self._pose.root_position.copy_(self._rest.root_position)
        # per-character smoothing state: head (yaw, pitch) over the neutral head, each eye's (yaw, pitch)
        # in the head, their velocities, and where the eyes sat in the neutral head's frame last tick
        self.state = {
            "head": torch.zeros(n, 2, device=dev), "head_velocity": torch.zeros(n, 2, device=dev),
            "eyes": torch.zeros(n, 2, 2, device=dev), "eye_velocity": torch.zeros(n, 2, 2, device=dev),
            "eye_centre": self._eye_mid.expand(n, 3).clone(),
        }

    # -- plugin protocol -------------------------------------------------------------------------

    def reset(self, indices: Sequence[int] | None = None) -> None:
        """Head and eyes of all characters (or `indices`) back to neutral; they turn to the target anew."""
        rows = slice(None) if indices is None else character_rows(indices, self.batch_size, self.device, self.name)
        for key in ("head", "head_velocity", "eyes", "eye_velocity"):
            self.state[key][rows] = 0.0
        self.state["eye_centre"][rows] = self._eye_mid

    def step(self, inputs: TickInputs) -> PoseBatch:
        below = inputs.get("pose_below")
        base = below if below is not None else self._rest
        chest_q, chain_p, chain_q = self._chain_below(below)
        s = self.state
        local_q, eye_q, origin, direction, error, *state = self._look_at(
            inputs["gaze_target"], chest_q, chain_p, chain_q, base.local_positions[:, self._chain[1:]],
            s["head"], s["head_velocity"], s["eyes"], s["eye_velocity"], s["eye_centre"], self._eye_offsets,
            self._reach, self.head_limits, self.eye_limits, self.eye_share, self.head_smooth_s, self.eye_smooth_s,
            inputs.dt)
        for key, value in zip(STATE_KEYS, state):
            s[key].copy_(value)                 # in place: the tensors reset() writes stay the state

        pose = self._pose
        pose.root_position, pose.root_rotation = base.root_position, base.root_rotation
        pose.local_positions = base.local_positions.clone()
        pose.local_positions[:, self._eyes] = self._eye_offsets
        pose.local_rotations = base.local_rotations.clone()
        pose.local_rotations[:, self._chain] = local_q
        pose.local_rotations[:, self._eyes] = eye_q
        pose.extras["gaze_origin"] = origin
        pose.extras["gaze_direction"] = direction
        pose.extras["head_angles"] = s["head"]
        pose.extras["eye_angles"] = s["eyes"].mean(1)
        pose.extras["gaze_error"] = error
        return pose

    # -- helpers ---------------------------------------------------------------------------------
    def _chain_below(self, below: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """World rotation of the chest [N, 4], world positions [N, 3, 3] and rotations [N, 3, 4] of Neck,
        Neck1 and Head in the pose below (alone: in this skeleton's rest pose)."""
        if below is None:
            return self._rest_chain
        chest_q = below.world_rotations[:, 0]
        return chest_q, below.world_positions[:, self._chain], below.world_rotations[:, self._chain]


def character_rows(indices: Sequence[int], batch_size: int, device: torch.device, who: str) -> torch.Tensor:
    """Character indices as a long tensor (InputError naming `who` for a mask or an index out of range)."""
    return torch.tensor(character_indices(indices, batch_size, who), dtype=torch.long, device=device)
