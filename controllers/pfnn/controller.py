"""PFNNController: the `pfnn` controller plugin (gamepad-driven locomotion over terrain)."""
from __future__ import annotations

import hashlib
import weakref
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
import torch

from neuropuppet.artifacts import Artifact, pick_device, quiet_torchscript
from neuropuppet.channels import GAMEPAD_WIDTH
from neuropuppet.controller import PLUGIN_API_VERSION, character_indices
from neuropuppet.errors import ArtifactError, InputError
from neuropuppet.kernels.locomotion import third_person_pads
from neuropuppet.locomotion.third_person import STRAFE_COLUMN, third_person_pads_
from neuropuppet.motion.skeleton import Skeleton
from neuropuppet.pose import PoseBatch
from neuropuppet.ports import CAMERA_YAW, GAMEPAD, TERRAIN, InputSpec, OutputSpec, TickInputs
from neuropuppet.terrain import HeightField

from .features import PFNNFeatures
from .network import PhaseBucketedPFNN, pfnn_from_state
from .native import NativeTick
from .tick import MODES, PFNNTick, initial_state

DEFAULT_DIR = Path(__file__).resolve().parent / "default"
DEFAULT_GAIT_SPEEDS = (0.0, 1.4, 3.2, 0.8)  # stand, walk, jog, crouch, m/s
NATIVE_MAX_BATCH = 128
"""engine "auto" runs the compiled CPU tick up to this many characters, the TorchScript tick above (README "Speed")."""
ENGINES = ("auto", "torch", "native")
CONTACT_JOINTS = ("LeftFoot", "LeftToeBase", "RightFoot", "RightToeBase")   # the network's contact columns
STATE_KEYS = ("root_xz", "yaw", "phase", "past", "future", "joints")   # the order the ticks take them


_BUCKETED: "weakref.WeakValueDictionary[str, PhaseBucketedPFNN]" = weakref.WeakValueDictionary()


