"""Write a trained PFNN as a TorchScript artifact with the metadata the controller needs."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neuropuppet.artifacts import ArtifactMetadata, save_artifact
from neuropuppet.motion.skeleton import Skeleton

from .features import PFNNFeatures
from .network import PFNN

CONTROLLER_VERSION = "1.0"


def export_pfnn(net: PFNN, skeleton: Skeleton, path: str | Path, *, rest_joints: np.ndarray,
                gait_speeds: list[float], training_config: dict[str, Any] | None = None,
                data_fingerprint: str = "", metrics: dict[str, Any] | None = None,
                extra: dict[str, Any] | None = None) -> Path:
    """Save `net` (normalisation inside) to `path` (.pt). rest_joints [J, 6]: the start pose features."""
    feats = PFNNFeatures.for_joints(skeleton.num_joints)
    meta = ArtifactMetadata(
        controller="pfnn", controller_version=CONTROLLER_VERSION,
        inputs={"x": [-1, feats.x_size], "phase": [-1]}, outputs={"y": [-1, feats.y_size]},
        skeleton=skeleton.to_dict(),
        normalisation={k: getattr(net, k).tolist() for k in ("x_mean", "x_std", "y_mean", "y_std")},
        training_config=training_config or {}, data_fingerprint=data_fingerprint, metrics=metrics or {},
        extra={"rest_joints": np.asarray(rest_joints, np.float32).round(5).tolist(), "gait_speeds": list(gait_speeds),
               "x_layout": feats.x.to_dict(), "y_layout": feats.y.to_dict(), "hidden": net.hidden, "modes": ["forward", "forward_nearest50", "forward_linear10"],
               **(extra or {})})
    was_training = net.training
    net.eval()
    out = save_artifact(net, path, meta)
    net.train(was_training)
    return out
