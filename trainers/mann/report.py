"""MANN training report: the trained model under a scripted stick per gait, beside the generator's ground
truth (`neuropuppet.controllers.mann.quality`: footfall offsets per paw, speed, skating per paw, jerk,
heading error)."""
from __future__ import annotations

import copy
from typing import Any

from neuropuppet.controllers.mann.controller import MANNController
from neuropuppet.controllers.mann.quality import compare, measure_ground_truth, measure_model, quality_table


def controller_for(model: Any, ds: Any) -> MANNController:
    """A one-dog controller running (a copy of) the eager `model` trained on `ds`."""
    net = copy.deepcopy(model).cpu().eval()
    return MANNController(net, ds.skeleton, gaits=ds.gaits, feet=ds.feet, rest_joints=ds.rest_joints,
                          gait_speeds=ds.gait_speeds, script=False)


def evaluate(model: Any, ds: Any, split: Any, cfg: Any) -> dict[str, Any]:
    model_figs = measure_model(controller_for(model, ds), seconds=cfg.report_seconds + 2.0)
    truth = measure_ground_truth()
    return {"model": model_figs, "ground_truth": truth, "comparison": compare(model_figs, truth)}


def quality_markdown(quality: dict[str, Any]) -> str:
    if not quality:
        return ""
    lines = ["## Motion quality (scripted stick, raw network, no foot lock) beside the generator's ground truth",
             "", quality_table(quality["model"], quality["ground_truth"]), "",
             "| gait | footfall offset error (cycles) | speed model / truth | worst paw skating model / truth |",
             "|---|---|---|---|"]
    for g, c in quality["comparison"].items():
        lines.append(f"| {g} | {c['offset_error']:.3f} | {c['speed_ratio']:.2f} | {c['skating_ratio']:.2f} |")
    return "\n".join(lines) + "\n"
