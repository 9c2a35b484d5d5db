"""Gait tables as data, the stick's desired motion, and the torch and numba versions agreeing."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuropuppet.channels import GAMEPAD_WIDTH, NUM_AXES, Axis, Button
from neuropuppet.controllers.pfnn.features import GAITS, STICK
from neuropuppet.errors import InputError
from neuropuppet.kernels import locomotion as kernels
from neuropuppet.locomotion.gaits import Gait, GaitTable
from neuropuppet.locomotion.stick import DesiredMotion, StickResponse

B = NUM_AXES + int(Button.B)
LEFT_SHOULDER = NUM_AXES + int(Button.LEFT_SHOULDER)
RIGHT_SHOULDER = NUM_AXES + int(Button.RIGHT_SHOULDER)
FACING = torch.tensor([[0.0, 1.0]])


def pad(**columns: float) -> torch.Tensor:
    p = torch.zeros(1, GAMEPAD_WIDTH)
    for col, v in columns.items():
        p[0, int(col[1:])] = v
    return p


def test_pfnn_table_rule_equals_the_paper_formulas() -> None:
    for m in (0.0, 0.3, 1.0):
        for r in (0.0, 0.6, 1.0):
            for c in (0.0, 0.25, 1.0):
                w = GAITS.weights(m, {"jog": r, "crouch": c})
                want = {"stand": (1 - m) * (1 - c), "walk": m * (1 - r) * (1 - c), "jog": m * r * (1 - c), "crouch": c,
                        "jump": 0.0, "unused": 0.0}
                assert w == pytest.approx(want, abs=1e-12), (m, r, c)


def test_which_inputs_select_run_and_crouch() -> None:
    motion = DesiredMotion(GAITS.with_speeds([0.0, 1.5, 3.0, 0.7]), STICK)
    forward = {"c1": 1.0}
    cases = {                                     # pad columns -> (gait column that wins, top speed m/s)
        "walk": ({}, 1, 1.5),
        "right trigger": ({f"c{int(Axis.TRIGGER_RIGHT)}": 1.0}, 2, 3.0),
        "right shoulder": ({f"c{RIGHT_SHOULDER}": 1.0}, 2, 3.0),
        "left trigger": ({f"c{int(Axis.TRIGGER_LEFT)}": 1.0}, 3, 0.7),
        "B": ({f"c{B}": 1.0}, 3, 0.7),
        "left shoulder (strafe, not crouch)": ({f"c{LEFT_SHOULDER}": 1.0}, 1, 1.5),
        "run and crouch: crouch wins": ({f"c{RIGHT_SHOULDER}": 1.0, f"c{B}": 1.0}, 3, 0.7),
    }
    for name, (cols, winner, speed) in cases.items():
        vel, face, gait = motion(pad(**forward, **cols), FACING)
        assert int(gait[0].argmax()) == winner and float(gait[0].sum()) == pytest.approx(1.0), name
        assert float(vel[0, 1]) == pytest.approx(speed, rel=1e-5) and float(vel[0, 0]) == 0.0, name
    assert GAITS.controls() == (("trigger_right or right_shoulder", "jog"), ("trigger_left or b", "crouch"))


def test_released_stick_stands_and_look_stick_sets_facing() -> None:
    motion = DesiredMotion(GAITS, STICK)
    vel, face, gait = motion(pad(c1=0.1), FACING)                          # inside the dead zone
    assert torch.equal(vel, torch.zeros(1, 2)) and float(gait[0, 0]) == 1.0 and torch.equal(face, FACING)
    vel, face, gait = motion(pad(c0=1.0, c2=-1.0), FACING)                # stick right, look left
    assert float(vel[0, 0]) < 0 and torch.allclose(face, torch.tensor([[1.0, 0.0]]))   # right = -X, left = +X


def test_table_validation() -> None:
    with pytest.raises(InputError, match="selectors must be triggers or buttons"):
        GaitTable(("a", "b", "c"), (Gait("a"), Gait("b"), Gait("c", selected_by=(0,))), "a", "b")
    with pytest.raises(InputError, match="replaces unknown gait 'x'"):
        GaitTable(("a", "b", "c"), (Gait("a"), Gait("b"), Gait("c", selected_by=(5,), replaces=("x",))), "a", "b")
    with pytest.raises(InputError, match="not one of the columns"):
        GaitTable(("a", "b"), (Gait("a"), Gait("b"), Gait("z")), "a", "b")
    with pytest.raises(InputError, match="cannot be selected"):
        GaitTable(("a", "b"), (Gait("a"), Gait("b", selected_by=(5,))), "a", "b")
    with pytest.raises(InputError, match="expected 4 values"):
        GAITS.with_speeds([1.0, 2.0])
    assert GAITS.with_speeds({"jog": 4.0}).gait("jog").top_speed == 4.0


def test_numba_desired_motion_equals_torch_for_any_table() -> None:
    """The compiled ticks read the same GaitTable arrays; a table with another order and a modifier
    stacked on a modifier checks the general rule, not only PFNN's."""
    other = GaitTable(("idle", "run", "walk", "sneak", "sprint"),
                      (Gait("idle"), Gait("walk", 1.0), Gait("run", 2.5, selected_by=(5,), replaces=("walk",)),
                       Gait("sprint", 6.0, selected_by=(NUM_AXES + int(Button.A),), replaces=("run",)),
                       Gait("sneak", 0.5, selected_by=(4, 7))), "idle", "walk")
    rng = np.random.default_rng(0)
    for table, stick in ((GAITS, STICK), (other, StickResponse(0.1, 4.0, 0.3, 0.5))):
        motion = DesiredMotion(table, stick)
        arrays = table.arrays()
        pads = torch.tensor(rng.uniform(-1, 1, (300, GAMEPAD_WIDTH)), dtype=torch.float32)
        pads[:, 4:] = torch.tensor(rng.choice([0.0, 0.4, 1.0], (300, GAMEPAD_WIDTH - 4)), dtype=torch.float32)
        pads[::7, 0:2] *= 0.1                                            # some sticks in the dead zone
        yaw = torch.tensor(rng.uniform(-3, 3, 300), dtype=torch.float32)
        facing = torch.stack([torch.sin(yaw), torch.cos(yaw)], -1)
        vel, face, gait = motion(pads, facing)
        g, scratch = np.empty(len(table.columns), np.float32), np.empty(len(table.columns), np.float32)
        for i in range(300):
            vx, vz, fx, fz = kernels.desired_motion(pads[i].numpy(), float(facing[i, 0]), float(facing[i, 1]), stick,
                                                    arrays, g, scratch)
            assert np.allclose([vx, vz], vel[i].numpy(), atol=1e-5), i
            assert np.allclose([fx, fz], face[i].numpy(), atol=1e-5), i
            assert np.allclose(g, gait[i].numpy(), atol=1e-6), i
