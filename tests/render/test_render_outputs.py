"""Declared outputs drawn offscreen (EGL) and read back: contacts at the joints they name, eyes and
eyelids, gaze rays, and the hero's expert weights as bars in the HUD."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet.motion.kinematics import pose_world_positions
from neuropuppet.ports import OutputSpec
from neuropuppet.render.camera import FollowCamera
from neuropuppet.render.context import OffscreenTarget, create_offscreen_context
from neuropuppet.render.hud import BAR_COLOR, BAR_HEIGHT, Hud
from neuropuppet.render.scene_renderer import SceneRenderer
from neuropuppet.render.view import draw_hud

import stick_figure
from stick_figure import StickFigure

W, H = 320, 240


@pytest.fixture(scope="module")
def gl():
    ctx = create_offscreen_context()
    target = OffscreenTarget(ctx, W, H)
    renderer = SceneRenderer(ctx)
    hud = Hud(ctx)
    yield ctx, target, renderer, hud
    hud.release()
    renderer.release()
    target.release()
    ctx.release()


def _draw(gl, poses, camera, overlays=True) -> np.ndarray:
    ctx, target, renderer, _ = gl
    renderer.overlays.set_all(overlays)
    target.use()
    renderer.draw(poses, camera)
    return target.read()


def _near(mask: np.ndarray, xy: np.ndarray, r: int = 4) -> int:
    x, y = int(round(xy[0])), int(round(xy[1]))
    return int(mask[max(y - r, 0):y + r + 1, max(x - r, 0):x + r + 1].sum())


def _green(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(np.int32)
    return (f[..., 1] > f[..., 0] + 60) & (f[..., 1] > f[..., 2] + 60)


def _red(frame: np.ndarray) -> np.ndarray:
    f = frame.astype(np.int32)
    return (f[..., 0] > 200) & (f[..., 1] < 60) & (f[..., 2] < 60)


def _white(frame: np.ndarray) -> np.ndarray:
    return (frame.astype(np.int32) > 200).all(-1)


def _eye_white(frame: np.ndarray) -> np.ndarray:
    """Light unsaturated pixels: an eyeball's white in any light (the head and lids are orange)."""
    f = frame.astype(np.int32)
    return (f.min(-1) > 110) & (f.max(-1) - f.min(-1) < 25)


class Toucher(StickFigure):
    """The stick figure with one declared contact output that names a hand and the head (not the feet)."""

    name = "toucher"
    outputs = (OutputSpec("touch", (2,), "left hand / head touching something", interpolation="none",
                          joints=("LeftArm", "Head"), kind="contacts"),)

    def step(self, inputs):
        pose = super().step(inputs)
        pose.extras.pop("contacts", None)
        pose.extras.pop("trajectory", None)
        pose.extras["touch"] = torch.tensor([[1.0, 0.0]]).expand(self.batch_size, 2).clone()
        return pose


def _camera_on(pose, **kw) -> FollowCamera:
    camera = FollowCamera(aspect=W / H, **kw)
    camera.follow(pose.root_position[0] + np.array([0.0, 1.0, 0.0]), 0.0)
    return camera


def test_contacts_are_drawn_at_the_joints_their_declaration_names(gl):
    rt = npp.Runtime()
    group = rt.spawn(Toucher.from_artifact(None, batch_size=1))
    for _ in range(3):
        rt.tick()
    pose = group.interpolated(1.0)
    assert pose.output_specs["touch"].joints == ("LeftArm", "Head")
    camera = _camera_on(pose, yaw=0.5, pitch=0.3, distance=3.5)
    frame = _draw(gl, [pose], camera)
    green, red = _green(frame), _red(frame)
    world = pose_world_positions(pose)[0]
    at = {name: camera.project(world[pose.skeleton.index(name)], W, H)
          for name in ("LeftArm", "Head", "LeftFoot", "RightFoot")}
    assert _near(green, at["LeftArm"]) > 10, "no contact marker at the declared LeftArm"
    assert _near(red, at["Head"], 3) > 0, "no not-in-contact mark at the declared Head"
    for joint in ("Head", "LeftFoot", "RightFoot"):        # Head is declared but not in contact; feet not declared
        assert _near(green, at[joint], 6) == 0, f"contact marker at {joint}"
    for joint in ("LeftFoot", "RightFoot"):
        assert _near(red, at[joint], 6) == 0, f"contact mark at the undeclared {joint}"
    assert gl[2].last.contact_markers == 1
    assert not _green(_draw(gl, [pose], camera, overlays=False)).any(), "contact marker drawn with overlays off"


