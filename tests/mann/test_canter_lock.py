"""The skating metric of `neuropuppet.controllers.mann.quality` (a plant's inside, the same for model and ground
truth) and the foot lock the MANN controller declares (smooth blends, used by the quality figures as by play)."""
from __future__ import annotations

import numpy as np
import pytest

from neuropuppet.controllers.mann import quality
from neuropuppet.controllers.mann.controller import MANNController
from neuropuppet.modifiers import build_modifier, legs_from_contacts
from neuropuppet.motion.foot_ik import FootLock

FPS = 60.0


@pytest.fixture(scope="module")
def artifact():
    """The shipped default (the test fails, not skips, where it is missing)."""
    from neuropuppet.artifacts import load_artifact
    path = MANNController.default_artifact()
    assert path is not None, "no shipped mann default (controllers/mann/default/mann.pt)"
    return load_artifact(path, controller="mann")


def _stride(slide: float) -> np.ndarray:
    """One paw [T, 1, 3]: 30 frames of swing at 3 m/s (10 cm up), 8 planted frames sliding at `slide` m/s, a
    lift-off that leaves at 0.25 m/s in the first frame (under the plant speed), repeated 4 times."""
    x, rows = 0.0, []
    for _ in range(4):
        for k in range(8):
            rows.append((x, 0.0)); x += slide / FPS
        for k, v in enumerate([0.25] + [3.0] * 29):
            rows.append((x, 0.1 * np.sin(np.pi * (k + 1) / 31))); x += v / FPS
    p = np.zeros((len(rows), 1, 3))
    p[:, 0, 2], p[:, 0, 1] = [r[0] for r in rows], [r[1] for r in rows]
    return p


def test_still_is_the_inside_of_each_plant() -> None:
    c = np.array([0, 1, 1, 1, 1, 0, 1, 1, 0, 1], bool)[:, None]
    assert quality.still(c)[:, 0].tolist() == [False, False, True, True, False, False, False, False, False, False]


@pytest.mark.parametrize("slide", [0.0, 0.1])
def test_skating_is_the_slide_while_planted_not_the_lift_off(slide: float) -> None:
    paws = _stride(slide)
    world = np.repeat(paws, 4, axis=1)                  # four paws in step
    f = quality.figures(world, [0, 1, 2, 3], paws[:, 0, [0, 2]], np.zeros(len(paws)), None)
    # the central difference at a plant's last frame mixes in the 0.25 m/s lift-off; the metric leaves it out
    assert f["skating"] == pytest.approx([slide] * 4, abs=1e-6)
    c = quality.planted(paws)
    from neuropuppet.motion.metrics import foot_skating
    assert foot_skating(paws, c, FPS) > slide + 0.005   # on every planted frame the lift-off counts


def test_skating_ratio_against_a_floor() -> None:
    model = {"canter": {"offsets": [0.0] * 4, "speed": 3.0, "skating": [0.0, 0.0012, 0.0, 0.0003]}}
    truth = {"canter": {"offsets": [0.0] * 4, "speed": 3.0, "skating": [0.0, 0.0004, 1e-8, 0.002]}}
    c = quality.compare(model, truth)["canter"]
    # paws: 0 / floor, 0.0012 / max(0.0004, floor) = 1.2, 0 / floor, 0.0003 / 0.002 = 0.15
    assert c["skating_ratio"] == pytest.approx(0.0012 / quality.SKATING_FLOOR)


def test_quality_uses_the_foot_lock_the_controller_declares(artifact) -> None:
    ctrl = MANNController.from_artifact(artifact)
    mod = [build_modifier(m) for m in ctrl.default_modifiers]
    assert [m.name for m in mod] == ["foot_lock"] and mod[0].options == {"smooth_blend": True, "release_frames": 10}
    spec = {o.name: o for o in ctrl.outputs}["contacts"]
    want = FootLock(ctrl.skeleton, legs_from_contacts(ctrl.skeleton, spec.joints), 1, smooth_blend=True,
                    release_frames=10)
    got = quality.foot_lock_for(ctrl)
    assert np.array_equal(got._params, want._params) and got.legs == want.legs


def test_declared_foot_lock_holds_the_canter_with_less_jerk(artifact) -> None:
    """The shipped model at a walk and a canter: its declared lock (smooth blends, 10 release frames) keeps
    the planted paws as still as the linear default (skating under 1 mm/s) with less jerk (measured 273 vs 303
    and 1730 vs 1844 m/s^3)."""
    ctrl = MANNController.from_artifact(artifact)
    declared = quality.measure_model(ctrl, ("walk", "canter"), seconds=5.0, foot_lock=True)
    ctrl.default_modifiers = ("foot_lock",)             # FootLock's defaults: linear blends over 6 frames
    linear = quality.measure_model(ctrl, ("walk", "canter"), seconds=5.0, foot_lock=True)
    for gait in ("walk", "canter"):
        assert max(declared[gait]["skating"]) < quality.SKATING_FLOOR, (gait, declared[gait]["skating"])
        assert declared[gait]["jerk"] < 0.97 * linear[gait]["jerk"], (gait, declared[gait]["jerk"], linear[gait]["jerk"])
