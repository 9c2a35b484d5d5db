"""Pose modifiers: post-processing passes applied to a character's composed pose after each tick.

A modifier has `name`, `bind(group)` (learn the skeleton, the declared outputs and the batch size;
raise InputError when it cannot work on this character), `apply(pose, inputs)` (change the pose in
place) and `reset(indices=None)`. They run in the order given, after the body and its layers.
Modifiers are configured per character: `runtime.spawn("pfnn", modifiers=["foot_lock"])`, or
`[{"name": "foot_lock", "threshold": 0.6}]` in a scene, or ready instances. A controller names the
ones it wants by default in `default_modifiers`. Third-party modifiers register under the entry-point
group `neuropuppet.modifiers` (name = class taking keyword options).
"""
from __future__ import annotations

import importlib.metadata as md
import logging
from typing import TYPE_CHECKING, Any, Protocol, Sequence, runtime_checkable


from .errors import InputError, PluginError
from .motion.foot_ik import FootLock, LegChain, leg_chain
from .motion.skeleton import Skeleton
from .pose import PoseBatch
from .ports import TickInputs
from .kernels.views import HostViews
from .terrain import HeightField

if TYPE_CHECKING:
    from .runtime import CharacterGroup

log = logging.getLogger(__name__)


@runtime_checkable
class PoseModifier(Protocol):
    name: str

    def bind(self, group: "CharacterGroup") -> None: ...

    def apply(self, pose: PoseBatch, inputs: TickInputs) -> None: ...

    def reset(self, indices: Sequence[int] | None = None) -> None: ...


def legs_from_contacts(skeleton: Skeleton, contact_joints: Sequence[str], toe_height: float = 0.02) -> list[LegChain]:
    """Leg chains for foot IK from the joints a contacts output names (one column per joint).

    A contact joint with a contact child is a heel (ankle) and that child its toe (a biped's heel +
    toe); a contact joint with no contact child or parent is the toe end of a leg whose ankle is its
    parent (a quadruped's paw). Knee and hip are the next two ancestors.
    """
    idx = []
    for name in contact_joints:
        try:
            idx.append(skeleton.index(name))
        except KeyError:
            raise InputError(f"foot lock: the contacts output names joint {name!r}, which the skeleton lacks") from None
    col = {j: c for c, j in enumerate(idx)}
    legs = []
    for c, j in enumerate(idx):
        parent = int(skeleton.parents[j])
        if parent in col:
            continue                                   # a toe: handled with its heel
        toe_children = [k for k in skeleton.children(j) if k in col]
        if toe_children:
            ankle, toe, heel_c, toe_c = j, toe_children[0], c, col[toe_children[0]]
        else:
            ankle, toe, heel_c, toe_c = parent, j, -1, c
        knee = int(skeleton.parents[ankle]) if ankle >= 0 else -1
        hip = int(skeleton.parents[knee]) if knee >= 0 else -1
        if min(ankle, knee, hip) < 0:
            raise InputError(f"foot lock: contact joint {skeleton.names[j]!r} has no hip -> knee -> ankle chain above it")
        legs.append(leg_chain(skeleton, hip, knee, ankle, toe, heel_contact=heel_c, toe_contact=toe_c,
                              toe_height=toe_height, name=skeleton.names[ankle]))
    if not legs:
        raise InputError("foot lock: the contacts output names no joints")
    return legs