def test_an_undeclared_contacts_extra_falls_back_to_the_feet(gl):
    stick_figure.register()
    rt = npp.Runtime()
    group = rt.spawn("stick")
    rt.tick()
    pose = group.interpolated(1.0)
    pose = dataclasses.replace(pose, output_specs={}, extras={"contacts": np.ones((1, 2), np.float32)})
    camera = _camera_on(pose, yaw=0.5, pitch=0.3, distance=3.5)
    green = _green(_draw(gl, [pose], camera))
    world = pose_world_positions(pose)[0]
    for name in ("LeftFoot", "RightFoot"):
        assert _near(green, camera.project(world[pose.skeleton.index(name)], W, H)) > 5, f"no marker at {name}"
    assert gl[2].last.contact_markers == 2


FACE = npp.Skeleton(
    names=("Hips", "Spine", "Head", "LeftEye", "RightEye"),
    parents=np.array([-1, 0, 1, 2, 2]),
    offsets=np.array([[0, 0.95, 0], [0, 0.5, 0], [0, 0.3, 0], [0.045, 0.05, 0.09], [-0.045, 0.05, 0.09]], np.float32))


def _face_pose(extras: dict, specs: dict, n: int = 1) -> npp.PoseArrays:
    j = FACE.num_joints
    return npp.PoseArrays(FACE, np.zeros((n, 3), np.float32), np.tile(np.array([[1, 0, 0, 0]], np.float32), (n, 1)),
                          np.tile(FACE.offsets[None], (n, 1, 1)), np.tile(np.array([1, 0, 0, 0], np.float32), (n, j, 1)),
                          extras, specs)


def _face_camera() -> FollowCamera:
    camera = FollowCamera(aspect=W / H, yaw=np.pi, pitch=0.0, distance=0.8)    # in front, looking at the face
    camera.follow(np.array([0.0, 1.8, 0.0]), 0.0)
    return camera


def test_eyes_are_drawn_and_eyelids_close_over_them_by_the_declared_eye(gl):
    camera = _face_camera()
    # closure columns name the eyes in the order right, left: [1, 0] closes the right eye only
    lids = {"blink": OutputSpec("blink", (2,), kind="eyelid_closure", joints=("RightEye", "LeftEye"))}
    eye_px = {name: camera.project(FACE.offsets[:3].sum(0) + FACE.offsets[FACE.index(name)], W, H)
              for name in ("LeftEye", "RightEye")}

    def white_at(closure) -> dict[str, int]:
        frame = _draw(gl, [_face_pose({"blink": np.array([closure], np.float32)}, lids)], camera, overlays=False)
        return {name: _near(_eye_white(frame), px, 8) for name, px in eye_px.items()}

    open_, right_shut, both_shut = white_at([0.0, 0.0]), white_at([1.0, 0.0]), white_at([1.0, 1.0])
    assert gl[2].last.eyes == 2
    assert open_["LeftEye"] > 20 and open_["RightEye"] > 20, f"eye whites not visible: {open_}"
    assert right_shut["RightEye"] == 0 and right_shut["LeftEye"] > 20, f"only the right lid should close: {right_shut}"
    assert both_shut == {"LeftEye": 0, "RightEye": 0}
    half = white_at([0.5, 0.5])
    assert 0 < half["LeftEye"] < open_["LeftEye"], "a half-closed lid should cover part of the eye"


def test_a_skeleton_without_eye_joints_gets_no_eyeballs(gl):
    stick_figure.register()
    rt = npp.Runtime()
    group = rt.spawn("stick")
    rt.tick()
    pose = group.interpolated(1.0)
    _draw(gl, [pose], _camera_on(pose))
    assert gl[2].last.eyes == 0


def test_a_gaze_ray_starts_between_the_eyes_and_follows_the_declared_direction(gl):
    camera = FollowCamera(aspect=W / H, yaw=np.pi / 2, pitch=0.35, distance=3.0)      # from the side
    camera.follow(np.array([0.0, 1.6, 0.8]), 0.0)
    direction = np.array([[0.0, -0.3, 1.0]], np.float32)
    pose = _face_pose({"look": direction}, {"look": OutputSpec("look", (3,), kind="gaze_direction")})
    frame = _draw(gl, [pose], camera).astype(np.int32)
    cyan = (frame[..., 2] > 200) & (frame[..., 1] > 170) & (frame[..., 0] < 90)
    eyes = (FACE.offsets[:3].sum(0) + FACE.offsets[3:].mean(0) * [0, 1, 1])
    d = direction[0] / np.linalg.norm(direction[0])
    for s in (0.5, 1.0, 1.5):
        assert _near(cyan, camera.project(eyes + s * d, W, H), 2) > 0, f"no gaze ray {s} m along the direction"
    assert _near(cyan, camera.project(eyes + np.array([0.0, 0.0, 1.0]), W, H), 2) == 0, "ray ignores the direction"


