"""Helpers for the layer tests: world transforms of a group's pose, synthetic click tracks as the audio input."""
from __future__ import annotations

import numpy as np

from neuropuppet.motion.kinematics import forward_kinematics
from neuropuppet.motion.rotations import quat_inv, quat_mul, quat_rotate
from neuropuppet.ports import AudioBlock, TickInputs

RATE = 22050


def world(group) -> tuple[np.ndarray, np.ndarray]:
    """World positions [N, J, 3] and rotations [N, J, 4] of a group's latest composed pose."""
    p = group.pose.to_numpy()
    return forward_kinematics(group.skeleton.parents, p.local_positions, p.local_rotations, p.root_position,
                              p.root_rotation)


def forward_of(group, joint: str) -> tuple[np.ndarray, np.ndarray]:
    """World position [N, 3] and look direction (the joint's +Z) [N, 3] of one joint."""
    wp, wr = world(group)
    j = group.skeleton.index(joint)
    return wp[:, j], quat_rotate(wr[:, j], np.array([0.0, 0.0, 1.0]))


def degrees_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in degrees between vectors [..., 3]."""
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    return np.degrees(np.arccos(np.clip((a * b).sum(-1), -1.0, 1.0)))


def rotation_degrees(q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """Angle in degrees of the rotation between unit quaternions [..., 4] (float64, exact near 0)."""
    d = quat_mul(quat_inv(np.asarray(q0, np.float64)), np.asarray(q1, np.float64))
    return np.degrees(2 * np.arctan2(np.linalg.norm(d[..., 1:], axis=-1), np.abs(d[..., 0])))


def click_track(seconds: float, clicks, rate: int = RATE, noise: float = 0.01, seed: int = 0) -> np.ndarray:
    """Mono float32 audio: low noise with a short decaying burst (a click) starting at each time in `clicks`."""
    rng = np.random.default_rng(seed)
    x = (noise * rng.standard_normal(int(seconds * rate))).astype(np.float32)
    burst = (0.6 * rng.standard_normal(220) * np.exp(-np.arange(220) / 50)).astype(np.float32)
    for c in clicks:
        i = int(np.floor(c * rate + 1e-6))
        x[i:i + len(burst)] += burst[:len(x) - i]
    return x


def block_for(samples: np.ndarray, time: float, dt: float, rate: int = RATE) -> AudioBlock:
    """The AudioBlock of [time, time + dt): the samples up to the tick's end and none beyond."""
    i0, i1 = (min(len(samples), max(0, int(np.floor(t * rate + 1e-6)))) for t in (time, time + dt))
    return AudioBlock(samples[i0:i1], rate, time, time + dt, ended=i1 >= len(samples))


class ClipAudio:
    """The `audio` input from an array of samples, on simulation time (what neuropuppet.audio.AudioSource does)."""

    provides = ("audio",)

    def __init__(self, samples: np.ndarray, rate: int = RATE) -> None:
        self.samples, self.rate = samples, rate

    def sample(self, inputs: TickInputs) -> None:
        inputs.set("audio", block_for(self.samples, inputs.time, inputs.dt, self.rate))


def tick_of(t: float, tick_rate: float = 60.0) -> int:
    """The tick whose block holds the sample at time t (tick k holds samples floor(k s) .. floor((k + 1) s) - 1)."""
    i = int(np.floor(t * RATE + 1e-6))
    return int(np.ceil((i + 1) / (RATE / tick_rate))) - 1
