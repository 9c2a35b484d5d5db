"""SilenceRest: a performer settles into its rest pose while the music is silent, and leaves it when sound returns.

    rest = SilenceRest(rest_rotations [N, K, 4], joints=[...], dt=1 / 60)      # defaults: REST_AFTER_S, REST_RMS
    rest(pose.local_rotations, rms [N])     # after the network wrote this tick's rotations, before smoothing

Per character, each tick: `silent_s` counts the seconds the music's RMS (the features' `rms`, linear,
full scale 1) has stayed under `rms_floor` (REST_RMS, -60 dB); past `after_s` the rest weight w rises to 1
over BLEND_IN_S, and from the first tick with sound it falls to 0 over BLEND_OUT_S. The chosen joints'
rotations become nlerp(network, rest, w), so w = 0 (whenever there is sound) passes the network's pose
unchanged. A performer starts at rest (before its start it heard nothing) and `reset` returns it there.
The rest rotations are the network's own pose after SETTLE_S of silence (the controller computes them at load).

Why: a recurrent network trained on music does not always hold still in silence. Of the session-6
networks of one recipe, two of five kept moving (0.7-5.6 mm position std over the last 2 s of 10 s); a
user's network may drift more. The network still runs in silence (its state follows what it hears), so
the first onset after a rest gets the same response as without the rest.

On the CPU the playing case (no silence, no rest weight) costs two numpy reductions and a steady rest one copy;
on a GPU the update and the blend are branch-free torch, without a host sync.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from neuropuppet import InputError
from neuropuppet.motion.rotations_torch import quat_nlerp

REST_AFTER_S = 0.5
"""Seconds of silence before a performer starts to settle into its rest pose."""
REST_RMS = 1e-3
"""RMS (linear, full scale 1) under which the music counts as silent: -60 dB."""
BLEND_IN_S = 0.5
"""Seconds from the network's pose to the rest pose once the silence has lasted `after_s`."""
BLEND_OUT_S = 0.1
"""Seconds from the rest pose back to the network's when sound returns."""


def rest_after_seconds(value: object) -> float | None:
    """The option `rest_after_s` (seconds, or None/0 for no rest on silence); InputError on a bad one."""
    if value is None:
        return None
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"gestures: rest_after_s must be a number of seconds or None, got {value!r}") from None
    if not (np.isfinite(seconds) and 0.0 <= seconds <= 600.0):
        raise InputError(f"gestures: rest_after_s must be within 0..600 s (0 or None: off), got {value!r}")
    return seconds if seconds > 0 else None


class SilenceRest:
    """Blends chosen joints towards a rest pose while the music is silent (module docstring)."""

    def __init__(self, rest_rotations: torch.Tensor, joints: Sequence[int], dt: float, after_s: float = REST_AFTER_S,
                 rms_floor: float = REST_RMS) -> None:
        if rest_rotations.ndim != 3 or rest_rotations.shape[1:] != (len(joints), 4):
            raise ValueError(f"SilenceRest: rest_rotations must be [N, {len(joints)}, 4], got "
                             f"{tuple(rest_rotations.shape)}")
        dev = rest_rotations.device
        n = rest_rotations.shape[0]
        self.rest = rest_rotations
        self.joints = torch.as_tensor(list(joints), dtype=torch.long, device=dev)
        self.dt, self.after_s, self.rms_floor = float(dt), float(after_s), float(rms_floor)
        self.silent_s = torch.full((n,), self.after_s, device=dev)     # seconds under the floor so far
        self.weight = torch.ones(n, device=dev)                         # 1: at rest
        self._on_cpu = dev.type == "cpu"
        self._weight_np = self.weight.numpy() if self._on_cpu else None
        self._silent_np = self.silent_s.numpy() if self._on_cpu else None
        self._resting = True                                            # CPU: some weight is above 0

    def reset(self, indices: Sequence[int] | None = None) -> None:
        """Characters (all, or `indices`) back at rest, as at the start."""
        rows = slice(None) if indices is None else torch.as_tensor(list(indices), dtype=torch.long,
                                                                 device=self.weight.device)
        self.silent_s[rows] = self.after_s
        self.weight[rows] = 1.0
        self._resting = True

    def __call__(self, rotations: torch.Tensor, rms: torch.Tensor) -> None:
        """rotations [N, J, 4] in place at `joints`, from this tick's music RMS [N]."""
        if self._on_cpu and not self._resting and not (rms.numpy() < self.rms_floor).any():
            self._silent_np.fill(0.0)                     # playing: the network's pose passes unchanged
            return
        with torch.no_grad():
            self._update_and_blend(rotations, rms)

    def _update_and_blend(self, rotations: torch.Tensor, rms: torch.Tensor) -> None:
        quiet = rms < self.rms_floor
        self.silent_s.copy_(torch.where(quiet, self.silent_s + self.dt, torch.zeros_like(self.silent_s)))
        rising = self.silent_s >= self.after_s
        self.weight.copy_(torch.where(rising, (self.weight + self.dt / BLEND_IN_S).clamp(max=1.0),
                                      (self.weight - self.dt / BLEND_OUT_S).clamp(min=0.0)))
        if self._on_cpu:
            self._resting = bool(self._weight_np.any())
            self._blend_rows(rotations)
            return
        q = rotations.index_select(1, self.joints)
        w = self.weight.view(-1, 1).expand(-1, q.shape[1])
        blended = torch.where(w.unsqueeze(-1) >= 1.0, self.rest, quat_nlerp(q, self.rest, w))
        rotations.index_copy_(1, self.joints, torch.where(w.unsqueeze(-1) <= 0.0, q, blended))

    def _blend_rows(self, rotations: torch.Tensor) -> None:
        """The CPU's blend, row by row as needed: rows at rest get the rest pose, rows at 0 stay, the rest nlerp
        (the same result as the branch-free path; silence with every performer at rest is one copy)."""
        w = self._weight_np
        at_rest = w >= 1.0
        if at_rest.all():
            rotations.index_copy_(1, self.joints, self.rest)
            return
        if at_rest.any():
            rows = torch.from_numpy(np.flatnonzero(at_rest))
            rotations[rows.view(-1, 1), self.joints.view(1, -1)] = self.rest[rows]
        between = (w > 0.0) & ~at_rest
        if between.any():
            rows = torch.from_numpy(np.flatnonzero(between))
            cells = (rows.view(-1, 1), self.joints.view(1, -1))
            weight = self.weight[rows].view(-1, 1).expand(-1, len(self.joints))
            rotations[cells] = quat_nlerp(rotations[cells], self.rest[rows], weight)


__all__ = ["SilenceRest", "REST_AFTER_S", "REST_RMS", "BLEND_IN_S", "BLEND_OUT_S", "rest_after_seconds"]
