"""A tiny random artifact in the documented gestures format (controllers/gestures/ARTIFACT.md), for tests
that need the controller's mechanics but not a trained model."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Tuple

import numpy as np
import torch
from torch import nn

from neuropuppet.artifacts import ArtifactMetadata, save_artifact
from neuropuppet.audio.features import FEATURE_LAYOUT, FeatureSettings
from neuropuppet.controllers.gestures import UPPER_BODY
from neuropuppet.keyboard import DEFAULT_KEYBOARD
from neuropuppet.motion.synth.biped import biped_skeleton


class TinyGestures(nn.Module):
    """features [N, F] -> (local quaternions [N, J, 4], h, c): one LSTM cell and a read-out near identity."""

    def __init__(self, width: int, joints: int, hidden: int = 16) -> None:
        super().__init__()
        self.joints = joints
        self.cell = nn.LSTMCell(width, hidden)
        self.out = nn.Linear(hidden, joints * 3)
        with torch.no_grad():
            self.out.weight.mul_(0.5)

    def forward(self, features: torch.Tensor, h: torch.Tensor, c: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = torch.nan_to_num(features, 0.0, 0.0, 0.0).clamp(-5.0, 5.0) * 0.1
        h1, c1 = self.cell(x, (h[0], c[0]))
        v = self.out(h1).view(-1, self.joints, 3)
        q = torch.cat([torch.ones_like(v[..., :1]), v], -1)
        return q / torch.linalg.norm(q, dim=-1, keepdim=True), h1.unsqueeze(0), c1.unsqueeze(0)


def tiny_artifact(path: Path, hidden: int = 16, seed: int = 0) -> Path:
    """Write a random gestures artifact over the biped skeleton to `path` (.pt)."""
    torch.manual_seed(seed)
    sk = biped_skeleton()
    joints = [j for j in UPPER_BODY if j in sk.names]
    width = FEATURE_LAYOUT.size
    net = TinyGestures(width, len(joints), hidden)
    rest = np.zeros((sk.num_joints, 4), np.float32)
    rest[:, 0] = 1.0
    meta = ArtifactMetadata(
        controller="gestures", controller_version="test",
        inputs={"features": [-1, width], "h": [1, -1, hidden], "c": [1, -1, hidden]},
        outputs={"rotations": [-1, len(joints), 4], "h": [1, -1, hidden], "c": [1, -1, hidden]},
        skeleton=sk.to_dict(),
        extra={"joints": joints, "rest_pose": {"root_position": [0.0, 0.55, 0.0], "rotations": rest.tolist()},
               "feature_set": "all", "feature_width": width, "feature_settings": asdict(FeatureSettings()),
               "fps": 60.0, "keyboard": DEFAULT_KEYBOARD.to_dict(), "kind": "lstm", "hidden": hidden, "layers": 1,
               "rotation": "quat", "input_clamp": 5.0})
    return save_artifact(net, path, meta)


def write_music(path: Path, seconds: float = 3.0, rate: int = 22050, seed: int = 0, channels: int = 1) -> Path:
    """A WAV of plucked harmonic notes, one per half second (120 BPM), seeded; `channels` 1 or 2."""
    import soundfile
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    y = np.zeros_like(t)
    for onset in np.arange(0.0, seconds, 0.5):
        f = 220.0 * 2 ** (int(rng.integers(0, 12)) / 12)
        tt = np.clip(t - onset, 0.0, None)
        env = np.where(t >= onset, np.exp(-tt * 6.0), 0.0)
        y += 0.3 * env * (np.sin(2 * np.pi * f * tt) + 0.4 * np.sin(4 * np.pi * f * tt))
    y = y.astype(np.float32)
    soundfile.write(path, np.stack([y] * channels, -1) if channels > 1 else y, rate)
    return path


class RestlessGestures(nn.Module):
    """A network that never holds still: every written joint sways about x at 1.3 Hz whatever it hears
    (its c state counts the seconds), for tests of the rest on silence."""

    def __init__(self, joints: int) -> None:
        super().__init__()
        self.joints = joints

    def forward(self, features: torch.Tensor, h: torch.Tensor, c: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        c1 = c + 1.0 / 60.0
        half = 0.1 * torch.sin(2.0 * torch.pi * 1.3 * c1[0, :, :1]) + 0.01 * features[:, 7:8].clamp(0.0, 1.0)
        q = torch.cat([torch.cos(half), torch.sin(half), torch.zeros_like(half), torch.zeros_like(half)], -1)
        return q.unsqueeze(1).expand(-1, self.joints, -1).contiguous(), h, c1


def restless_artifact(path: Path) -> Path:
    """`tiny_artifact`'s format with `RestlessGestures` as the network."""
    tiny_artifact(path)
    from neuropuppet.artifacts import load_artifact
    meta = load_artifact(path, controller="gestures", device="cpu").metadata
    return save_artifact(RestlessGestures(len(meta.extra["joints"])), path, meta)
