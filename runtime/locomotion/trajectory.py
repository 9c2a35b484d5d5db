"""The trajectory window of a locomotion network and the blend of its predicted future toward the stick.

A `TrajectoryWindow` says which trajectory samples the network sees: `samples` points `step` frames
apart, `past` of them before the current frame (sample `past` is "now"), the rest in the future, of
which the network predicts `predicted` (from +step on). A controller keeps `history` frames of the
past and `future_kept` future samples as state.

The blend (as in PFNN's demo): the predicted future is pulled toward the desired one with weights
1 - (1 - t)^bias growing along the future (`bias_weights`): positions per step (each step toward
velocity * step seconds, then integrated from the root, so the trajectory stays connected), facings
directly and renormalised, any other columns (gait weights) with `blend_toward`.

All functions are TorchScript-compatible and batched over N characters. 2D vectors are (x, z) on the
ground plane; yaw 0 faces +Z and yaw pi/2 faces +X.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class TrajectoryWindow:
    """Which trajectory samples a network reads (see the module docstring)."""

    samples: int = 12
    step: int = 10
    past: int = 6
    predicted: int = 6

    def __post_init__(self) -> None:
        if not (self.samples > self.past >= 0 and self.step >= 1 and self.predicted >= self.future_kept):
            raise ValueError(f"trajectory window {self}: need samples > past >= 0, step >= 1 and "
                             f"predicted >= samples - past - 1")

    @property
    def history(self) -> int:
        """Past frames kept as state, the current one last (61 for PFNN)."""
        return self.past * self.step + 1

    @property
    def future_kept(self) -> int:
        """Future samples in the network input (5 for PFNN)."""
        return self.samples - self.past - 1

    @property
    def history_frames(self) -> tuple[int, ...]:
        """Indices into the history of the past samples and "now" (0, 10, ..., 60 for PFNN)."""
        return tuple(i * self.step for i in range(self.past + 1))

    def step_seconds(self, fps: float) -> float:
        return self.step / float(fps)


def safe_normalise(v: torch.Tensor, fallback: torch.Tensor, eps: float = 1e-4) -> torch.Tensor:
    """v / |v|, or `fallback` where |v| < eps."""
    n = v.norm(p=2, dim=-1, keepdim=True)
    return torch.where(n > eps, v / n.clamp(min=eps), fallback)


def rotate_to_local(v: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor:
    """World (x, z) vectors [N, ..., 2] into the frame of a root with heading `yaw` [N]."""
    c = torch.cos(yaw).view([-1] + [1] * (v.dim() - 2))
    s = torch.sin(yaw).view([-1] + [1] * (v.dim() - 2))
    x, z = v[..., 0], v[..., 1]
    return torch.stack([x * c - z * s, x * s + z * c], dim=-1)


def rotate_to_world(v: torch.Tensor, yaw: torch.Tensor) -> torch.Tensor:
    """Inverse of `rotate_to_local`."""
    c = torch.cos(yaw).view([-1] + [1] * (v.dim() - 2))
    s = torch.sin(yaw).view([-1] + [1] * (v.dim() - 2))
    x, z = v[..., 0], v[..., 1]
    return torch.stack([x * c + z * s, -x * s + z * c], dim=-1)


def yaw_to_direction(yaw: torch.Tensor) -> torch.Tensor:
    return torch.stack([torch.sin(yaw), torch.cos(yaw)], dim=-1)


def direction_to_yaw(d: torch.Tensor) -> torch.Tensor:
    return torch.atan2(d[..., 0], d[..., 1])


def bias_weights(samples: int, bias: float, device: torch.device) -> torch.Tensor:
    """Blend weight toward the desired trajectory at each of `samples` future samples: 1-(1-t)^bias."""
    t = torch.arange(1, samples + 1, dtype=torch.float32, device=device) / samples
    return 1.0 - torch.pow(1.0 - t, bias)


def blend_future(pred_pos: torch.Tensor, pred_dir: torch.Tensor, root_xz: torch.Tensor,
                 desired_vel: torch.Tensor, desired_dir: torch.Tensor, w_pos: torch.Tensor,
                 w_dir: torch.Tensor, step_seconds: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Blend predicted future points [N, S, 2] (world) toward the desired ones (module docstring).

    w_pos, w_dir [S] are `bias_weights`.
    """
    prev = torch.cat([root_xz.unsqueeze(1), pred_pos[:, :-1]], dim=1)
    steps = pred_pos - prev
    want = (desired_vel * step_seconds).unsqueeze(1)
    wp = w_pos.view(1, -1, 1)
    pos = root_xz.unsqueeze(1) + torch.cumsum(steps + (want - steps) * wp, dim=1)
    wd = w_dir.view(1, -1, 1)
    mixed = pred_dir + (desired_dir.unsqueeze(1) - pred_dir) * wd
    fallback = desired_dir.unsqueeze(1).expand_as(mixed)
    return pos, safe_normalise(mixed, fallback)


def blend_toward(values: torch.Tensor, desired: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """values [N, S, C] pulled toward desired [N, C] with per-sample weights [S]."""
    return values + (desired.unsqueeze(1) - values) * weights.view(1, -1, 1)


__all__ = ["TrajectoryWindow", "bias_weights", "blend_future", "blend_toward", "direction_to_yaw", "rotate_to_local",
           "rotate_to_world", "safe_normalise", "yaw_to_direction"]
