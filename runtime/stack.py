"""Characters as stacks: a body controller plus layers that each own a set of joints.

    group = runtime.spawn("pfnn", layers=["lookat"])           # body + one layer
    group.layer("lookat").fade_to(0.0, seconds=0.5)            # fade it out without a pop

A layer is a controller that declares `layer_joints` (joints of its own skeleton it writes). Its
skeleton maps onto the body's by joint name (exact, then ignoring case, underscores and a "prefix:";
`joint_map` overrides); joints the body lacks (eyes, eyelids) are attached as new joints at the
layer's rest offsets under their mapped parent, so renderer, recorder and exporter see one skeleton
per character (`composite_skeleton`). Each tick the body steps, then each layer in priority order
reads the pose beneath it (`PoseBelow`: world transforms of the joints it reads) and its owned joints'
local rotations (and translations) are blended over the pose below with the layer's weight [N].
Two layers writing one joint need different priorities (the higher one is applied later, on top).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import torch

from .errors import InputError
from .kernels import stack as stack_kernels
from .kernels.views import HostViews
from .motion.kinematics_torch import forward_kinematics
from .motion.rotations_torch import quat_nlerp
from .motion.skeleton import Skeleton
from .pose import PoseBatch


@dataclass
class LayerSpec:
    """How a layer joins a stack: plugin name (or a ready controller), start weight, priority, options."""

    name: str
    weight: float = 1.0
    priority: int = 0
    artifact: str | None = None
    joint_map: dict[str, str] = field(default_factory=dict)   # layer joint name -> body joint name
    options: dict[str, Any] = field(default_factory=dict)
    controller: Any = None                                     # a ready instance instead of a plugin name

    @classmethod
    def parse(cls, item: "str | dict | LayerSpec | Any") -> "LayerSpec":
        """From a name, a mapping (YAML: {name: lookat, weight: 0.5, priority: 1, joint_map: {...}, options: {...}}),
        a LayerSpec, or a controller instance."""
        if isinstance(item, LayerSpec):
            return item
        if isinstance(item, str):
            return cls(item.strip())
        if isinstance(item, dict):
            known = {"name", "weight", "priority", "artifact", "joint_map", "options"}
            unknown = sorted(set(item) - known)
            if unknown or "name" not in item:
                raise InputError(f"layer {item!r}: " + (f"unknown key {unknown[0]!r} (keys: {', '.join(sorted(known))})"
                                                       if unknown else "needs a 'name'"))
            return cls(**item)
        if hasattr(item, "step") and hasattr(item, "skeleton"):
            return cls(getattr(item, "name", type(item).__name__), controller=item)
        raise InputError(f"a layer is a plugin name, a mapping or a controller, not {type(item).__name__}")


def joint_key(name: str) -> str:
    """A joint name for loose matching: no namespace prefix, lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.rsplit(":", 1)[-1].lower())


def map_joints(target: Skeleton, names: Sequence[str], joint_map: dict[str, str] | None = None) -> list[int]:
    """Index in `target` of each name (-1 where absent): joint_map first, then exact, then loose match."""
    joint_map = joint_map or {}
    exact = {n: i for i, n in enumerate(target.names)}
    loose: dict[str, list[int]] = {}
    for i, n in enumerate(target.names):
        loose.setdefault(joint_key(n), []).append(i)
    out = []
    for n in names:
        want = joint_map.get(n, n)
        if want in exact:
            out.append(exact[want])
        elif len(loose.get(joint_key(want), [])) == 1:
            out.append(loose[joint_key(want)][0])
        elif n in joint_map:
            raise InputError(f"joint_map maps {n!r} to {want!r}, which the body's skeleton lacks")
        else:
            out.append(-1)
    return out