def test_a_ball_is_drawn_at_the_gaze_target_and_not_for_a_nan_one(gl):
    camera = FollowCamera(aspect=W / H, yaw=np.pi / 2, pitch=0.35, distance=3.0)      # from the side
    camera.follow(np.array([0.0, 1.6, 0.8]), 0.0)
    target = np.array([[0.0, 1.4, 1.6]], np.float32)
    spec = {"at": OutputSpec("at", (3,), kind="gaze_target")}
    frame = _draw(gl, [_face_pose({"at": target}, spec)], camera).astype(np.int32)
    cyan = (frame[..., 2] > 150) & (frame[..., 1] > 120) & (frame[..., 0] < 90)
    assert gl[2].last.gaze_targets == 1
    assert _near(cyan, camera.project(target[0], W, H), 3) > 10, "no ball at the gaze target"
    _draw(gl, [_face_pose({"at": np.full((1, 3), np.nan, np.float32)}, spec)], camera)
    assert gl[2].last.gaze_targets == 0
    _draw(gl, [_face_pose({"at": target}, spec)], camera, overlays=False)
    assert gl[2].last.gaze_targets == 0, "the ball is a gaze overlay: off with the overlays"


def _bars(frame: np.ndarray, rect: tuple[int, int, int, int]) -> list[tuple[int, int, int]]:
    """The bars inside `rect`, left to right: (first column, last column, height in pixels)."""
    x, y, w, h = rect
    region = frame[y:y + h, x:x + w].astype(np.int32)
    cols = (np.abs(region - np.array(BAR_COLOR)) < 4).all(-1).sum(0)
    bars, start = [], None
    for i, c in enumerate(list(cols) + [0]):
        if c and start is None:
            start = i
        elif not c and start is not None:
            bars.append((x + start, x + i - 1, int(cols[start:i].max())))
            start = None
    return bars


def _bar_heights(frame: np.ndarray, rect: tuple[int, int, int, int]) -> list[int]:
    return [height for _, _, height in _bars(frame, rect)]


def _hud_frame(gl, draw) -> np.ndarray:
    ctx, target, _, hud = gl
    target.use()
    ctx.clear(0.3, 0.3, 0.3, 1.0)
    draw(hud)
    return target.read()


def test_expert_weight_bars_are_as_tall_as_the_weights_and_labelled(gl):
    hud = gl[3]
    weights = np.array([0.1, 0.6, 0.25, 0.05])
    frame = _hud_frame(gl, lambda hud: hud.draw_bars(weights, (W, H)))
    rect = hud.drawn["bars"]
    assert rect[0] + rect[2] <= W and rect[0] > W / 2, "bars belong in the top-right corner"
    assert _bar_heights(frame, rect) == [round(v * BAR_HEIGHT) for v in weights]
    y, h = rect[1], rect[3]
    below = _white(frame[y + h - 16:y + h])
    for k, (x0, x1, _) in enumerate(_bars(frame, rect)):
        assert below[:, x0:x1 + 1].any(), f"no label under bar {k + 1}"
    moved = _hud_frame(gl, lambda hud: hud.draw_bars(np.array([0.7, 0.1, 0.1, 0.1]), (W, H)))
    assert _bar_heights(moved, hud.drawn["bars"]) == [42, 6, 6, 6]


def test_the_hud_shows_the_heros_declared_expert_weights(gl):
    rt = npp.Runtime()
    hero = _face_pose({"gating": np.array([[0.2, 0.8, 0.0], [1.0, 0.0, 0.0]], np.float32)},
                      {"gating": OutputSpec("gating", (3,), kind="expert_weights")}, n=2)
    frame = _hud_frame(gl, lambda hud: draw_hud(hud, rt, [hero], 1 / 60, (W, H)))
    assert _bar_heights(frame, gl[3].drawn["bars"]) == [12, 48], "the first character's weights, as bars"
