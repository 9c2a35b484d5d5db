"""GazeController: the `gaze` plugin, a recurrent network's head, eyes and blinks toward a gaze target.

As a layer (`neuropuppet play pfnn --layers gaze`, `runtime.spawn("pfnn", layers=["gaze"], ...)`) it
owns the neck, the head, two eyes and two eyelids (the eyes and lids are joints a CMU body lacks: the
stack adds them under the head at this skeleton's rest offsets). Alone (`neuropuppet play gaze`) it is
a head on a neck, like `lookat`, whose skeleton it extends with the lids.

Each tick, for N characters at once:
  1. the neutral head: the head's world transform in the pose below (alone: the rest pose), and its
     turn rate since last tick
  2. the target (held at its last valid value when NaN, infinite or at the eyes) seen from the eye
     centre in the neutral head's frame -> the network's features (features.py)
  3. the network (one recurrent tick, state per character) -> head (yaw, pitch) over the neutral head,
     each eye's (yaw, pitch) in the head, a blink hazard; angles clamped to the joint ranges
  4. the head's turn spread over Neck, Neck1 and Head (`neck_split`), local rotations in the frames of
     the pose below; the eyes' local rotations; the lids from the blink process (blinks.py), as joints
     (rotation about +X of closure x EYELID_CLOSED_DEG) and as the `eyelid_closure` output

Options: lod (False; True: the shipped small network for crowds), neck_split ((0.35, 0.25, 0.4)),
seed (0: characters' blink draws), spacing (metres between characters alone, 0.6), engine ("auto": the
compiled CPU tick (native.py) on the CPU up to NATIVE_MAX_WORK characters x cell weights, else the torch
tick; "torch"; "native").
The network was trained at 60 ticks per second; other rates run, with saccades timed in ticks.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
import torch

from neuropuppet import PLUGIN_API_VERSION, InputError, PoseBatch, Skeleton, TickInputs
from neuropuppet.artifacts import Artifact, load_artifact
from neuropuppet.controller import character_indices
from neuropuppet.controllers.lookat import SKELETON as LOOKAT_SKELETON
from neuropuppet.errors import ArtifactError
from neuropuppet.kernels.views import HostViews
from neuropuppet.motion.kinematics_torch import forward_kinematics
from neuropuppet.motion.rotations_torch import quat_exp, quat_inv, quat_log, quat_mul, quat_rotate
from neuropuppet.motion.synth.gaze import EYE_LIMITS_DEG, EYELID_CLOSED_DEG, HEAD_LIMITS_DEG
from neuropuppet.nn import RecurrentState
from neuropuppet.ports import GAZE_TARGET, InputSpec, OutputSpec

from . import native
from .blinks import advance_blinks
from .features import MIN_DISTANCE, heading, wrap_angle
from .geometry import gaze_inputs, looks_along, quat_from_yaw_pitch, target_in_head

DEFAULT_DIR = Path(__file__).resolve().parent / "default"
CHAIN = ("Neck", "Neck1", "Head")
EYES = ("LeftEye", "RightEye")
LIDS = ("LeftEyelid", "RightEyelid")
ENGINES = ("auto", "torch", "native")
NATIVE_MAX_WORK = 16_000_000  # "auto": the compiled tick while characters x cell weights stay below (LSTM-128: ~230
#                              characters, GRU-16: ~14000; torch's batched matmuls win beyond, measured)
SKELETON = Skeleton(
    names=LOOKAT_SKELETON.names + LIDS,
    parents=np.concatenate([LOOKAT_SKELETON.parents, [3, 3]]),
    offsets=np.concatenate([LOOKAT_SKELETON.offsets, LOOKAT_SKELETON.offsets[4:6]]),
)


class GazeController:
    """Head, eyes and eyelids from a recurrent network looking at `gaze_target` (module docstring)."""

    name: ClassVar[str] = "gaze"
    api_version: ClassVar[int] = PLUGIN_API_VERSION
    description: ClassVar[str] = "recurrent gaze layer: head, eyes and blinks that look at the gaze target"
    inputs: ClassVar[tuple[InputSpec, ...]] = (GAZE_TARGET,)
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        OutputSpec("gaze_origin", (3,), "midpoint between the eyes, world metres"),
        OutputSpec("gaze_direction", (3,), "where the eyes look: unit world vector (mean of both eyes)"),
        OutputSpec("eyelid_closure", (2,), "lid closure, 0 open .. 1 closed (left, right eye)", joints=EYES,
                   range=(0.0, 1.0)),
        OutputSpec("head_angles", (2,), "head turn (yaw, pitch) over the body's head, radians"),
        OutputSpec("eye_angles", (2,), "eyes in the head (yaw, pitch; mean of both eyes), radians"),
        OutputSpec("gaze_target", (3,), "the point looked at (the last usable one while the input is not), world "
                   "metres"),
        OutputSpec("gaze_error", (1,), "angle between the gaze and the target, radians", range=(0.0, float(np.pi))),
        OutputSpec("blink_hazard", (1,), "the network's probability of a blink starting this tick",
                   interpolation="none", range=(0.0, 1.0)),
    )
    controls: ClassVar[tuple[tuple[str, str], ...]] = (
        ("gaze_target (mouse pointer; --target)", "the point the eyes and head turn toward"),
    )
    layer_joints: ClassVar[tuple[str, ...]] = CHAIN + EYES + LIDS
    layer_reads: ClassVar[tuple[str, ...]] = ("Spine1",) + CHAIN

    def __init__(self, network: torch.jit.ScriptModule | torch.nn.Module, *, hidden: int, layers: int,
                 state_width: int, batch_size: int = 1, device: torch.device | str = "cpu",
                 neck_split: Sequence[float] = (0.35, 0.25, 0.4), seed: int = 0, spacing: float = 0.6,
                 engine: str = "auto") -> None:
        if engine not in ENGINES:
            raise InputError(f"gaze: engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        if batch_size < 1:
            raise InputError(f"gaze: batch_size must be at least 1, got {batch_size}")
        split = np.asarray(neck_split, np.float64)
        if split.shape != (3,) or (split < 0).any() or not np.isclose(split.sum(), 1.0):
            raise InputError(f"gaze: neck_split must be three non-negative shares of the head's turn summing "
                             f"to 1 (Neck, Neck1, Head), got {tuple(neck_split)}")
        self.network = network
        self.skeleton = SKELETON
        self.batch_size, self.device = int(batch_size), torch.device(device)
        n, dev, sk = self.batch_size, self.device, SKELETON
        reach = np.cumsum(split)
        reach[-1] = 1.0
        self._reach = torch.tensor(reach, dtype=torch.float32, device=dev).view(1, 3, 1)
        self._chain = [sk.index(j) for j in CHAIN]
        self._eyes = [sk.index(j) for j in EYES]
        self._lids = [sk.index(j) for j in LIDS]
        offsets = torch.as_tensor(sk.offsets, device=dev)
        self._eye_offsets = offsets[self._eyes]
        self._eye_mid = self._eye_offsets.mean(0)
        self._head_limits = torch.tensor(np.radians(HEAD_LIMITS_DEG), dtype=torch.float32, device=dev)
        self._eye_limits = torch.tensor(np.radians(EYE_LIMITS_DEG), dtype=torch.float32, device=dev)
        self._rest = PoseBatch.rest(sk, n, dev)
        self._rest.root_position[:, 0] = (torch.arange(n, device=dev) - (n - 1) / 2) * spacing
        wp, wr = forward_kinematics(sk.parents.tolist(), self._rest.local_positions, self._rest.local_rotations,
                                    self._rest.root_position, self._rest.root_rotation)
        self._rest_world = (wr[:, 0], wp[:, self._chain], wr[:, self._chain])
        self._pose = PoseBatch.rest(sk, n, dev)
        self.recurrent = RecurrentState(torch.zeros(layers, n, hidden, device=dev),
                                        torch.zeros(layers, n, state_width, device=dev))
        self._seed = torch.arange(n, dtype=torch.int64, device=dev) + int(seed) * 7919
        self.state = {
            "tick": torch.zeros(n, dtype=torch.int64, device=dev),
            "since_blink": torch.full((n,), 10.0, device=dev),
            "heading": torch.zeros(n, device=dev),
            "target": torch.full((n, 3), float("nan"), device=dev),   # last valid target (NaN: none yet)
        }
        self._native = self._native_tick(engine, layers)
        self.engine = "native" if self._native is not None else "torch"

    def _native_tick(self, engine: str, layers: int) -> native.NativeGaze | None:
        """The compiled tick when `engine` asks for it (or "auto" finds it fits), else None (the torch tick)."""
        cpu = self.device.type == "cpu"
        if engine == "native" and not cpu:
            raise InputError(f"gaze: engine 'native' runs on the CPU only, not {self.device}")
        weights = sum(int(v.numel()) for k, v in self.network.state_dict().items() if k.startswith("cell."))
        if engine == "torch" or (engine == "auto" and (not cpu or self.batch_size * weights > NATIVE_MAX_WORK)):
            return None
        sk = self.skeleton
        constants = native.constants_for(self._reach.view(3).cpu().numpy(), sk.offsets[self._eyes],
                                         np.radians(HEAD_LIMITS_DEG), np.radians(EYE_LIMITS_DEG),
                                         [0, *self._chain, *self._eyes, *self._lids], np.radians(EYELID_CLOSED_DEG))
        try:
            tick = native.NativeGaze(self.network, layers, constants, self.batch_size, sk.num_joints)
        except ValueError as e:
            if engine == "native":
                raise ArtifactError(f"gaze: the compiled tick cannot run this network: {e}") from e
            return None
        rest = self._rest
        wp, wr = forward_kinematics(sk.parents.tolist(), rest.local_positions, rest.local_rotations,
                                    rest.root_position, rest.root_rotation)
        self._rest_np = (wp.numpy(), wr.numpy(), rest.local_positions.numpy(), rest.local_rotations.numpy())
        s = self.state
        self._state_np = (s["tick"].numpy(), s["since_blink"].numpy(), s["heading"].numpy(), s["target"].numpy(),
                          self.recurrent.h.numpy(), self.recurrent.c.numpy(), self._seed.numpy())
        self._below_views, self._target_views = HostViews(), HostViews()
        self._native_pose = PoseBatch(sk, rest.root_position, rest.root_rotation,
                                      torch.from_numpy(tick.local_positions), torch.from_numpy(tick.local_rotations),
                                      {**{k: torch.from_numpy(v) for k, v in tick.extras.items()},
                                       "gaze_target": s["target"]})     # the kernel writes the target it used there
        return tick

    # -- plugin protocol -------------------------------------------------------------------------
    @classmethod
    def default_artifact(cls) -> Path | None:
        path = DEFAULT_DIR / "gaze.pt"
        return path if path.is_file() else None

    @classmethod
    def from_artifact(cls, artifact: Artifact | None, *, batch_size: int = 1, device: torch.device | str | None = None,
                      lod: bool = False, **options: Any) -> "GazeController":
        if lod:
            artifact = load_artifact(DEFAULT_DIR / "gaze_lod.pt", controller="gaze", device=device)
        if artifact is None:
            raise ArtifactError("gaze: no artifact given and none shipped in controllers/gaze/default; train one "
                                "with `neuropuppet train gaze --config trainers/gaze/default.yaml`")
        meta = artifact.metadata
        if meta.controller != "gaze":
            raise ArtifactError(f"{artifact.path}: artifact is for controller {meta.controller!r}, not 'gaze'")
        extra = meta.extra
        hidden, layers = int(extra["hidden"]), int(extra["layers"])
        width = int(meta.inputs["c"][-1])
        dev = device if device is not None else artifact.device
        return cls(artifact.module, hidden=hidden, layers=layers, state_width=width, batch_size=batch_size,
                   device=dev, **options)

    def reset(self, indices: Sequence[int] | None = None) -> None:
        """Characters (all, or `indices`) start afresh: empty memory, eyes open, no target yet."""
        if indices is None:
            rows: Any = slice(None)
            self.recurrent.reset()
        else:
            idx = character_indices(indices, self.batch_size, self.name)
            self.recurrent.reset(idx)
            rows = torch.tensor(idx, dtype=torch.long, device=self.device)
        s = self.state
        s["tick"][rows] = 0
        s["since_blink"][rows] = 10.0
        s["target"][rows] = float("nan")

    def step(self, inputs: TickInputs) -> PoseBatch:
        if self._native is not None:
            return self._step_native(inputs)
        return self._step_torch(inputs)

    def _step_native(self, inputs: TickInputs) -> PoseBatch:
        """The compiled tick (native.py): the same arithmetic as `_step_torch`."""
        below = inputs.get("pose_below")
        pose = self._native_pose
        n, j = self.batch_size, self.skeleton.num_joints
        if below is None:
            wp, wr, lp, lr = self._rest_np
            pose.root_position, pose.root_rotation = self._rest.root_position, self._rest.root_rotation
        else:
            arrays = self._below_views(below.world_positions, below.world_rotations, below.local_positions,
                                       below.local_rotations)
            if arrays is None or arrays[0].dtype != np.float32:
                return self._step_torch(inputs)
            wp, wr, lp, lr = arrays
            pose.root_position, pose.root_rotation = below.root_position, below.root_rotation
            if wp.shape != (n, j, 3) or lp.shape != (n, j, 3) or wr.shape != (n, j, 4) or lr.shape != (n, j, 4):
                raise InputError(f"gaze: pose_below of shapes {wp.shape}, {lp.shape} for {n} characters of {j} joints")
        target = inputs["gaze_target"]
        views = self._target_views(target)
        t = views[0] if views is not None and views[0].dtype == np.float32 else \
            target.detach().to("cpu", torch.float32).numpy()
        if t.shape != (n, 3):
            raise InputError(f"gaze: gaze_target of shape {tuple(t.shape)}, expected ({n}, 3)")
        self._native(t, wp, wr, lp, lr, inputs.dt, self._state_np)
        return pose

    @torch.no_grad()
    def _step_torch(self, inputs: TickInputs) -> PoseBatch:
        """The torch tick (any device, any batch): the reference the compiled tick is tested against."""
        below = inputs.get("pose_below")
        base = below if below is not None else self._rest
        chest_q, chain_p, chain_q = self._chain_below(below)
        head_p, head_q = chain_p[:, 2], chain_q[:, 2]
        s = self.state
        # 1. the body's turn rate (zero on a character's first tick)
        yaw = heading(head_q)
        fresh = s["tick"] == 0
        turn = torch.where(fresh, torch.zeros_like(yaw), wrap_angle(yaw - s["heading"]) / inputs.dt)
        s["heading"].copy_(yaw)
        # 2. the target, held when unusable
        target = self._usable_target(inputs["gaze_target"], head_p, head_q)
        x = gaze_inputs(target, head_p, head_q, self._eye_mid, turn.unsqueeze(-1))
        # 3. the network
        angles, logit, h, c = self.network(x, self.recurrent.h, self.recurrent.c)
        self.recurrent.h.copy_(h)
        self.recurrent.c.copy_(c)
        angles = torch.nan_to_num(angles).view(-1, 3, 2)
        head = torch.maximum(torch.minimum(angles[:, 0], self._head_limits), -self._head_limits)
        eyes = torch.maximum(torch.minimum(angles[:, 1:], self._eye_limits), -self._eye_limits)
        hazard = torch.sigmoid(torch.nan_to_num(logit[:, 0]))
        since, closure = advance_blinks(hazard, s["since_blink"], self._seed, s["tick"], inputs.dt)
        s["since_blink"].copy_(since)
        s["tick"] += 1
        # 4. the pose
        turn_q = quat_mul(quat_mul(head_q, quat_from_yaw_pitch(head)), quat_inv(head_q))
        world_q = quat_mul(quat_exp(quat_log(turn_q).unsqueeze(1) * self._reach), chain_q)
        parent_q = torch.cat([chest_q.unsqueeze(1), world_q[:, :2]], dim=1)
        local_q = quat_mul(quat_inv(parent_q), world_q)
        bones = base.local_positions[:, self._chain[1:]]
        new_head_p = chain_p[:, 0] + quat_rotate(world_q[:, :2], bones).sum(1)
        new_head_q = world_q[:, 2]
        eye_q = quat_from_yaw_pitch(eyes)
        lid_angle = (closure * float(np.radians(EYELID_CLOSED_DEG))).unsqueeze(-1)
        zero = torch.zeros_like(lid_angle)
        lid_q = torch.cat([torch.cos(0.5 * lid_angle), torch.sin(0.5 * lid_angle), zero, zero], -1)

        pose = self._pose
        pose.root_position, pose.root_rotation = base.root_position, base.root_rotation
        pose.local_positions = base.local_positions.clone()
        pose.local_positions[:, self._eyes] = self._eye_offsets
        pose.local_positions[:, self._lids] = self._eye_offsets
        pose.local_rotations = base.local_rotations.clone()
        pose.local_rotations[:, self._chain] = local_q
        pose.local_rotations[:, self._eyes] = eye_q
        pose.local_rotations[:, self._lids] = lid_q.unsqueeze(1).expand(-1, 2, -1)
        origin = (new_head_p.unsqueeze(1) + quat_rotate(new_head_q.unsqueeze(1), self._eye_offsets)).mean(1)
        looks = quat_rotate(new_head_q, looks_along(eye_q).mean(1))
        direction = looks / torch.linalg.norm(looks, dim=-1, keepdim=True).clamp_min(1e-6)
        to_target = target - origin
        cos = (direction * to_target).sum(-1) / torch.linalg.norm(to_target, dim=-1).clamp_min(1e-6)
        pose.extras["gaze_origin"] = origin
        pose.extras["gaze_direction"] = direction
        pose.extras["eyelid_closure"] = closure.unsqueeze(-1).expand(-1, 2).contiguous()
        pose.extras["head_angles"] = head
        pose.extras["eye_angles"] = eyes.mean(1)
        pose.extras["gaze_target"] = target
        pose.extras["gaze_error"] = torch.arccos(cos.clamp(-1.0, 1.0)).unsqueeze(-1)
        pose.extras["blink_hazard"] = hazard.unsqueeze(-1)
        return pose

    # -- helpers ---------------------------------------------------------------------------------
    def _usable_target(self, target: torch.Tensor, head_p: torch.Tensor, head_q: torch.Tensor) -> torch.Tensor:
        """The target where it is finite and not at the eyes; else the last usable one (or 2 m ahead)."""
        rel = target_in_head(torch.nan_to_num(target), head_p, head_q, self._eye_mid)
        ok = torch.isfinite(target).all(-1) & (torch.linalg.norm(rel, dim=-1) >= MIN_DISTANCE)
        last = self.state["target"]
        ahead = head_p + quat_rotate(head_q, (self._eye_mid + torch.tensor([0.0, 0.0, 2.0], device=self.device))
                                     .expand_as(head_p))
        held = torch.where(torch.isfinite(last).all(-1, keepdim=True), last, ahead)
        use = torch.where(ok.unsqueeze(-1), target, held)
        last.copy_(use)
        return use

    def _chain_below(self, below: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        if below is None:
            return self._rest_world
        return below.world_rotations[:, 0], below.world_positions[:, self._chain], below.world_rotations[:, self._chain]