def composite_skeleton(body: Skeleton, layers: Sequence[tuple[str, Skeleton, dict[str, str]]]
                       ) -> tuple[Skeleton, list[np.ndarray]]:
    """The body's skeleton with every layer joint it lacks attached; and per layer, each of its joints'
    index in the composite. A layer joint the body lacks is added under its (mapped) parent at the
    layer's rest offset; a missing layer root cannot be added (InputError naming it)."""
    names, parents, offsets = list(body.names), list(body.parents), [o for o in body.offsets]
    maps = []
    for layer_name, sk, joint_map in layers:
        current = Skeleton(tuple(names), np.array(parents), np.array(offsets))
        found = map_joints(current, sk.names, joint_map)
        idx = np.empty(sk.num_joints, np.int64)
        for j, name in enumerate(sk.names):
            if found[j] >= 0:
                idx[j] = found[j]
                continue
            p = int(sk.parents[j])
            if p < 0:
                raise InputError(f"layer {layer_name!r}: its root joint {name!r} is not in the body's skeleton and "
                                 f"cannot be added (a layer's root must be a body joint; body joints: "
                                 f"{', '.join(body.names[:12])}{', ...' if body.num_joints > 12 else ''}); "
                                 f"map it with joint_map")
            unique = name if name not in names else f"{layer_name}:{name}"
            idx[j] = len(names)
            names.append(unique)
            parents.append(int(idx[p]))
            offsets.append(sk.offsets[j])
        maps.append(idx)
    return Skeleton(tuple(names), np.array(parents), np.array(offsets, np.float32)), maps


@dataclass
class PoseBelow:
    """What a layer sees of the pose beneath it, in the layer's own joint order ([N, Jl, ...]).

    local_rotations / local_positions: the pose below (joints it lacks: the layer's rest pose).
    world_positions / world_rotations: world transforms of the joints the layer reads and their
    ancestors (other rows hold the rest pose's local values: do not use them).
    """

    root_position: torch.Tensor
    root_rotation: torch.Tensor
    local_positions: torch.Tensor
    local_rotations: torch.Tensor
    world_positions: torch.Tensor
    world_rotations: torch.Tensor
    skeleton: Skeleton
    reads: tuple[int, ...]

    def world(self, joint: str | int) -> tuple[torch.Tensor, torch.Tensor]:
        """World position [N, 3] and rotation [N, 4] of one read joint, by name or index."""
        j = self.skeleton.index(joint) if isinstance(joint, str) else int(joint)
        if j not in self.reads:
            raise InputError(f"joint {self.skeleton.names[j]!r} is not among the layer's layer_reads")
        return self.world_positions[:, j], self.world_rotations[:, j]


