"""MANNController: the `mann` controller plugin (a gamepad-driven quadruped, N dogs per call)."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
import torch

from neuropuppet.artifacts import Artifact, pick_device, quiet_torchscript
from neuropuppet.channels import GAMEPAD_WIDTH
from neuropuppet.controller import PLUGIN_API_VERSION, character_indices
from neuropuppet.errors import ArtifactError, InputError
from neuropuppet.kernels.locomotion import third_person_pads
from neuropuppet.kernels.views import HostViews
from neuropuppet.locomotion.third_person import STRAFE_COLUMN, third_person_pads_
from neuropuppet.motion.skeleton import Skeleton
from neuropuppet.pose import PoseBatch
from neuropuppet.ports import CAMERA_YAW, GAMEPAD, TERRAIN, InputSpec, OutputSpec, TickInputs
from neuropuppet.terrain import HeightField

from . import native
from .native import STATE_KEYS
from .features import IDLE_GAIT, MOVING_GAIT, NUM_EXPERTS, STATIONARY_GAITS, STICK, MANNFeatures, gait_table
from .network import MANN, mann_from_state
from .tick import MANNTick, initial_state

log = logging.getLogger(__name__)

DEFAULT_DIR = Path(__file__).resolve().parent / "default"
ENGINES = ("auto", "torch", "native")
CHECK_TICKS = 24
"""Ticks of scripted stick over which a new compiled tick must match the torch tick (engine "auto" falls back to
torch where it does not)."""
CHECK_TOLERANCE = 1e-3


class MANNController:
    """Mode-adaptive neural network quadruped locomotion (Zhang et al. 2018) for N dogs.

    Left stick = velocity relative to the camera (input camera_yaw); the gait and action buttons are in
    `controls` (built from the artifact's gait columns). Options: script (bool, TorchScript the torch tick),
    ablate (an expert index switched off, for the expert analysis; -1 none), engine ("auto": on the CPU the
    compiled tick (native.py) when it matches the torch tick over CHECK_TICKS scripted ticks at build, else,
    with a warning, the torch tick; "torch"; "native": the compiled tick or an error). Planted paws are held by the
    `foot_lock` pose modifier (its default modifier), which reads the declared contacts and their joints.
    """

    name: ClassVar[str] = "mann"
    api_version: ClassVar[int] = PLUGIN_API_VERSION
    description: ClassVar[str] = "Mode-adaptive neural network quadruped (gamepad): gaits and actions by gating 8 experts"
    inputs: ClassVar[tuple[InputSpec, ...]] = (GAMEPAD, CAMERA_YAW, TERRAIN)
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        OutputSpec("contacts", (4,), "paw contacts LF, RF, LH, RH", joints=("LeftHandPaw", "RightHandPaw", "LeftFootPaw", "RightFootPaw"),
                   range=(0.0, 1.0)),
        OutputSpec("expert_weights", (NUM_EXPERTS,), "the gating network's coefficients of the 8 experts",
                   range=(0.0, 1.0)),
        OutputSpec("gait_weights", (9,), "current gait weights idle, walk, pace, trot, canter, sit, stand, jump, lie",
                   range=(0.0, 1.0)),
    )
    controls: ClassVar[tuple[tuple[str, str], ...]] = (
        ("left stick / WASD", "walk (small push) or trot (full push), relative to the camera"),
        ("trigger_left", "walk"), ("trigger_right", "pace"), ("right_shoulder", "canter"),
        ("x", "sit"), ("y", "stand (rear up)"), ("b", "lie"), ("a", "jump"),
    )
    default_modifiers: ClassVar[tuple[Any, ...]] = ({"name": "foot_lock", "smooth_blend": True, "release_frames": 10},)

    def __init__(self, net: Any, skeleton: Skeleton, *, gaits: Sequence[str], feet: Sequence[str],
                 rest_joints: np.ndarray, gait_speeds: dict[str, float], batch_size: int = 1,
                 device: torch.device | str = "cpu", script: bool = True, ablate: int = -1,
                 engine: str = "auto") -> None:
        if engine not in ENGINES:
            raise InputError(f"mann: engine must be one of {', '.join(ENGINES)}, got {engine!r}")
        if batch_size < 1:
            raise InputError(f"mann: batch_size must be at least 1, got {batch_size}")
        self.skeleton = skeleton
        self.device = torch.device(device)
        self.batch_size = int(batch_size)
        missing = [f for f in feet if f not in skeleton.names]
        if missing:
            raise ArtifactError(f"mann: the feet {missing} are not joints of the artifact's skeleton")
        self.gaits = tuple(gaits)
        for need in (IDLE_GAIT, MOVING_GAIT):
            if need not in self.gaits:
                raise ArtifactError(f"mann: the model's gait columns {list(self.gaits)} lack {need!r}")
        self.features = MANNFeatures.build(skeleton.num_joints, self.gaits, tuple(skeleton.index(f) for f in feet))
        if not isinstance(net, MANN):
            try:
                net = mann_from_state({k: v for k, v in net.state_dict().items()})
            except (KeyError, RuntimeError) as e:
                raise ArtifactError(f"mann: the artifact's network is not a MANN ({type(e).__name__}: {e})") from e
        sizes = (net.x_norm.size, net.y_norm.size)
        if sizes != (self.features.x_size, self.features.y_size):
            raise ArtifactError(f"mann: the network maps {sizes[0]} -> {sizes[1]} values, but a {skeleton.num_joints}-joint "
                                f"skeleton with {len(self.gaits)} gaits and {len(feet)} feet needs "
                                f"{self.features.x_size} -> {self.features.y_size}")
        if not -1 <= ablate < net.num_experts:
            raise InputError(f"mann: ablate must be -1 or an expert index 0..{net.num_experts - 1}, got {ablate}")
        self.table = gait_table(self.gaits, dict(gait_speeds))
        stationary = torch.tensor([1.0 if g in STATIONARY_GAITS else 0.0 for g in self.gaits])
        core = MANNTick(net.eval(), self.features, self.table, STICK, torch.as_tensor(skeleton.parents),
                        torch.as_tensor(skeleton.offsets), stationary, ablate).to(self.device)
        self._rest = torch.as_tensor(np.asarray(rest_joints, np.float32).reshape(skeleton.num_joints, 12))
        self._idle = self.gaits.index("idle")
        self._native = self._native_tick(engine, core)
        self.engine = "native" if self._native is not None else "torch"
        if script and self._native is None:
            with quiet_torchscript():
                core = torch.jit.script(core)
        self._core = core
        self.state = initial_state(self.batch_size, len(self.gaits), self._idle, self._rest, self.device)
        self._state_np = tuple(self.state[k].numpy() for k in STATE_KEYS) if self._native is not None else ()
        self._pose = PoseBatch.rest(skeleton, self.batch_size, self.device)
        self._pads = torch.zeros(self.batch_size, GAMEPAD_WIDTH, device=self.device)
        self._pads_np = self._pads.numpy() if self.device.type == "cpu" else None      # the CPU paths' pad buffer
        self._native_tensors: tuple[torch.Tensor, ...] = ()
        self._yaw0 = torch.zeros(self.batch_size, device=self.device)
        self._yaw_host = np.zeros(self.batch_size, np.float32)
        self._pad_views, self._yaw_views = HostViews(), HostViews()
        self._terrain_source: HeightField | None = None
        self.set_terrain(HeightField.flat())
        names = ", ".join(self.gaits)
        self.outputs = (
            OutputSpec("contacts", (len(feet),), f"foot contacts {', '.join(feet)}", joints=tuple(feet), range=(0.0, 1.0)),
            OutputSpec("expert_weights", (net.num_experts,), f"the gating network's coefficients of the {net.num_experts} experts",
                       range=(0.0, 1.0)),
            OutputSpec("gait_weights", (len(self.gaits),), f"current gait weights {names}", range=(0.0, 1.0)))
        stick = (f"walk (small push) or {MOVING_GAIT} (full push), relative to the camera" if "walk" in self.gaits
                 else f"{MOVING_GAIT}, relative to the camera")
        self.controls = (("left stick / WASD", stick),) + tuple(
            (sel, name if name != "stand" else "stand (rear up)") for sel, name in self.table.controls())

    def _native_tick(self, engine: str, core: MANNTick) -> native.NativeMANN | None:
        """The compiled tick when `engine` asks for it and it matches `core` (the eager torch tick) over
        CHECK_TICKS ticks of scripted stick at build; else None (the torch tick)."""
        if engine == "torch" or (engine == "auto" and self.device.type != "cpu"):
            return None
        if self.device.type != "cpu":
            raise InputError(f"mann: engine 'native' runs on the CPU only, not {self.device}")
        if not native.compiled():
            log.info("mann: preparing the compiled CPU tick (from the disk cache; the first run compiles it, ~1 min)")
        try:
            tick = native.NativeMANN(core, core.net, self.batch_size)
            probe = native.NativeMANN(core, core.net, 2, batched=tick.batched)
            error = native.disagreement(probe, core, self.table, self._rest, self._idle, CHECK_TICKS)
        except ValueError as e:
            if engine == "native":
                raise ArtifactError(f"mann: the compiled tick cannot run this network: {e}") from e
            log.warning("mann: the compiled CPU tick cannot run this network (%s); running the torch tick", e)
            return None
        if error > CHECK_TOLERANCE:
            message = (f"mann: the compiled CPU tick differs from the torch tick by {error:.3g} (tolerance "
                       f"{CHECK_TOLERANCE:g}) over {CHECK_TICKS} scripted ticks")
            if engine == "native":
                raise ArtifactError(message)
            log.warning("%s; running the torch tick", message)
            return None
        return tick

    # -- plugin protocol ---------------------------------------------------------------------
    @classmethod
    def default_artifact(cls) -> Path | None:
        path = DEFAULT_DIR / "mann.pt"
        return path if path.is_file() else None

    @classmethod
    def from_artifact(cls, artifact: Artifact | None, *, batch_size: int = 1,
                      device: torch.device | str | None = None, **options: Any) -> "MANNController":
        if artifact is None:
            raise ArtifactError("mann needs a trained artifact; none given and no shipped default found at "
                                f"{DEFAULT_DIR / 'mann.pt'} (train one: neuropuppet train mann --config "
                                "trainers/mann/default.yaml)")
        meta = artifact.metadata
        if meta.controller != cls.name:
            raise ArtifactError(f"{artifact.path}: artifact is for controller {meta.controller!r}, not 'mann'")
        if meta.skeleton is None:
            raise ArtifactError(f"{artifact.path}: mann artifact lacks its skeleton in the metadata")
        extra = meta.extra or {}
        for key in ("gaits", "feet", "rest_joints", "gait_speeds"):
            if key not in extra:
                raise ArtifactError(f"{artifact.path}: mann artifact lacks {key!r} in its metadata")
        skeleton = Skeleton.from_dict(meta.skeleton)
        want = options.pop("skeleton", None)
        if want is not None and not want.same_topology(skeleton):
            raise ArtifactError(f"{artifact.path}: artifact skeleton ({skeleton.num_joints} joints) does not "
                                f"match the requested skeleton ({want.num_joints} joints)")
        dev = pick_device(device) if device is not None else artifact.device
        try:
            return cls(artifact.module.cpu(), skeleton, gaits=extra["gaits"], feet=extra["feet"],
                       rest_joints=np.asarray(extra["rest_joints"], np.float32), gait_speeds=extra["gait_speeds"],
                       batch_size=batch_size, device=dev, **options)
        except TypeError as e:
            raise InputError(f"mann: {e}") from None

    def reset(self, indices: Sequence[int] | None = None) -> None:
        fresh = initial_state(self.batch_size, len(self.gaits), self._idle, self._rest, self.device)
        if indices is None:
            for k, v in self.state.items():
                v.copy_(fresh[k])
            return
        rows = torch.as_tensor(character_indices(indices, self.batch_size, "mann"), dtype=torch.long, device=self.device)
        for k, v in self.state.items():
            v[rows] = fresh[k][rows]

    def set_terrain(self, terrain: HeightField) -> None:
        """Stand the dogs on `terrain` (heights only: the model was trained on flat ground)."""
        self._terrain_source = terrain
        self._heights = torch.as_tensor(terrain.heights, device=self.device)
        self._terrain = torch.tensor([terrain.origin[0], terrain.origin[1], 1.0 / terrain.cell_size], device=self.device)
        if self._native is not None:
            self._native.set_terrain(terrain.heights, terrain.origin, terrain.cell_size)

    def place(self, positions: torch.Tensor | np.ndarray, yaw: torch.Tensor | np.ndarray | None = None) -> None:
        """Put the dogs at world (x, z) positions [N, 2] (and headings [N]), history reset there."""
        xz = torch.as_tensor(np.asarray(positions, np.float32), device=self.device).reshape(-1, 2)
        if xz.shape[0] != self.batch_size or not torch.isfinite(xz).all():
            raise InputError(f"mann: place() takes {self.batch_size} finite (x, z) positions, got shape {tuple(xz.shape)}")
        self.reset()
        y = (torch.zeros(self.batch_size, device=self.device) if yaw is None
             else torch.as_tensor(np.asarray(yaw, np.float32), device=self.device).reshape(self.batch_size))
        if not torch.isfinite(y).all():
            raise InputError("mann: place() yaws must be finite")
        d = torch.stack([torch.sin(y), torch.cos(y)], -1).unsqueeze(1)
        for key in ("past", "future"):
            self.state[key][:, :, 0:2] = xz.unsqueeze(1)
            self.state[key][:, :, 2:4] = d
        self.state["root_xz"].copy_(xz)
        self.state["yaw"].copy_(y)

    def step(self, inputs: TickInputs) -> PoseBatch:
        pads = self._camera_relative(inputs.get("gamepad"), inputs.get("camera_yaw"))
        terrain = inputs.get("terrain")
        if terrain is not None and terrain is not self._terrain_source:
            self.set_terrain(terrain)
        if self._native is not None:
            rp, rr, lp, lr, contacts, coeff, gait = self._native_outputs()
        else:
            s = self.state
            with torch.inference_mode():
                rp, rr, lp, lr, contacts, coeff, gait = self._core(pads, self._heights, self._terrain, s["root_xz"],
                                                                   s["yaw"], s["past"], s["future"], s["joints"])
        pose = self._pose
        pose.root_position, pose.root_rotation = rp, rr
        pose.local_positions, pose.local_rotations = lp, lr
        pose.extras["contacts"] = contacts
        pose.extras["expert_weights"] = coeff
        pose.extras["gait_weights"] = gait
        return pose

    def _native_outputs(self) -> tuple[torch.Tensor, ...]:
        """The compiled tick on this tick's pads (`self._pads`; state views updated in place): its output tensors, which
        share memory with its output arrays (made once)."""
        assert self._native is not None
        if not self._native_tensors:
            self._native_tensors = tuple(torch.from_numpy(a) for a in self._native.outputs)
        self._native(self._pads_np, *self._state_np)
        return self._native_tensors

    def _camera_relative(self, pads: torch.Tensor | None, camera_yaw: torch.Tensor | None) -> torch.Tensor:
        """This tick's pad with the stick turned relative to the camera (`neuropuppet.locomotion.third_person`),
        in the controller's own buffer (the input stays as given)."""
        if pads is None:
            self._pads.zero_()
            return self._pads
        if pads.shape != (self.batch_size, GAMEPAD_WIDTH):
            raise InputError(f"mann: gamepad tensor has shape {tuple(pads.shape)}, expected ({self.batch_size}, {GAMEPAD_WIDTH})")
        if self.device.type == "cpu":
            host = self._pad_views(pads)
            yaw_host = (None,) if camera_yaw is None else self._yaw_views(camera_yaw)
            if host is not None and yaw_host is not None:
                return self._camera_relative_host(host[0], yaw_host[0])
        self._pads.copy_(torch.nan_to_num(pads.to(self.device), 0.0, 0.0, 0.0).clamp(-1.0, 1.0))
        yaw = self._yaw0 if camera_yaw is None else torch.nan_to_num(camera_yaw.to(self.device).reshape(-1), 0.0, 0.0, 0.0)
        if self.device.type == "cpu":
            third_person_pads_(self._pads.numpy(), yaw.numpy().astype(np.float32))
        else:
            third_person_pads_(self._pads, yaw)
        return self._pads

    def _camera_relative_host(self, pads: np.ndarray, camera_yaw: np.ndarray | None) -> torch.Tensor:
        """`_camera_relative` on numpy views of CPU inputs (made once per tensor by HostViews; no torch ops, no
        allocation but the finite masks): the same values as the torch path (NaN/inf -> 0, clamped to [-1, 1])."""
        out = self._pads_np
        np.copyto(out, pads)
        np.minimum(_finite_(out), 1.0, out=out)
        np.maximum(out, -1.0, out=out)
        yaw = self._yaw_host
        if camera_yaw is None:
            yaw.fill(0.0)
        else:
            if camera_yaw.size != self.batch_size:
                raise InputError(f"mann: camera_yaw has {camera_yaw.size} values for {self.batch_size} dogs")
            np.copyto(yaw, camera_yaw.reshape(-1))
            _finite_(yaw)
        third_person_pads(out, yaw, STRAFE_COLUMN)      # third_person_pads_'s compiled twin, on the checked buffers
        return self._pads


def _finite_(a: np.ndarray) -> np.ndarray:
    """a in place with NaN/inf -> 0 (torch.nan_to_num(a, 0, 0, 0)); ufuncs only (ndarray.any's wrapper costs more)."""
    finite = np.isfinite(a)
    if not np.logical_and.reduce(finite, axis=None):
        a[~finite] = 0.0
    return a
