"""Motion data layer: skeletons, rotations, forward kinematics, BVH I/O, dataset helpers, metrics.

Numpy modules: rotations, kinematics, motion, bvh, dataset, metrics.
TorchScript-ready modules (imported on demand): rotations_torch, kinematics_torch.
"""
from .bvh import CMU_SCALE, read_bvh, resample, write_bvh
from .kinematics import forward_kinematics, pose_world_positions
from .motion import Motion
from .skeleton import Skeleton

__all__ = ["CMU_SCALE", "Motion", "Skeleton", "forward_kinematics", "pose_world_positions", "read_bvh",
           "resample", "write_bvh"]
