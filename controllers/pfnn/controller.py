"""PFNNController: the `pfnn` controller plugin (gamepad-driven locomotion over terrain)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
import torch

from neuropuppet.artifacts import Artifact, pick_device, quiet_torchscript
from neuropuppet.channels import GAMEPAD_WIDTH, Channel, TickInputs
from neuropuppet.controller import PLUGIN_API_VERSION
from neuropuppet.errors import ArtifactError, InputError
from neuropuppet.motion.skeleton import Skeleton
from neuropuppet.pose import PoseBatch
from neuropuppet.terrain import HeightField

from .features import PFNNFeatures
from .network import PhaseBucketedPFNN
from .tick import MODES, HeightGrid, NumpyTick, PFNNTick, initial_state

DEFAULT_DIR = Path(__file__).resolve().parent / "default"
DEFAULT_GAIT_SPEEDS = (0.0, 1.4, 3.2, 0.8)  # stand, walk, jog, crouch, m/s
NUMPY_MAX_BATCH = 16
"""engine "auto" runs the tick's math in numpy on the CPU up to this many characters (README "Speed")."""
ENGINES = ("auto", "torch", "numpy")


def frozen_network(net: torch.nn.Module) -> torch.jit.ScriptModule:
    """`net` as a frozen TorchScript module (buffers inlined as constants): the fastest call for one
    character (bucket50 network: 0.07 ms against 0.11 ms eager); keeps the phase-function methods."""
    with quiet_torchscript():
        scripted = net if isinstance(net, torch.jit.ScriptModule) else torch.jit.script(net)
        return torch.jit.freeze(scripted.eval(), preserved_attrs=["forward_nearest50", "forward_linear10"])


