"""BVH reading/writing: round trips, odd-but-valid files, malformed files, real CMU data, resampling."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import neuropuppet.motion.rotations as R
from neuropuppet.errors import MotionDataError
from neuropuppet.motion import CMU_SCALE, Motion, Skeleton, read_bvh, resample, write_bvh
from neuropuppet.motion.kinematics import bone_lengths

MOCAP = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "mocap"
CMU_FILES = {"cmu_02_01_walk.bvh": 343, "cmu_05_06.bvh": 885, "cmu_131_01_start_walk_stop_maxfriendly.bvh": 994}

SMALL = """HIERARCHY
ROOT Hips
{
\tOFFSET 0 0 0
\tCHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
\tJOINT Spine
\t{
\t\tOFFSET 0 1 0
\t\tCHANNELS 6 Yrotation Xposition Yposition Zposition Xrotation Zrotation
\t\tJOINT Head
\t\t{
\t\t\tOFFSET 0 0 0
\t\t\tCHANNELS 3 Xrotation Zrotation Yrotation
\t\t\tEnd Site
\t\t\t{
\t\t\t\tOFFSET 0 0.5 0
\t\t\t}
\t\t}
\t}
}
MOTION
Frames: 2
Frame Time: 0.04
1 2 3 10 20 30 5 0.1 1.2 0.3 -40 50 60 70 80
1.5 2 3 11 21 31 6 0.2 1.1 0.4 -41 51 61 71 81
"""


def same_rotation(a: np.ndarray, b: np.ndarray, tol: float = 1e-6) -> bool:
    return bool((np.abs(np.abs(np.sum(a * b, axis=-1)) - 1.0) < tol).all())


def random_motion(seed: int = 0, frames: int = 20) -> Motion:
    rng = np.random.default_rng(seed)
    skel = Skeleton(("root", "a", "b", "c", "d"), np.array([-1, 0, 1, 0, 3]),
                    rng.normal(size=(5, 3)).astype(np.float32), {2: np.array([0.0, 0.1, 0.0], np.float32)})
    positions = np.repeat(skel.offsets[None].astype(np.float64), frames, axis=0)
    positions[:, 0] = rng.normal(size=(frames, 3))
    positions[:, 3] += rng.normal(size=(frames, 3)) * 0.1  # a joint with animated translation
    rotations = R.quat_normalize(rng.normal(size=(frames, 5, 4)))
    return Motion(skel, positions, rotations, 1 / 30)


def write_text(tmp_path: Path, text: str, name: str = "clip.bvh", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode())
    return path


def test_reads_channel_orders_six_channel_joints_and_end_sites(tmp_path: Path) -> None:
    m = read_bvh(write_text(tmp_path, SMALL))
    assert m.num_frames == 2 and m.num_joints == 3 and np.isclose(m.fps, 25.0)
    assert m.skeleton.names == ("Hips", "Spine", "Head")
    assert np.allclose(m.positions[:, 0], [[1, 2, 3], [1.5, 2, 3]])
    assert np.allclose(m.positions[:, 1], [[0.1, 1.2, 0.3], [0.2, 1.1, 0.4]])  # 6-channel non-root joint
    assert np.allclose(m.positions[:, 2], 0.0)  # zero-length offset kept
    # Spine channels: Yrotation 5, Xrotation -40, Zrotation 50 -> order "YXZ"
    want = R.quat_from_euler(np.deg2rad([5.0, -40.0, 50.0]), "YXZ")
    assert same_rotation(m.rotations[0, 1], want)
    want_head = R.quat_from_euler(np.deg2rad([60.0, 70.0, 80.0]), "XZY")
    assert same_rotation(m.rotations[0, 2], want_head)
    assert set(m.skeleton.end_sites) == {2} and np.allclose(m.skeleton.end_sites[2], [0, 0.5, 0])
    assert m.channels[1] == ("Yrotation", "Xposition", "Yposition", "Zposition", "Xrotation", "Zrotation")


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_and_scale(tmp_path: Path, newline: str) -> None:
    m = read_bvh(write_text(tmp_path, SMALL, newline=newline), scale=0.5)
    assert np.allclose(m.positions[0, 0], [0.5, 1.0, 1.5])
    assert np.allclose(m.skeleton.offsets[1], [0, 0.5, 0])
    assert np.allclose(m.skeleton.end_sites[2], [0, 0.25, 0])


@pytest.mark.parametrize("order", ["ZYX", "XYZ", "YZX", None])
def test_round_trip(tmp_path: Path, order: str | None) -> None:
    m = random_motion()
    path = write_bvh(tmp_path / "rt.bvh", m, order=order, scale=0.01)
    back = read_bvh(path, scale=0.01)
    assert back.skeleton.names == m.skeleton.names and np.array_equal(back.skeleton.parents, m.skeleton.parents)
    assert np.allclose(back.skeleton.offsets, m.skeleton.offsets, atol=1e-6)
    assert np.allclose(back.positions, m.positions, atol=1e-7)
    assert same_rotation(back.rotations, m.rotations)
    assert np.isclose(back.frame_time, m.frame_time)
    assert np.allclose(back.skeleton.end_sites[2], [0, 0.1, 0], atol=1e-7)
    # the joint with animated translation got position channels; a plain joint did not
    assert back.channels[3][0] == "Xposition" and len(back.channels[1]) == 3


def test_round_trip_keeps_read_layout(tmp_path: Path) -> None:
    m = read_bvh(write_text(tmp_path, SMALL))
    back = read_bvh(write_bvh(tmp_path / "again.bvh", m, order=None))
    assert back.channels == m.channels
    assert np.allclose(back.positions, m.positions) and same_rotation(back.rotations, m.rotations)


def test_very_long_lines(tmp_path: Path) -> None:
    # 300 joints in one chain: each frame line holds 906 values
    n = 300
    names = tuple(f"j{i}" for i in range(n))
    skel = Skeleton(names, np.arange(-1, n - 1), np.tile([[0.0, 0.1, 0.0]], (n, 1)))
    rng = np.random.default_rng(3)
    m = Motion(skel, np.repeat(skel.offsets[None].astype(np.float64), 4, axis=0),
               R.quat_normalize(rng.normal(size=(4, n, 4))), 1 / 60)
    back = read_bvh(write_bvh(tmp_path / "long.bvh", m))
    assert back.num_joints == n and same_rotation(back.rotations, m.rotations)


MALFORMED = {
    "truncated": (SMALL.rsplit("1.5", 1)[0], 25, "truncated MOTION block"),
    "cut mid-line": (SMALL[:-20], 25, "has 9 values, expected 15"),
    "wrong count": (SMALL.replace("1.5 2 3 11", "1.5 2 3"), 25, "has 14 values, expected 15"),
    "non-numeric": (SMALL.replace("-41", "abc"), 25, "non-numeric value 'abc'"),
    "nan": (SMALL.replace("-41", "nan"), 25, "non-finite value"),
    "rotation order": (SMALL.replace("3 Xrotation Zrotation Yrotation", "3 Xrotation Xrotation Yrotation"), 13,
                       "unknown rotation order 'XXY'"),
    "channel name": (SMALL.replace("Xrotation Zrotation Yrotation", "Xrotation Wrotation Yrotation"), 13,
                     "unknown channel 'Wrotation'"),
    "missing brace": (SMALL.replace("\tJOINT Spine\n\t{", "\tJOINT Spine\n"), 8, "expected '{'"),
    "bad offset": (SMALL.replace("OFFSET 0 1 0", "OFFSET 0 one 0"), 8, "OFFSET of joint 'Spine' must be a number"),
    "unclosed": (SMALL.replace("\t}\n}\nMOTION", "MOTION"), 18, "file ends inside HIERARCHY"),
    "frames": (SMALL.replace("Frames: 2", "Frames: two"), 22, "frame count must be an integer"),
    "frame time": (SMALL.replace("Frame Time: 0.04", "Frame Time: 0"), 23, "frame time must be positive"),
    "no motion": (SMALL.split("MOTION")[0], 20, "no MOTION section"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_name_file_and_line(tmp_path: Path, case: str) -> None:
    text, line, reason = MALFORMED[case]
    path = write_text(tmp_path, text, newline="\r\n")
    with pytest.raises(MotionDataError) as err:
        read_bvh(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:{line}: "), msg
    assert reason in msg, msg


def test_missing_file_is_a_motion_data_error(tmp_path: Path) -> None:
    with pytest.raises(MotionDataError, match="cannot read"):
        read_bvh(tmp_path / "absent.bvh")


def test_resample_integer_ratio_picks_frames() -> None:
    m = random_motion(frames=21)
    m.frame_time = 1 / 120
    half = resample(m, 60)
    assert half.num_frames == 11 and np.isclose(half.fps, 60)
    assert np.allclose(half.positions, m.positions[::2])
    assert same_rotation(half.rotations, m.rotations[::2], tol=1e-9)


def test_resample_interpolates_between_frames() -> None:
    m = random_motion(frames=3)
    m.frame_time = 1.0
    up = resample(m, 2.0)  # frames at t = 0, 0.5, 1, 1.5, 2
    assert up.num_frames == 5
    assert np.allclose(up.positions[1], 0.5 * (m.positions[0] + m.positions[1]))
    assert same_rotation(up.rotations[1], R.quat_slerp(m.rotations[0], m.rotations[1], 0.5))


def test_cmu_files_load_with_sane_skeletons() -> None:
    if not MOCAP.is_dir():
        pytest.skip(f"real CMU BVH files not found at {MOCAP.resolve()}")
    for name, frames in CMU_FILES.items():
        m = read_bvh(MOCAP / name, scale=CMU_SCALE)
        assert m.num_frames == frames and m.num_joints == 31, name
        assert abs(m.fps - 120.0) < 0.1
        world = m.world_positions()
        lengths = bone_lengths(m.skeleton.parents, world[0])
        assert lengths.max() < 0.6, f"{name}: longest bone {lengths.max():.2f} m"
        thigh = np.linalg.norm(m.skeleton.offsets[3])  # hip -> knee
        assert 0.3 < thigh < 0.55, f"{name}: thigh {thigh:.2f} m"
        lowest = world[..., 1].min(axis=1)  # lowest joint per frame: a foot on the ground
        assert -0.1 < np.median(lowest) < 0.1, f"{name}: median lowest joint at {np.median(lowest):.2f} m"
        assert 0.7 < np.median(world[:, 0, 1]) < 1.2, f"{name}: hips at {np.median(world[:, 0, 1]):.2f} m"
        half = resample(m, 60)
        assert abs(half.num_frames - frames / 2) <= 1


def test_cmu_round_trip(tmp_path: Path) -> None:
    if not MOCAP.is_dir():
        pytest.skip(f"real CMU BVH files not found at {MOCAP.resolve()}")
    m = read_bvh(MOCAP / "cmu_02_01_walk.bvh", scale=CMU_SCALE)
    back = read_bvh(write_bvh(tmp_path / "walk.bvh", m, scale=CMU_SCALE), scale=CMU_SCALE)
    assert np.allclose(back.world_positions(), m.world_positions(), atol=1e-5)


def test_round_trip_of_a_skeleton_not_stored_depth_first(tmp_path):
    """Columns are written in the hierarchy's depth-first order, whatever the skeleton's joint order."""
    import numpy as np

    from neuropuppet.motion.bvh import read_bvh, write_bvh
    from neuropuppet.motion.motion import Motion
    from neuropuppet.motion.rotations import quat_from_axis_angle
    from neuropuppet.motion.skeleton import Skeleton

    skel = Skeleton(("R", "A", "B", "C"), np.array([-1, 0, 0, 1]),
                    np.array([[0, 1, 0], [0.2, 0, 0], [-0.2, 0, 0], [0, 0.3, 0]]))
    rng = np.random.default_rng(0)
    axes = rng.normal(size=(5, 4, 3))
    rot = quat_from_axis_angle(axes / np.linalg.norm(axes, axis=-1, keepdims=True), rng.uniform(-1, 1, (5, 4)))
    pos = np.broadcast_to(skel.offsets, (5, 4, 3)).copy()
    m = Motion(skel, pos, rot.astype(np.float32), 1 / 60)
    back = read_bvh(write_bvh(tmp_path / "dfs.bvh", m))
    by_name = {n: i for i, n in enumerate(back.skeleton.names)}
    for j, name in enumerate(skel.names):
        q0, q1 = m.rotations[:, j], back.rotations[:, by_name[name]]
        assert np.allclose(np.abs((q0 * q1).sum(-1)), 1.0, atol=1e-5), name
