"""Write a trained GesturesNet as the TorchScript `gestures` artifact (format: ARTIFACT.md beside this file)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from neuropuppet.artifacts import ArtifactMetadata, save_artifact
from neuropuppet.motion.skeleton import Skeleton

from .network import GesturesNet

CONTROLLER_VERSION = "1.0"


def export_gestures(net: GesturesNet, path: str | Path, *, skeleton: Skeleton, joints: Sequence[str],
                    rest_pose: dict[str, Any], feature_set: str, feature_groups: Sequence[str],
                    feature_info: dict[str, Any], fps: float, keyboard: dict[str, Any] | None = None,
                    training_config: dict[str, Any] | None = None, data_fingerprint: str = "",
                    metrics: dict[str, Any] | None = None) -> Path:
    """Save `net` (normalisation inside) to `path` (.pt): forward(features, h, c) -> (rotations, h, c).

    feature_info: `FeatureExtractor.describe()` of the extractor the data was made with (dt, settings, layout).
    """
    L, H, J, F = net.layers, net.hidden, net.joints, net.feature_width
    if len(joints) != J:
        raise ValueError(f"export_gestures: {len(joints)} joint names for a network of {J} joints")
    meta = ArtifactMetadata(
        controller="gestures", controller_version=CONTROLLER_VERSION,
        inputs={"features": [-1, F], "h": [L, -1, H], "c": [L, -1, H]},
        outputs={"rotations": [-1, J, 4], "h": [L, -1, H], "c": [L, -1, H]},
        skeleton=skeleton.to_dict(),
        normalisation={"x_mean": net.x_norm.mean.tolist(), "x_std": net.x_norm.std.tolist(),
                       "y_mean": net.y_norm.mean.tolist(), "y_std": net.y_norm.std.tolist()},
        training_config=training_config or {}, data_fingerprint=data_fingerprint, metrics=metrics or {},
        extra={"joints": list(joints), "rest_pose": rest_pose, "feature_set": feature_set,
               "feature_groups": list(feature_groups), "feature_columns": net.columns.tolist(),
               "feature_layout": feature_info["layout"], "feature_width": F,
               "feature_settings": feature_info["settings"], "fps": float(fps), "keyboard": keyboard,
               "kind": "lstm", "hidden": H, "layers": L, "input_size": net.input_size, "phase_column": net.phase_column,
               "rotation": "6d",
               "input_clamp": net.input_clamp})
    was = net.training
    net.eval()
    out = save_artifact(net, path, meta)
    net.train(was)
    return out


__all__ = ["export_gestures", "CONTROLLER_VERSION"]
