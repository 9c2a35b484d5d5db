"""Write a trained GazeNet as a TorchScript artifact with the metadata the `gaze` controller needs."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from neuropuppet.artifacts import ArtifactMetadata, save_artifact

from .features import ANGLES, X_NAMES, X_SIZE, Y_NAMES
from .network import GazeNet

CONTROLLER_VERSION = "1.0"


def export_gaze(net: GazeNet, path: str | Path, *, fps: float, training_config: dict[str, Any] | None = None,
                data_fingerprint: str = "", metrics: dict[str, Any] | None = None) -> Path:
    """Save `net` (normalisation inside) to `path` (.pt): forward(x, h, c) -> (angles, blink_logit, h, c)."""
    L, H, W = net.layers, net.hidden, net.state_width
    meta = ArtifactMetadata(
        controller="gaze", controller_version=CONTROLLER_VERSION,
        inputs={"x": [-1, X_SIZE], "h": [L, -1, H], "c": [L, -1, W]},
        outputs={"angles": [-1, ANGLES], "blink_logit": [-1, 1], "h": [L, -1, H], "c": [L, -1, W]},
        training_config=training_config or {}, data_fingerprint=data_fingerprint, metrics=metrics or {},
        extra={"kind": net.kind, "hidden": H, "layers": L, "fps": float(fps), "x_names": list(X_NAMES),
               "y_names": list(Y_NAMES)})
    was = net.training
    net.eval()
    out = save_artifact(net, path, meta)
    net.train(was)
    return out
