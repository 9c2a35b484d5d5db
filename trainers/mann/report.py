"""MANN training report: the trained model under a scripted stick per gait, raw and with the foot lock,
beside the generator's ground truth, each item-5 goal met or missed (`neuropuppet.controllers.mann.quality`)."""
from __future__ import annotations

import copy
import shlex
import sys
from pathlib import Path
from typing import Any

from neuropuppet.controllers.mann import quality
from neuropuppet.controllers.mann.controller import MANNController


def controller_for(model: Any, ds: Any) -> MANNController:
    """A one-dog controller running (a copy of) the eager `model` trained on `ds`."""
    net = copy.deepcopy(model).cpu().eval()
    return MANNController(net, ds.skeleton, gaits=ds.gaits, feet=ds.feet, rest_joints=ds.rest_joints,
                          gait_speeds=ds.gait_speeds, script=False)


def evaluate(model: Any, ds: Any, split: Any, cfg: Any) -> dict[str, Any]:
    return quality.evaluate(controller_for(model, ds), seconds=cfg.report_seconds + 2.0)


def command_line() -> str:
    """The command that is running (as typed, `neuropuppet ...` when run through the console script)."""
    head = "neuropuppet" if Path(sys.argv[0]).name == "neuropuppet" else shlex.join([Path(sys.executable).name, sys.argv[0]])
    return shlex.join([head, *sys.argv[1:]])


def quality_markdown(result: dict[str, Any]) -> str:
    made = f"Trained by: `{command_line()}` (from the repository root).\n\n"
    return made + (quality.markdown(result) if result else "")
