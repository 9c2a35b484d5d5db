"""Write a trained MANN as a TorchScript artifact with the metadata the controller needs."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from neuropuppet.artifacts import ArtifactMetadata, save_artifact
from neuropuppet.motion.skeleton import Skeleton

from .features import MANNFeatures
from .network import MANN

CONTROLLER_VERSION = "1.0"


def export_mann(net: MANN, skeleton: Skeleton, path: str | Path, *, gaits: Sequence[str], feet: Sequence[str],
                rest_joints: np.ndarray, gait_speeds: Mapping[str, float], training_config: dict[str, Any] | None = None,
                data_fingerprint: str = "", metrics: dict[str, Any] | None = None,
                extra: dict[str, Any] | None = None) -> Path:
    """Save `net` (normalisation and gating inside) to `path` (.pt). rest_joints [J, 12]: the start pose
    features; gaits: the gait/action columns; feet: the contact joints by name; gait_speeds: m/s per gait."""
    feats = MANNFeatures.build(skeleton.num_joints, tuple(gaits), tuple(skeleton.index(f) for f in feet))
    meta = ArtifactMetadata(
        controller="mann", controller_version=CONTROLLER_VERSION,
        inputs={"x": [-1, feats.x_size]}, outputs={"y": [-1, feats.y_size], "coefficients": [-1, net.num_experts]},
        skeleton=skeleton.to_dict(), training_config=training_config or {}, data_fingerprint=data_fingerprint,
        metrics=metrics or {},
        extra={"gaits": list(gaits), "feet": list(feet), "gait_speeds": {k: float(v) for k, v in gait_speeds.items()},
               "rest_joints": np.asarray(rest_joints, np.float32).round(5).tolist(),
               "x_layout": feats.x.to_dict(), "y_layout": feats.y.to_dict(), "experts": net.num_experts,
               **(extra or {})})
    was_training = net.training
    net.eval()
    out = save_artifact(net, path, meta)
    net.train(was_training)
    return out