class FootLockModifier:
    """Planted feet hold still and stand on the terrain (`neuropuppet.motion.foot_ik`), for any legged body.

    Reads the declared output `contacts` (its `joints` say which joint each column belongs to) and the
    terrain input; works on CPU poses (on a GPU, apply `FootLock.apply_pose` to the host copy).
    Options are `FootLock`'s (threshold, release_threshold, release_frames, smooth_blend, ...) plus
    toe_height; a controller declares its own in `default_modifiers` ({"name": "foot_lock", **options}).
    """

    name = "foot_lock"

    def __init__(self, contacts: str = "contacts", toe_height: float = 0.02, **options: Any) -> None:
        self.contacts, self.toe_height, self.options = contacts, toe_height, options
        self.lock: FootLock | None = None

    def bind(self, group: "CharacterGroup") -> None:
        spec = group.outputs.get(self.contacts)
        if spec is None or not spec.joints:
            raise InputError(f"foot lock: {group.name!r} declares no {self.contacts!r} output naming its contact "
                             "joints (OutputSpec(..., joints=...))")
        if group.device.type != "cpu":
            raise InputError(f"foot lock: works on CPU poses; {group.name!r} runs on {group.device} (apply "
                             "FootLock.apply_pose to the host copy of the pose instead)")
        try:
            legs = legs_from_contacts(group.skeleton, spec.joints, self.toe_height)
            self.lock = FootLock(group.skeleton, legs, group.batch_size, **self.options)
        except TypeError as e:
            raise InputError(f"foot lock: bad option ({e})") from None
        self._terrain = None
        self._views: dict[int, HostViews] = {}

    def apply(self, pose: PoseBatch, inputs: TickInputs) -> None:
        assert self.lock is not None, "bind() first"
        terrain = inputs.get("terrain")
        if terrain is None:
            if self._terrain is None:
                self._terrain = HeightField.flat()
            terrain = self._terrain
        self.lock.apply(*self._arrays(pose), terrain)

    def _arrays(self, pose: PoseBatch) -> tuple:
        """The numpy views of the pose's root position and rotation, local positions and rotations and contacts,
        made once per pose buffer (the runtime keeps two and writes into them in place; `HostViews` makes them
        again when a tensor is another object). Same arrays every tick: `FootLock.apply`'s fast path."""
        tensors = (pose.root_position, pose.root_rotation, pose.local_positions, pose.local_rotations,
                   pose.extras[self.contacts])
        views = self._views.get(id(pose))
        if views is None:
            if len(self._views) > 8:                    # poses come and go (tests): forget old ones
                self._views.clear()
            views = self._views[id(pose)] = HostViews()
        arrays = views(*tensors)
        return arrays if arrays is not None else tuple(t.numpy() for t in tensors)

    def reset(self, indices: Sequence[int] | None = None) -> None:
        if self.lock is not None:
            self.lock.reset(indices)


BUILT_IN = {"foot_lock": FootLockModifier}
GROUP = "neuropuppet.modifiers"


def modifier_class(name: str) -> type:
    """The modifier class called `name`: built in, or from the `neuropuppet.modifiers` entry points."""
    if name in BUILT_IN:
        return BUILT_IN[name]
    for ep in md.entry_points(group=GROUP):
        if ep.name == name:
            try:
                return ep.load()
            except Exception as e:
                raise PluginError(f"pose modifier {name!r} failed to import: {type(e).__name__}: {e}") from e
    known = sorted(set(BUILT_IN) | {ep.name for ep in md.entry_points(group=GROUP)})
    raise PluginError(f"no pose modifier named {name!r} (available: {', '.join(known)})")


def build_modifier(item: Any) -> Any:
    """A modifier from a name, a mapping {name: ..., **options} or a ready instance."""
    if isinstance(item, str):
        return modifier_class(item)()
    if isinstance(item, dict):
        options = dict(item)
        name = options.pop("name", None)
        if not isinstance(name, str):
            raise InputError(f"modifier {item!r} needs a 'name'")
        try:
            return modifier_class(name)(**options)
        except TypeError as e:
            raise InputError(f"modifier {name!r}: bad options ({e})") from None
    if callable(getattr(item, "apply", None)) and callable(getattr(item, "bind", None)):
        return item
    raise InputError(f"a pose modifier is a name, a mapping or an object with bind/apply, not {type(item).__name__}")


__all__ = ["PoseModifier", "FootLockModifier", "legs_from_contacts", "build_modifier", "modifier_class"]
