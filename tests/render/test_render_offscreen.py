"""Offscreen (EGL) rendering read back and checked against the camera's projection of the joints."""
from __future__ import annotations

import numpy as np
import pytest

import neuropuppet as npp
from neuropuppet.input.source import ScriptedGamepad
from neuropuppet.motion.kinematics import pose_world_positions
from neuropuppet.render.camera import FollowCamera
from neuropuppet.render.context import OffscreenTarget, create_offscreen_context
from neuropuppet.render.scene_renderer import SceneRenderer

import stick_figure
from pixels import character_mask

W, H = 320, 240


@pytest.fixture(scope="module")
def gl():
    ctx = create_offscreen_context()
    target = OffscreenTarget(ctx, W, H)
    renderer = SceneRenderer(ctx)
    yield ctx, target, renderer
    renderer.release()
    target.release()
    ctx.release()


def _walked_pose(seconds: float, lx: float, ly: float) -> npp.PoseArrays:
    stick_figure.register()
    rt = npp.Runtime()
    state = npp.GamepadState()
    state.axes[:2] = (lx, ly)
    group = rt.spawn("stick", input=ScriptedGamepad(lambda t: state))
    for _ in range(int(seconds * 60)):
        rt.tick()
    return group.interpolated(1.0)


def _draw(gl, pose, camera, overlays=False) -> np.ndarray:
    ctx, target, renderer = gl
    renderer.overlays.set_all(overlays)
    target.use()
    renderer.draw([pose], camera)
    return target.read()


def test_character_pixels_lie_on_projected_joints_and_nowhere_else(gl):
    pose = _walked_pose(0.5, 0.6, 0.3)
    camera = FollowCamera(aspect=W / H, yaw=0.4, pitch=0.25, distance=4.0)
    camera.follow(pose.root_position[0] + np.array([0.0, 1.0, 0.0]), 0.0)
    frame = _draw(gl, pose, camera)
    mask = character_mask(frame)
    joints_px = camera.project(pose_world_positions(pose)[0], W, H)
    assert np.all((joints_px > 0) & (joints_px < [W, H])), "test camera must see every joint"
    for x, y in joints_px:                        # character colour at (within 4 px of) every joint
        xi, yi = int(round(x)), int(round(y))
        assert mask[max(yi - 4, 0):yi + 5, max(xi - 4, 0):xi + 5].any(), f"no character pixel near joint ({x:.0f},{y:.0f})"
    ys, xs = np.nonzero(mask)                     # and character colour only around the skeleton
    lo, hi = joints_px.min(0) - 15, joints_px.max(0) + 15
    inside = (xs >= lo[0]) & (xs <= hi[0]) & (ys >= lo[1]) & (ys <= hi[1])
    assert inside.all(), f"{(~inside).sum()} character-coloured pixels far from the projected skeleton"
    assert not mask[:, :int(lo[0])].any() and not mask[:, int(hi[0]) + 1:].any()


def test_background_is_sky_above_horizon_and_ground_below(gl):
    pose = _walked_pose(0.1, 0.0, 0.0)
    camera = FollowCamera(aspect=W / H, pitch=0.2)
    camera.follow(np.array([0.0, 1.0, 0.0]), 0.0)
    frame = _draw(gl, pose, camera).astype(np.int32)
    sky, ground = frame[2, 5], frame[-3, 5]
    assert sky[2] > sky[0] + 20, f"top-left should be blue sky, got {sky}"
    assert abs(ground[0] - ground[2]) < 25, f"bottom should be grey ground, got {ground}"
    bottom = frame[-60:, :, 0]
    assert bottom.std() > 8, "ground checker pattern not visible"


def test_character_moves_on_screen_the_way_the_stick_points(gl):
    camera = FollowCamera(aspect=W / H, distance=6.0)
    camera.follow(np.array([0.0, 1.0, 0.0]), 0.0)
    start = character_mask(_draw(gl, _walked_pose(0.0, 0.0, 0.0), camera))
    moved = character_mask(_draw(gl, _walked_pose(0.6, 1.0, 0.0), camera))
    assert np.nonzero(moved)[1].mean() > np.nonzero(start)[1].mean() + 20, "stick right should move it right on screen"


def test_overlays_draw_trajectory_pixels_only_when_enabled(gl):
    pose = _walked_pose(0.5, 0.0, 1.0)
    camera = FollowCamera(aspect=W / H, pitch=0.6, distance=5.0)
    camera.follow(pose.root_position[0] + np.array([0.0, 1.0, 0.0]), 0.0)

    def yellow(frame: np.ndarray) -> int:
        f = frame.astype(np.int32)
        return int(((f[..., 0] > 200) & (f[..., 1] > 170) & (f[..., 2] < 90)).sum())

    assert yellow(_draw(gl, pose, camera, overlays=True)) > 10
    assert yellow(_draw(gl, pose, camera, overlays=False)) == 0


def test_camera_projects_its_target_to_the_image_centre():
    camera = FollowCamera(aspect=2.0, yaw=1.0, pitch=0.5)
    camera.follow(np.array([3.0, 1.0, -2.0]), 0.0)
    np.testing.assert_allclose(camera.project(camera.target, 200, 100), [100, 50], atol=1e-6)
    camera.orbit(0.0, 10.0, 100.0)
    assert camera.pitch <= 1.4 and camera.distance <= 40.0


def test_the_ground_point_under_a_pixel_projects_back_to_that_pixel():
    from neuropuppet.render.view import ground_under
    from neuropuppet.terrain import HeightField

    camera = FollowCamera(aspect=W / H, yaw=0.8, pitch=0.5, distance=5.0)
    camera.follow(np.array([1.0, 1.0, -2.0]), 0.0)
    hill = HeightField(np.fromfunction(lambda r, c: 0.05 * c, (41, 41)), cell_size=0.5, origin=(-10.0, -10.0))
    for terrain in (None, hill):
        for px in ((160.0, 200.0), (40.0, 230.0), (300.0, 150.0)):
            point = ground_under(camera, *px, (W, H), terrain)
            expected = 0.0 if terrain is None else float(terrain.sample(np.array(point[0]), np.array(point[2])))
            assert point[1] == pytest.approx(expected, abs=1e-3), "the point must lie on the ground"
            np.testing.assert_allclose(camera.project(point, W, H), px, atol=0.5)
    camera.pitch = 0.05                     # nearly level: the top rows look at the sky
    assert ground_under(camera, 160.0, 2.0, (W, H)) is None, "above the horizon there is no ground"
