"""The per-tick glue's cached numpy views: the pose hand-off copy, the gamepad staging and the foot lock
modifier read the tensors they are handed, also when a controller hands over other tensor objects."""
from __future__ import annotations

import numpy as np
import torch

from neuropuppet.input.source import HostStaging
from neuropuppet.modifiers import FootLockModifier
from neuropuppet.motion.synth.quadruped import quadruped_skeleton
from neuropuppet.pose import PoseBatch
from neuropuppet.ports import TickInputs
from neuropuppet.runtime import PoseCopy


def _pose(skeleton, n: int, seed: int) -> PoseBatch:
    pose = PoseBatch.rest(skeleton, n)
    g = torch.Generator().manual_seed(seed)
    for t in (pose.root_position, pose.local_positions):
        t.copy_(torch.randn(t.shape, generator=g))
    pose.extras["contacts"] = torch.rand(n, 4, generator=g)
    return pose


def _equal(a: PoseBatch, b: PoseBatch) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.tensors().values(), b.tensors().values())) and \
        a.extras.keys() == b.extras.keys()


def test_pose_copy_follows_new_tensors_dtypes_and_extras() -> None:
    sk = quadruped_skeleton()
    copy, dst, src = PoseCopy(), PoseBatch.rest(sk, 2), _pose(sk, 2, 0)
    copy(dst, src)
    assert _equal(dst, src)
    src.root_position.add_(1.0)                          # same tensors, new values: the numpy plan
    copy(dst, src)
    assert _equal(dst, src) and copy._plans[id(dst)][2] is not None
    src.local_positions = torch.randn(src.local_positions.shape)   # another object: planned again
    copy(dst, src)
    assert _equal(dst, src)
    src.extras["gait"] = torch.rand(2, 3)                # a new extra
    copy(dst, src)
    assert _equal(dst, src)
    src.root_position = torch.randn(2, 3, dtype=torch.float64)     # torch casts: PoseBatch.copy_ each tick
    copy(dst, src)
    copy(dst, src)
    assert copy._plans[id(dst)][2] is None and torch.allclose(dst.root_position, src.root_position.float())


def test_host_staging_writes_into_the_tensor_it_is_given() -> None:
    staging, a, b = HostStaging(), torch.zeros(2, 21), torch.zeros(2, 21)
    rows = np.arange(42, dtype=np.float32).reshape(2, 21)
    staging.write(a, rows)
    staging.write(b, rows + 1)
    assert torch.equal(a, torch.from_numpy(rows)) and torch.equal(b, torch.from_numpy(rows + 1))


class _Group:
    def __init__(self, skeleton, outputs, n):
        self.skeleton, self.outputs, self.batch_size = skeleton, outputs, n
        self.name, self.device = "dog", torch.device("cpu")


def test_foot_lock_modifier_reads_replaced_pose_tensors() -> None:
    """Once bound to a pose's arrays, the modifier writes into a replaced rotations tensor, as a fresh one does."""
    from neuropuppet.ports import OutputSpec
    from neuropuppet.trainers.mann.config import QUADRUPED_FEET
    sk = quadruped_skeleton()
    group = _Group(sk, {"contacts": OutputSpec("contacts", (4,), "paws", joints=tuple(QUADRUPED_FEET))}, 1)
    reused, fresh = FootLockModifier(), FootLockModifier()
    reused.bind(group)
    fresh.bind(group)
    pose = _pose(sk, 1, 1)
    pose.extras["contacts"].fill_(1.0)
    inputs = TickInputs(1 / 60)
    for k in range(6):
        pose.root_position[:, 2] += 0.02
        if k == 3:
            pose.local_rotations = pose.local_rotations.clone()
        other = pose.clone()
        before = pose.local_rotations.clone()
        reused.apply(pose, inputs)
        fresh.apply(other, inputs)
        fresh._views.clear()
        assert torch.equal(pose.local_rotations, other.local_rotations)
    assert not torch.equal(pose.local_rotations, before)     # the lock did turn the legs