class PFNNController:
    """Phase-functioned neural network locomotion (Holden et al. 2017) for N characters.

    Left stick = velocity, right stick = facing, right trigger/shoulder = run, left trigger/shoulder =
    crouch. Options: mode ("bucket50" default: nearest-of-50 precomputed weight tables, phase-bucketed;
    "exact" cubic; "nearest50" / "linear10" via blend-coefficient tables), bias_pos, bias_dir,
    script (bool: run the whole tick as TorchScript), engine ("auto" default: numpy math around the
    torch network for CPU batches up to NUMPY_MAX_BATCH, else the TorchScript tick; "torch"; "numpy").
    """

    name: ClassVar[str] = "pfnn"
    api_version: ClassVar[int] = PLUGIN_API_VERSION
    channels: ClassVar[frozenset[Channel]] = frozenset({Channel.GAMEPAD, Channel.TERRAIN})
    description: ClassVar[str] = "Phase-functioned neural network locomotion over terrain (gamepad)"

    def __init__(self, net: Any, skeleton: Skeleton, rest_joints: np.ndarray, *, batch_size: int = 1,
                 device: torch.device | str = "cpu", mode: str = "bucket50", gait_speeds: Sequence[float] = DEFAULT_GAIT_SPEEDS,
                 bias_pos: float = 3.0, bias_dir: float = 3.0, script: bool = True,
                 engine: str = "auto") -> None:
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
        if mode == "bucket50":
            net = PhaseBucketedPFNN({k: v.detach().cpu() for k, v in net.state_dict().items()})
        core = PFNNTick(net, torch.as_tensor(skeleton.offsets), torch.tensor(list(gait_speeds)), MODES[mode],
                        bias_pos, bias_dir).to(self.device)
        if engine == "auto":
            engine = "numpy" if self.device.type == "cpu" and self.batch_size <= NUMPY_MAX_BATCH else "torch"
        if engine == "numpy" and self.device.type != "cpu":
            raise InputError(f"pfnn: engine 'numpy' runs on the CPU only, not {self.device}")
        self.engine = engine
        self._numpy_tick = NumpyTick(core, frozen_network(net)) if engine == "numpy" else None
        if script:
            with quiet_torchscript():
                core = torch.jit.script(core)
        self._core = core
        self._terrain_source: HeightField | None = None
        self.set_terrain(HeightField.flat())
        self.state = initial_state(self.batch_size, skeleton.num_joints, self._rest, self.device)
        self._state_arrays = {k: v.numpy() for k, v in self.state.items()} if engine == "numpy" else {}
        self._pose = PoseBatch.rest(skeleton, self.batch_size, self.device)

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
        fresh = initial_state(self.batch_size, self.skeleton.num_joints, self._rest, self.device)
        if indices is None:
            for k, v in self.state.items():
                v.copy_(fresh[k])
            return
        idx = torch.as_tensor(list(indices), dtype=torch.long, device=self.device)
        for k, v in self.state.items():
            v[idx] = fresh[k][idx]

    def set_terrain(self, terrain: HeightField) -> None:
        """Use `terrain` for height queries (done automatically when TickInputs.terrain changes)."""
        self._terrain_source = terrain   # held, so that a new field cannot reuse a freed one's id
        self._heights = torch.as_tensor(terrain.heights, device=self.device)
        self._terrain = torch.tensor([terrain.origin[0], terrain.origin[1], 1.0 / terrain.cell_size],
                                     device=self.device)
        if self.device.type == "cpu":
            self._height_grid = HeightGrid.from_arrays(self._heights.numpy(), self._terrain.numpy())

    def place(self, positions: torch.Tensor | np.ndarray, yaw: torch.Tensor | np.ndarray | None = None) -> None:
        """Put the characters at world (x, z) positions [N, 2] (and headings [N]), history reset there."""
        xz = torch.as_tensor(np.asarray(positions, np.float32), device=self.device).reshape(self.batch_size, 2)
        self.reset()
        self.state["root_xz"].copy_(xz)
        self.state["past"][:, :, 0:2] = xz.unsqueeze(1)
        self.state["future"][:, :, 0:2] = xz.unsqueeze(1)
        if yaw is not None:
            y = torch.as_tensor(np.asarray(yaw, np.float32), device=self.device).reshape(self.batch_size)
            d = torch.stack([torch.sin(y), torch.cos(y)], -1).unsqueeze(1)
            self.state["yaw"].copy_(y)
            self.state["past"][:, :, 2:4] = d
            self.state["future"][:, :, 2:4] = d

    def step(self, inputs: TickInputs) -> PoseBatch:
        pads = inputs.gamepad
        if pads is None:
            pads = torch.zeros(self.batch_size, GAMEPAD_WIDTH, device=self.device)
        elif pads.shape != (self.batch_size, GAMEPAD_WIDTH):
            raise InputError(f"pfnn: gamepad tensor has shape {tuple(pads.shape)}, expected "
                             f"({self.batch_size}, {GAMEPAD_WIDTH})")
        if inputs.terrain is not None and inputs.terrain is not self._terrain_source:
            self.set_terrain(inputs.terrain)
        if self._numpy_tick is not None:
            rp, rr, lp, lr, contacts, traj = self._tick_numpy(pads)
        else:
            rp, rr, lp, lr, contacts, traj = self._tick_torch(pads)
        pose = self._pose
        pose.root_position, pose.root_rotation = rp, rr
        pose.local_positions, pose.local_rotations = lp, lr
        pose.extras["contacts"] = contacts
        pose.extras["trajectory"] = traj
        pose.extras["phase"] = self.state["phase"]
        return pose

    @torch.inference_mode()
    def _tick_torch(self, pads: torch.Tensor) -> tuple[torch.Tensor, ...]:
        s = self.state
        return self._core(pads, self._heights, self._terrain, s["root_xz"], s["yaw"], s["phase"], s["past"],
                          s["future"], s["joints"])

    def _tick_numpy(self, pads: torch.Tensor) -> tuple[torch.Tensor, ...]:
        a = self._state_arrays
        outputs = self._numpy_tick(pads.detach().numpy().astype(np.float32, copy=False), self._height_grid,
                                   a["root_xz"], a["yaw"], a["phase"], a["past"], a["future"], a["joints"])
        return tuple(torch.from_numpy(o) for o in outputs)