def weights_key(state: dict[str, torch.Tensor]) -> str:
    """A digest of a state dict's names and values (4 ms for the default's 4 MB)."""
    digest = hashlib.sha1()
    for name in sorted(state):
        digest.update(name.encode())
        digest.update(state[name].detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def bucketed_network(state: dict[str, torch.Tensor]) -> PhaseBucketedPFNN:
    """The 50 phase-bucket weight tables of a PFNN (47 MB for the default), built once per distinct set
    of weights and shared by every CPU controller alive that uses them (the ticks only read them)."""
    key = weights_key(state)
    net = _BUCKETED.get(key)
    if net is None:
        net = PhaseBucketedPFNN(state)
        _BUCKETED[key] = net
    return net


class PFNNController:
    """Phase-functioned neural network locomotion (Holden et al. 2017) for N characters.

    Left stick = velocity relative to the camera (input camera_yaw), left shoulder held = strafe (face
    where the camera looks), right trigger/shoulder = run, left trigger or B = crouch. Options: mode ("bucket50" default: nearest-of-50 precomputed weight tables, phase-bucketed;
    "exact" cubic; "nearest50" / "linear10" via blend-coefficient tables), bias_pos, bias_dir,
    script (bool: compile the torch tick to TorchScript), engine ("auto" default: the numba-compiled
    tick (`native.NativeTick`) for CPU batches up to NATIVE_MAX_BATCH, else the torch tick; "torch"; "native").
    Planted feet are held and put on the terrain by the `foot_lock` pose modifier (its default
    modifier, `neuropuppet.modifiers`), which reads the declared contacts and their joints.
    """

    name: ClassVar[str] = "pfnn"
    api_version: ClassVar[int] = PLUGIN_API_VERSION
    description: ClassVar[str] = "Phase-functioned neural network locomotion over terrain (gamepad)"
    inputs: ClassVar[tuple[InputSpec, ...]] = (GAMEPAD, CAMERA_YAW, TERRAIN)
    outputs: ClassVar[tuple[OutputSpec, ...]] = (
        OutputSpec("contacts", (4,), "foot contact probability of the left heel, left toe, right heel, right toe",
                   joints=CONTACT_JOINTS, range=(0.0, 1.0)),
        OutputSpec("trajectory", (12, 3), "past and future root trajectory, world points (frames -60..+50)"),
        OutputSpec("phase", (), "gait cycle phase in [0, 1)", interpolation="cyclic", range=(0.0, 1.0)),
    )
    controls: ClassVar[tuple[tuple[str, str], ...]] = (
        ("left stick / WASD", "walk, relative to the camera"),
        ("right trigger or shoulder / Shift", "run"),
        ("left trigger or B / C", "crouch"),
        ("left shoulder (hold)", "strafe: face where the camera looks"),
    )
    default_modifiers: ClassVar[tuple[str, ...]] = ("foot_lock",)

    def __init__(self, net: Any, skeleton: Skeleton, rest_joints: np.ndarray, *, batch_size: int = 1,
                 device: torch.device | str = "cpu", mode: str = "bucket50", gait_speeds: Sequence[float] = DEFAULT_GAIT_SPEEDS,
                 bias_pos: float = 3.0, bias_dir: float = 3.0, script: bool = True,
                 engine: str = "auto", **removed: Any) -> None:
        if "foot_lock" in removed:
            raise InputError("pfnn: the foot lock is a pose modifier now: spawn(..., modifiers=['foot_lock']) (on by "
                             "default in Runtime.spawn), or modifiers=[] to turn it off")
        if removed:
            raise InputError(f"pfnn: unknown option {next(iter(removed))!r}")
        if engine not in ENGINES:
            raise InputError(f"pfnn: unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
        if mode not in MODES:
            raise InputError(f"pfnn: unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if batch_size < 1:
            raise InputError(f"pfnn: batch_size must be at least 1, got {batch_size}")
        self.skeleton = skeleton
        self.device = torch.device(device)
        self.batch_size = int(batch_size)
        self.mode = mode
        self.features = PFNNFeatures.for_joints(skeleton.num_joints)
        self._rest = torch.as_tensor(np.asarray(rest_joints, np.float32).reshape(skeleton.num_joints, 6))
        if engine == "auto":
            engine = "native" if self.device.type == "cpu" and self.batch_size <= NATIVE_MAX_BATCH else "torch"
        if engine == "native" and self.device.type != "cpu":
            raise InputError(f"pfnn: engine 'native' runs on the CPU only, not {self.device}")
        self.engine = engine
        net_state = {k: v.detach().cpu() for k, v in net.state_dict().items()}
        try:
            if mode != "bucket50":
                net = pfnn_from_state(net_state)
            else:   # `.to(device)` below moves a module in place: share the tables on the CPU only
                net = bucketed_network(net_state) if self.device.type == "cpu" else PhaseBucketedPFNN(net_state)
        except (KeyError, RuntimeError) as e:
            raise ArtifactError(f"pfnn: the artifact's network is not a PFNN ({type(e).__name__}: {e})") from e
        sizes = (net.x_mean.shape[0], net.y_mean.shape[0])
        if sizes != (self.features.x_size, self.features.y_size):
            raise ArtifactError(f"pfnn: the network maps {sizes[0]} -> {sizes[1]} values, but a {skeleton.num_joints}-joint "
                                f"skeleton needs {self.features.x_size} -> {self.features.y_size}")
        core = PFNNTick(net, torch.as_tensor(skeleton.offsets), torch.tensor(list(gait_speeds)), MODES[mode],
                        bias_pos, bias_dir).to(self.device)
        try:
            self._native = NativeTick(core, mode, self.batch_size) if engine == "native" else None
        except ValueError as e:
            raise ArtifactError(f"pfnn: {e}") from e
        if script and self._native is None:
            with quiet_torchscript():
                core = torch.jit.script(core)
        self._core = core
        self._terrain_source: HeightField | None = None
        self.set_terrain(HeightField.flat())
        self.state = initial_state(self.batch_size, skeleton.num_joints, self._rest, self.device)
        self._viewed: tuple[torch.Tensor | None, ...] = (None,) * len(STATE_KEYS)
        self._views: tuple[np.ndarray, ...] = ()
        self._native_outputs = tuple(torch.from_numpy(o) for o in self._native.outputs) if self._native else ()
        self._pose = PoseBatch.rest(skeleton, self.batch_size, self.device)
        self._pads = torch.zeros(self.batch_size, GAMEPAD_WIDTH, device=self.device)   # the camera-relative pad
        self._pads_np = self._pads.numpy() if self.device.type == "cpu" else None
        self._yaw0 = torch.zeros(self.batch_size, device=self.device)
        self._yaw_seen: torch.Tensor | None = None
        self._yaw_np = np.zeros(self.batch_size, np.float32)
        if self._pads_np is not None:       # compile (or load) the stick kernel now, not in the first tick
            third_person_pads(self._pads_np, self._yaw_np, STRAFE_COLUMN)
        missing = [j for j in CONTACT_JOINTS if j not in skeleton.names]
        if missing:     # the contacts then belong to no joint: say so in the declaration (no foot lock)
            self.outputs = tuple(o for o in type(self).outputs if o.name != "contacts") + (
                OutputSpec("contacts", (4,), "foot contacts (heel, toe, heel, toe); the skeleton lacks "
                           f"{', '.join(missing)}", range=(0.0, 1.0)),)

    # -- plugin protocol -------------------------------------------------------------------
    @classmethod
    def default_artifact(cls) -> Path | None:
        path = DEFAULT_DIR / "pfnn.pt"
        return path if path.is_file() else None

    @classmethod
    def from_artifact(cls, artifact: Artifact | None, *, batch_size: int = 1,
                      device: torch.device | str | None = None, **options: Any) -> "PFNNController":
        if artifact is None:
            raise ArtifactError("pfnn needs a trained artifact; none given and no shipped default found "
                                f"at {DEFAULT_DIR / 'pfnn.pt'}")
        meta = artifact.metadata
        if meta.controller != cls.name:
            raise ArtifactError(f"{artifact.path}: artifact is for controller {meta.controller!r}, not 'pfnn'")
        if meta.skeleton is None:
            raise ArtifactError(f"{artifact.path}: pfnn artifact lacks its skeleton in the metadata")
        skeleton = Skeleton.from_dict(meta.skeleton)
        feats = PFNNFeatures.for_joints(skeleton.num_joints)
        x_shape, y_shape = meta.inputs.get("x"), meta.outputs.get("y")
        if x_shape != [-1, feats.x_size] or y_shape != [-1, feats.y_size]:
            raise ArtifactError(f"{artifact.path}: network layout x={x_shape}, y={y_shape} does not fit the "
                                f"{skeleton.num_joints}-joint skeleton (expects x=[-1, {feats.x_size}], "
                                f"y=[-1, {feats.y_size}])")
        want = options.pop("skeleton", None)
        if want is not None and not want.same_topology(skeleton):
            raise ArtifactError(f"{artifact.path}: artifact skeleton ({skeleton.num_joints} joints) does not "
                                f"match the requested skeleton ({want.num_joints} joints)")
        extra = meta.extra or {}
        rest = np.asarray(extra.get("rest_joints", np.zeros((skeleton.num_joints, 6))), np.float32)
        speeds = extra.get("gait_speeds", DEFAULT_GAIT_SPEEDS)
        dev = pick_device(device) if device is not None else artifact.device
        module = artifact.module
        if dev != artifact.device:
            module = module.to(dev)
        return cls(module, skeleton, rest, batch_size=batch_size, device=dev, gait_speeds=speeds, **options)

    def reset(self, indices: Sequence[int] | None = None) -> None:
        idx = None if indices is None else self._indices(indices)
        fresh = initial_state(self.batch_size, self.skeleton.num_joints, self._rest, self.device)
        if idx is None:
            for k, v in self.state.items():
                v.copy_(fresh[k])
            return
        rows = torch.as_tensor(idx, dtype=torch.long, device=self.device)
        for k, v in self.state.items():
            v[rows] = fresh[k][rows]

    def _indices(self, indices: Sequence[int]) -> list[int]:
        return character_indices(indices, self.batch_size, "pfnn")

    def set_terrain(self, terrain: HeightField) -> None:
        """Use `terrain` for height queries (done automatically when TickInputs.terrain changes)."""
        self._terrain_source = terrain   # held, so that a new field cannot reuse a freed one's id
        self._heights = torch.as_tensor(terrain.heights, device=self.device)
        self._terrain = torch.tensor([terrain.origin[0], terrain.origin[1], 1.0 / terrain.cell_size],
                                     device=self.device)
        if self._native is not None:
            self._native.set_terrain(terrain.heights, terrain.origin, terrain.cell_size)

    def place(self, positions: torch.Tensor | np.ndarray, yaw: torch.Tensor | np.ndarray | None = None) -> None:
        """Put the characters at world (x, z) positions [N, 2] (and headings [N]), history reset there."""
        def host(a: torch.Tensor | np.ndarray) -> np.ndarray:
            return np.asarray(a.detach().cpu() if isinstance(a, torch.Tensor) else a, np.float32)
        xz_np = host(positions)
        yaw_np = None if yaw is None else host(yaw)
        if xz_np.size != 2 * self.batch_size or yaw_np is not None and yaw_np.size != self.batch_size:
            raise InputError(f"pfnn: place() takes {self.batch_size} (x, z) positions and yaws, got positions of "
                             f"shape {xz_np.shape}" + ("" if yaw_np is None else f" and yaws of shape {yaw_np.shape}"))
        if not np.isfinite(xz_np).all() or yaw_np is not None and not np.isfinite(yaw_np).all():
            raise InputError("pfnn: place() positions and yaws must be finite numbers")
        xz = torch.as_tensor(xz_np, device=self.device).reshape(self.batch_size, 2)
        self.reset()
        self.state["root_xz"].copy_(xz)
        self.state["past"][:, :, 0:2] = xz.unsqueeze(1)
        self.state["future"][:, :, 0:2] = xz.unsqueeze(1)
        if yaw is not None:
            y = torch.as_tensor(yaw_np, device=self.device).reshape(self.batch_size)
            d = torch.stack([torch.sin(y), torch.cos(y)], -1).unsqueeze(1)
            self.state["yaw"].copy_(y)
            self.state["past"][:, :, 2:4] = d
            self.state["future"][:, :, 2:4] = d

    def step(self, inputs: TickInputs) -> PoseBatch:
        pads = self._camera_relative(inputs.get("gamepad"), inputs.get("camera_yaw"))
        terrain = inputs.get("terrain")
        if terrain is not None and terrain is not self._terrain_source:
            self.set_terrain(terrain)
        if self._native is not None:
            rp, rr, lp, lr, contacts, traj = self._tick_native(pads)
        else:
            rp, rr, lp, lr, contacts, traj = self._tick_torch(pads)
        pose = self._pose
        pose.root_position, pose.root_rotation = rp, rr
        pose.local_positions, pose.local_rotations = lp, lr
        pose.extras["contacts"] = contacts
        pose.extras["trajectory"] = traj
        pose.extras["phase"] = self.state["phase"]
        return pose

    def _camera_relative(self, pads: torch.Tensor | None, camera_yaw: torch.Tensor | None) -> torch.Tensor:
        """This tick's pad rewritten for the world-fixed tick: stick relative to the camera, strafe button
        (`neuropuppet.locomotion.third_person`), in the controller's own buffer (the input stays as given)."""
        if pads is None:
            self._pads.zero_()
            return self._pads
        if pads.shape != (self.batch_size, GAMEPAD_WIDTH):
            raise InputError(f"pfnn: gamepad tensor has shape {tuple(pads.shape)}, expected "
                             f"({self.batch_size}, {GAMEPAD_WIDTH})")
        yaw = self._yaw0 if camera_yaw is None else camera_yaw
        if self._pads_np is not None and pads.device.type == "cpu":     # the compiled twin on numpy views: ~2 us
            if yaw is not self._yaw_seen:      # a view of the input buffer, kept while it is the same tensor
                view = np.ascontiguousarray(yaw.detach().numpy().reshape(-1), np.float32)
                self._yaw_seen = yaw if np.shares_memory(view, yaw.detach().numpy()) else None
                self._yaw_np = view
            np.copyto(self._pads_np, pads.detach().numpy(), casting="unsafe")
            third_person_pads(self._pads_np, self._yaw_np, STRAFE_COLUMN)
        else:
            self._pads.copy_(pads)
            third_person_pads_(self._pads, yaw.to(self.device))
        return self._pads

    @torch.inference_mode()
    def _tick_torch(self, pads: torch.Tensor) -> tuple[torch.Tensor, ...]:
        s = self.state
        return self._core(pads, self._heights, self._terrain, s["root_xz"], s["yaw"], s["phase"], s["past"],
                          s["future"], s["joints"])

    def _tick_native(self, pads: torch.Tensor) -> tuple[torch.Tensor, ...]:
        host = self._pads_np if pads is self._pads else np.ascontiguousarray(pads.detach().numpy())
        self._native(host, *self._state_views())
        return self._native_outputs

    def _state_views(self) -> tuple[np.ndarray, ...]:
        """numpy views of the state tensors, remade when the user replaced one of them."""
        tensors = tuple(self.state[k] for k in STATE_KEYS)
        if any(a is not b for a, b in zip(tensors, self._viewed)):
            self._viewed = tensors
            self._views = tuple(t.numpy() for t in tensors)
        return self._views
