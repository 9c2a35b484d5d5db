"""The front camera frames the hero's face (eyes, irises, lids visible) from in front, turns with the body,
keeps steering relative to the follow view, and cycles back to the follow view it left."""
from __future__ import annotations

import numpy as np
import pytest

import neuropuppet as npp
from neuropuppet.errors import InputError
from neuropuppet.input.patterns import demo_input
from neuropuppet.input.source import FunctionInput
from neuropuppet.motion.kinematics import forward_kinematics
from neuropuppet.render.camera import CAMERA_MODES, FollowCamera, face_of
from neuropuppet.render.context import OffscreenTarget, create_offscreen_context
from neuropuppet.render.scene_renderer import SceneRenderer
from neuropuppet.render.view import current_poses, share_camera

W, H = 320, 240


def walking_gazer(seconds: float = 1.5):
    rt = npp.Runtime()
    rt.spawn("pfnn", layers=["gaze"], input=demo_input(),
             inputs={"gaze_target": FunctionInput("gaze_target", lambda t: np.array([1.5 * np.sin(t), 1.5, 3.0]))})
    for _ in range(int(seconds * 60)):
        rt.tick()
    return rt


def eyes_of(pose) -> np.ndarray:
    sk = pose.skeleton
    wp, _ = forward_kinematics(sk.parents, pose.local_positions[0], pose.local_rotations[0], pose.root_position[0],
                               pose.root_rotation[0])
    return wp[[sk.index("LeftEye"), sk.index("RightEye")]]


def test_the_front_camera_faces_the_eyes_from_in_front_and_close():
    rt = walking_gazer()
    poses = current_poses(rt)
    camera = FollowCamera(aspect=W / H, mode="front")
    camera.track(poses, 0.0)
    eyes = eyes_of(poses[0])
    head = eyes.mean(0)
    w, x, y, z = poses[0].root_rotation[0]
    facing = np.array([2 * (x * z + w * y), 0.0, 1 - 2 * (x * x + y * y)])
    to_camera = camera.eye - head
    assert np.dot(to_camera, facing) / np.linalg.norm(to_camera) > 0.9, "the camera should be in front of the face"
    assert np.linalg.norm(to_camera) < 1.0
    px = camera.project(eyes, W, H)
    assert np.abs(px.mean(0) - [W / 2, H / 2]).max() < 0.1 * W, f"the eyes should be at the frame's centre: {px}"
    assert np.linalg.norm(px[0] - px[1]) > 0.1 * W, "the eyes should be far enough apart to be seen"
    np.testing.assert_allclose(face_of(poses)[0], head, atol=1e-4)


def test_the_front_camera_turns_with_the_body_and_steering_stays_with_the_follow_view():
    rt = walking_gazer(0.2)
    camera = FollowCamera(aspect=W / H)
    camera.orbit(0.7, 0.0)
    follow = (camera.yaw, camera.pitch, camera.distance, camera.fov_y)
    assert camera.cycle() == "front"
    yaws = []
    for _ in range(90):                         # the demo input walks and turns
        share_camera(rt, camera)
        assert rt.camera_yaw == pytest.approx(follow[0]), "the stick must steer relative to the follow view"
        rt.advance(1 / 30)
        camera.track(current_poses(rt), 1 / 30)
        yaws.append(camera.yaw)
        eyes = eyes_of(current_poses(rt)[0])
        assert np.all(np.isfinite(camera.project(eyes, W, H)))
    heading = face_of(current_poses(rt))[1]
    assert abs(np.angle(np.exp(1j * (camera.yaw - heading - np.pi)))) < 0.3
    camera.orbit(0.2, 0.1, -1.0)                # the player's turn and zoom around the face
    assert camera.distance < 0.75
    assert camera.cycle() == "follow"
    assert (camera.yaw, camera.pitch, camera.distance, camera.fov_y) == follow


def test_unknown_camera_modes_are_refused():
    assert CAMERA_MODES == ("follow", "front")
    with pytest.raises(InputError, match="camera mode"):
        FollowCamera(mode="side")
    with pytest.raises(InputError, match="front"):
        FollowCamera().set_mode("top")


def test_eye_whites_and_irises_show_in_a_front_render():
    rt = walking_gazer(1.0)
    poses = current_poses(rt)
    camera = FollowCamera(aspect=W / H, mode="front")
    camera.track(poses, 0.0)
    ctx = create_offscreen_context()
    target = OffscreenTarget(ctx, W, H)
    renderer = SceneRenderer(ctx)
    try:
        renderer.overlays.set_all(False)
        target.use()
        renderer.draw(poses, camera)
        frame = target.read().astype(np.int32)
    finally:
        renderer.release()
        target.release()
        ctx.release()
    white = (frame.min(-1) > 110) & (frame.max(-1) - frame.min(-1) < 25)
    dark = frame.max(-1) < 70
    assert renderer.last.eyes == 2
    for x, y in camera.project(eyes_of(poses[0]), W, H):
        x, y, r = int(round(x)), int(round(y)), 14
        assert white[y - r:y + r, x - r:x + r].sum() > 20, "an eyeball's white should show"
        assert dark[y - r:y + r, x - r:x + r].sum() > 3, "its iris should show"
