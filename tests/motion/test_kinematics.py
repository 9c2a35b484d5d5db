"""Forward kinematics: hand-computed transforms, bone-length preservation, torch == numpy."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import neuropuppet.motion.rotations as R
from neuropuppet.artifacts import quiet_torchscript
from neuropuppet.motion import Motion, Skeleton, forward_kinematics, pose_world_positions
from neuropuppet.motion.kinematics import bone_lengths
from neuropuppet.motion.kinematics_torch import ForwardKinematics, forward_kinematics as fk_torch
from neuropuppet.motion.kinematics_torch import forward_kinematics_tensor
from neuropuppet.pose import PoseBatch

PARENTS = [-1, 0, 1, 0, 3]
OFFSETS = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 2], [1, 0, 0], [0, -1, 0]], dtype=np.float64)


def test_hand_computed_chain() -> None:
    qz90 = R.quat_from_axis_angle(np.array([0, 0, 1.0]), np.pi / 2)
    qy90 = R.quat_from_axis_angle(np.array([0, 1.0, 0]), np.pi / 2)
    ident = R.quat_identity()
    rot = np.stack([qz90, qy90, ident, ident, ident])
    pos, wrot = forward_kinematics(PARENTS, OFFSETS, rot)
    # joint 0 at (0,1,0) rotated 90 deg about z; joint 1 offset (0,0,1) unaffected by z-rotation
    assert np.allclose(pos[0], [0, 1, 0])
    assert np.allclose(pos[1], [0, 1, 1])
    # joint 2: offset (0,0,2) rotated by Rz90 * Ry90: Ry90 takes +z to +x, Rz90 takes +x to +y
    assert np.allclose(pos[2], [0, 3, 1])
    # joint 3: offset (1,0,0) under Rz90 -> (0,1,0); joint 4: (0,-1,0) -> (1,0,0)
    assert np.allclose(pos[3], [0, 2, 0])
    assert np.allclose(pos[4], [1, 2, 0])
    assert np.allclose(wrot[2], R.quat_mul(qz90, qy90))


def test_root_transform_applies_above_joint_zero() -> None:
    rot = np.tile(R.quat_identity(), (5, 1))
    base, _ = forward_kinematics(PARENTS, OFFSETS, rot)
    yaw = R.quat_from_yaw(np.pi / 2)
    moved, _ = forward_kinematics(PARENTS, OFFSETS, rot, np.array([5.0, 0, 0]), yaw)
    assert np.allclose(moved, R.quat_rotate(yaw, base) + [5.0, 0, 0])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2 ** 31 - 1))
def test_fk_preserves_bone_lengths_and_torch_matches(seed: int) -> None:
    rng = np.random.default_rng(seed)
    rot = R.quat_normalize(rng.normal(size=(3, 5, 4)))
    local = np.broadcast_to(OFFSETS, (3, 5, 3))
    root_p, root_q = rng.normal(size=(3, 3)), R.quat_normalize(rng.normal(size=(3, 4)))
    pos, wrot = forward_kinematics(PARENTS, local, rot, root_p, root_q)
    rest = np.linalg.norm(OFFSETS[1:], axis=-1)
    assert np.allclose(bone_lengths(PARENTS, pos), rest)
    tpos, trot = fk_torch(PARENTS, torch.tensor(local), torch.tensor(rot), torch.tensor(root_p), torch.tensor(root_q))
    assert np.allclose(tpos.numpy(), pos) and np.allclose(trot.numpy(), wrot)


def test_torch_fk_scripts() -> None:
    rng = np.random.default_rng(1)
    rot = R.quat_normalize(rng.normal(size=(2, 5, 4))).astype(np.float32)
    local = np.broadcast_to(OFFSETS, (2, 5, 3)).astype(np.float32)
    ref, _ = forward_kinematics(PARENTS, local, rot)
    with quiet_torchscript():
        fn = torch.jit.script(fk_torch)
        fn_tensor = torch.jit.script(forward_kinematics_tensor)
        module = torch.jit.script(ForwardKinematics(PARENTS))
    for out in (fn(PARENTS, torch.tensor(local), torch.tensor(rot), None, None)[0],
                fn_tensor(torch.tensor(PARENTS), torch.tensor(local), torch.tensor(rot), None, None)[0],
                module(torch.tensor(local), torch.tensor(rot))[0]):
        assert np.allclose(out.numpy(), ref, atol=1e-5)


def test_pose_world_positions_and_motion_world() -> None:
    skel = Skeleton(("a", "b", "c", "d", "e"), np.array(PARENTS), OFFSETS)
    pose = PoseBatch.rest(skel, batch_size=2)
    pose.root_position[1] = torch.tensor([2.0, 0.0, 0.0])
    world = pose_world_positions(pose.to_numpy())
    assert world.shape == (2, 5, 3)
    assert np.allclose(world[1] - world[0], [2.0, 0.0, 0.0])
    assert np.allclose(world[0, 2], [0, 1, 3])
    rot = np.tile(R.quat_identity(), (4, 5, 1))
    motion = Motion(skel, np.broadcast_to(OFFSETS, (4, 5, 3)).copy(), rot, 1 / 30)
    assert np.allclose(motion.world()[0], world[0][None])
    assert motion[::2].num_frames == 2 and np.isclose(motion[::2].fps, 15.0)