class Layer:
    """One layer of a stack: its controller, its joints in the composite, its blend weight per character."""

    def __init__(self, spec: LayerSpec, controller: Any, composite: Skeleton, to_composite: np.ndarray) -> None:
        self.spec, self.controller = spec, controller
        self.name = spec.name
        sk: Skeleton = controller.skeleton
        n, dev = controller.batch_size, controller.device
        owned = tuple(getattr(controller, "layer_joints", ()) or sk.names)
        missing = [j for j in owned if j not in sk.names]
        if missing:
            raise InputError(f"layer {self.name!r}: layer_joints names {missing[0]!r}, which its own skeleton lacks "
                             f"(joints: {', '.join(sk.names)})")
        for j in owned:     # a written local rotation means something only in the frame of its own parent
            k, p = sk.index(j), int(sk.parents[sk.index(j)])
            if p >= 0 and int(composite.parents[to_composite[k]]) != int(to_composite[p]):
                body_parent = composite.parents[to_composite[k]]
                raise InputError(f"layer {self.name!r}: joint {j!r} hangs from {sk.names[p]!r} in the layer's skeleton "
                                 f"but from {composite.names[body_parent] if body_parent >= 0 else 'the root'!r} "
                                 f"in the body's, so the layer's rotations of it would turn the wrong bones; "
                                 f"map the joints with joint_map or give the layer the body's chain")
        self.owned_layer = torch.tensor([sk.index(j) for j in owned], dtype=torch.long, device=dev)
        self.owned = torch.as_tensor(to_composite[self.owned_layer.cpu().numpy()], dtype=torch.long, device=dev)
        self.owned_names = tuple(composite.names[int(i)] for i in self.owned)
        self.to_composite = torch.as_tensor(to_composite, dtype=torch.long, device=dev)
        reads = getattr(controller, "layer_reads", None)      # None: its joints and their parents; (): none
        if reads is None:
            reads = owned + tuple(sk.names[int(sk.parents[sk.index(j)])] for j in owned if sk.parents[sk.index(j)] >= 0)
        reads = tuple(reads)
        bad = [j for j in reads if j not in sk.names]
        if bad:
            raise InputError(f"layer {self.name!r}: layer_reads names {bad[0]!r}, which its own skeleton lacks")
        self.reads = tuple(sorted({sk.index(j) for j in reads}))
        closure: set[int] = set()
        for j in self.reads:                       # the reads and all their ancestors, in the composite
            c = int(to_composite[j])
            while c >= 0 and c not in closure:
                closure.add(c)
                c = int(composite.parents[c])
        chain = sorted(closure)
        self._chain = torch.tensor(chain, dtype=torch.long, device=dev)
        self._chain_parents = [chain.index(int(composite.parents[c])) if composite.parents[c] >= 0 else -1
                               for c in chain]
        pos_in_chain = {c: k for k, c in enumerate(chain)}
        # the CPU kernels' index arrays (neuropuppet.kernels.stack)
        self._cpu = torch.device(dev).type == "cpu"
        self._to_composite_np = np.ascontiguousarray(to_composite, np.int64)
        self._chain_np = np.array(chain, np.int64)
        self._chain_parents_np = np.array(self._chain_parents, np.int64)
        self._read_rows_np = np.array(self.reads, np.int64)
        self._read_chain_np = np.array([pos_in_chain[int(to_composite[j])] for j in self.reads], np.int64)
        self._owned_np = self.owned.cpu().numpy().astype(np.int64)
        self._owned_layer_np = self.owned_layer.cpu().numpy().astype(np.int64)
        self._read_rows = torch.tensor(list(self.reads), dtype=torch.long, device=dev)
        self._read_chain = torch.tensor([pos_in_chain[int(to_composite[j])] for j in self.reads], dtype=torch.long,
                                        device=dev)
        self.weight = torch.full((n,), float(spec.weight), device=dev)
        self.target = self.weight.clone()
        self.rate = torch.full((n,), float("inf"), device=dev)
        rest = PoseBatch.rest(sk, n, dev)
        self.below = PoseBelow(rest.root_position, rest.root_rotation, rest.local_positions, rest.local_rotations,
                               rest.local_positions.clone(), rest.local_rotations.clone(), sk, self.reads)
        self._weight_col = self.weight.view(n, 1)
        if self._cpu:
            self._fades_np = (self.weight.numpy(), self.target.numpy(), self.rate.numpy())
            b = self.below
            self._below_np = (b.local_positions.numpy(), b.local_rotations.numpy(), b.world_positions.numpy(),
                              b.world_rotations.numpy())
        self._pose_views: dict[int, HostViews] = {}     # per pose object the stack passes (it swaps two)
        self._out_views = HostViews()

    # -- fades -------------------------------------------------------------------------------------
    def set_weight(self, weight: float, indices: Sequence[int] | None = None) -> None:
        """Set the blend weight (0 = the pose below, 1 = the layer's pose) at once."""
        self._rows(self.weight, indices, float(np.clip(weight, 0.0, 1.0)))
        self._rows(self.target, indices, float(np.clip(weight, 0.0, 1.0)))

    def fade_to(self, weight: float, seconds: float = 0.3, indices: Sequence[int] | None = None) -> None:
        """Move the weight linearly to `weight` over `seconds` of simulation time (no pop)."""
        w = float(np.clip(weight, 0.0, 1.0))
        self._rows(self.target, indices, w)
        rate = torch.abs(self.target - self.weight) / max(float(seconds), 1e-6)
        if indices is None:
            self.rate.copy_(rate)
        else:
            rows = torch.as_tensor(list(indices), dtype=torch.long, device=self.rate.device)
            self.rate[rows] = rate[rows]

    @staticmethod
    def _rows(t: torch.Tensor, indices: Sequence[int] | None, value: float) -> None:
        if indices is None:
            t.fill_(value)
        else:
            t[torch.as_tensor(list(indices), dtype=torch.long, device=t.device)] = value

    def advance_weight(self, dt: float) -> None:
        """Move the weights one tick of `dt` seconds toward their targets."""
        if self._cpu:
            stack_kernels.advance_weights(*self._fades_np, float(dt))
            return
        step = self.rate * dt
        self.weight.copy_(self.weight + torch.clamp(self.target - self.weight, -step, step))

    # -- one tick ------------------------------------------------------------------------------------
    def fill_below(self, pose: PoseBatch) -> PoseBelow:
        """The pose beneath this layer (the composite so far) in the layer's joint order."""
        b = self.below
        b.root_position, b.root_rotation = pose.root_position, pose.root_rotation
        arrays = self._host(pose)
        if arrays is not None:      # one compiled call: gather + the read chain's FK
            stack_kernels.layer_below(*arrays, self._to_composite_np, self._chain_np, self._chain_parents_np,
                                      self._read_rows_np, self._read_chain_np, *self._below_np)
            return b
        torch.index_select(pose.local_rotations, 1, self.to_composite, out=b.local_rotations)
        torch.index_select(pose.local_positions, 1, self.to_composite, out=b.local_positions)
        if not self.reads:
            return b
        lp = pose.local_positions.index_select(1, self._chain)
        lr = pose.local_rotations.index_select(1, self._chain)
        wp, wr = forward_kinematics(self._chain_parents, lp, lr, pose.root_position, pose.root_rotation)
        b.world_positions[:, self._read_rows] = wp.index_select(1, self._read_chain)
        b.world_rotations[:, self._read_rows] = wr.index_select(1, self._read_chain)
        return b

    def _host(self, pose: PoseBatch) -> tuple[np.ndarray, ...] | None:
        """numpy views (local positions, local rotations, root position, root rotation) of a CPU float32
        pose for the kernels, or None (the torch path)."""
        if not self._cpu:
            return None
        views = self._pose_views.get(id(pose))
        if views is None:
            if len(self._pose_views) > 8:
                self._pose_views.clear()
            views = self._pose_views[id(pose)] = HostViews()
        arrays = views(pose.local_positions, pose.local_rotations, pose.root_position, pose.root_rotation)
        return arrays if arrays is not None and arrays[0].dtype == np.float32 else None

    def blend_into(self, pose: PoseBatch, out: PoseBatch) -> None:
        """Write the layer's owned joints over `pose` with this layer's weight."""
        below = self._host(pose)
        mine = self._out_views(out.local_positions, out.local_rotations) if below is not None else None
        if mine is not None:
            stack_kernels.blend_owned(below[0], below[1], *mine, self._owned_np, self._owned_layer_np,
                                      self._fades_np[0])
            return
        below_r = pose.local_rotations.index_select(1, self.owned)
        mine_r = out.local_rotations.index_select(1, self.owned_layer)
        below_p = pose.local_positions.index_select(1, self.owned)
        mine_p = out.local_positions.index_select(1, self.owned_layer)
        w = self.weight.view(-1, 1)
        pose.local_rotations[:, self.owned] = quat_nlerp(below_r, mine_r, w.expand(-1, below_r.shape[1]))
        pose.local_positions[:, self.owned] = torch.lerp(below_p, mine_p, w.unsqueeze(-1))


def claim_conflicts(layers: Sequence[Layer]) -> None:
    """InputError when two layers of equal priority write one joint (their order would be a guess)."""
    claimed: dict[str, Layer] = {}
    for layer in layers:
        for j in layer.owned_names:
            other = claimed.get(j)
            if other is not None and other.spec.priority == layer.spec.priority:
                raise InputError(f"layers {other.name!r} and {layer.name!r} both write joint {j!r} and neither is "
                                 f"ordered over the other: give one a higher priority, e.g. layers: "
                                 f"[{other.name}, {{name: {layer.name}, priority: {layer.spec.priority + 1}}}] in a "
                                 f"scene, --layers {other.name},{layer.name}:{layer.spec.priority + 1} on the command line")
            claimed[j] = layer


__all__ = ["LayerSpec", "Layer", "PoseBelow", "composite_skeleton", "map_joints", "joint_key", "claim_conflicts"]
