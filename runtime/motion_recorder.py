"""Record what the characters played, tick by tick, and write it out: BVH per character, output channels as .npz.

    recorder = MotionRecorder(runtime)        # appends itself to runtime.on_tick
    ...                                       # play: every tick's composed pose is kept
    recorder.save_bvh("walk.bvh")             # one BVH per character, at the tick rate
    recorder.save_outputs("walk.outputs.npz") # contacts, phase, ... of every tick

Each tick costs a few array copies per group (about 1 us per tensor on the CPU; on a GPU the values
stay on the device in chunks of `CHUNK_TICKS` ticks and come to the host once per chunk, so the
play loop never waits on a device sync).

The BVH files: the character root is folded into the skeleton's root joint (ROOT with 6 channels and
a zero OFFSET, so importers that add the OFFSET to the position channels and those that do not agree),
every other joint has 3 rotation channels ("ZYX", as in the CMU files) unless its translation is
animated, and leaf joints get an End Site. Blender imports the files as they are (Y up, -Z forward,
metres); MotionBuilder expects centimetres: `units="cm"` (`--bvh-units cm` on the command line).
"""
from __future__ import annotations

import argparse
import json
import logging
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from .errors import NeuropuppetError
from .motion.bvh import write_bvh
from .motion.motion import Motion
from .motion.rotations import quat_mul, quat_normalize, quat_rotate
from .motion.skeleton import Skeleton

log = logging.getLogger(__name__)

CHUNK_TICKS = 512
"""Ticks per storage chunk (device chunks are copied to the host when full)."""

UNITS = {"m": 1.0, "cm": 0.01}
"""BVH length units `save_bvh` writes: metres per file unit."""

_CORE = ("root_position", "root_rotation", "local_positions", "local_rotations")


class _Channel:
    """One tensor's value at every recorded tick, [ticks, *shape], stored in fixed-size chunks."""

    def __init__(self, like: torch.Tensor, first_row: int) -> None:
        self.shape = tuple(like.shape)
        self.first_row = first_row          # recording row of its first value (output channels may start late)
        self.on_host = like.device.type == "cpu"
        self.like = like
        self.done: list[np.ndarray] = []
        self.chunk: Any = None
        self.fill = 0
        self.closed = False

    def append(self, value: torch.Tensor) -> None:
        if self.chunk is None:
            if self.on_host:
                self.chunk = np.empty((CHUNK_TICKS, *self.shape), value.detach().numpy().dtype)
            else:
                self.chunk = torch.empty((CHUNK_TICKS, *self.shape), dtype=value.dtype, device=value.device)
        if self.on_host:
            self.chunk[self.fill] = value.numpy()      # pose tensors never require grad
        else:
            self.chunk[self.fill].copy_(value)
        self.fill += 1
        if self.fill == CHUNK_TICKS:
            self.done.append(self._host(self.chunk))
            self.chunk, self.fill = None, 0

    @staticmethod
    def _host(chunk: Any) -> np.ndarray:
        return chunk if isinstance(chunk, np.ndarray) else chunk.cpu().numpy()

    def array(self) -> np.ndarray:
        """Every recorded value, [rows, *shape] (a fresh host array)."""
        parts = list(self.done)
        if self.chunk is not None and self.fill:
            parts.append(self._host(self.chunk[:self.fill]))
        if not parts:
            return np.zeros((0, *self.shape), np.float32)
        return np.concatenate(parts)

    def __len__(self) -> int:
        return len(self.done) * CHUNK_TICKS + self.fill


class _GroupTrack:
    """One group's recording: tick indices, the four pose tensors and every output channel."""

    def __init__(self, group: Any) -> None:
        self.group = group
        self.skeleton: Skeleton = group.pose.skeleton
        self.ticks: list[int] = []
        self.core: dict[str, _Channel] = {}
        self.outputs: dict[str, _Channel] = {}

    def capture(self, tick: int) -> None:
        pose = self.group.pose
        if pose.skeleton is not self.skeleton and not pose.skeleton.same_topology(self.skeleton):
            raise NeuropuppetError(f"motion recorder: group {self.group.name!r} changed skeleton at tick {tick} "
                                   f"({self.skeleton.num_joints} -> {pose.skeleton.num_joints} joints); "
                                   "a recording holds one skeleton per character")
        row = len(self.ticks)
        self.ticks.append(tick)
        for name in _CORE:
            value = getattr(pose, name)
            ch = self.core.get(name)
            if ch is None:
                ch = self.core[name] = _Channel(value, row)
            ch.append(value)
        for name, value in pose.extras.items():
            ch = self.outputs.get(name)
            if ch is None:
                if not isinstance(value, torch.Tensor):
                    log.warning("motion recorder: output %r of group %r is a %s, not a tensor; not recorded",
                                name, self.group.name, type(value).__name__)
                    ch = self.outputs[name] = _Channel(torch.zeros(0), row)
                    ch.closed = True
                    continue
                ch = self.outputs[name] = _Channel(value, row)
            if ch.closed:
                continue
            if tuple(value.shape) != ch.shape:
                log.warning("motion recorder: output %r of group %r changed shape from %s to %s at tick %d; "
                            "its recording stops there", name, self.group.name, ch.shape, tuple(value.shape), tick)
                ch.closed = True
                continue
            ch.append(value)

    def timeline(self) -> tuple[np.ndarray, np.ndarray]:
        """(ticks on the BVH timeline [T], recorded row shown at each [T]).

        Ticks the runtime skipped (a master clock catching up) hold the pose of the tick before them,
        so the file stays on the tick-rate timeline.
        """
        ticks = np.asarray(self.ticks, np.int64)
        timeline = np.arange(ticks[0], ticks[-1] + 1)
        rows = np.searchsorted(ticks, timeline, side="right") - 1
        return timeline, rows


class MotionRecorder:
    """Keeps every tick's composed pose (and output channels) of the recorded groups.

    runtime: a `neuropuppet.Runtime`; the recorder appends `capture` to `runtime.on_tick`.
    groups:  the groups to record (default: every group of the runtime, including ones spawned later,
             each from its first recorded tick).
    """

    def __init__(self, runtime: Any, groups: Sequence[Any] | None = None, *, attach: bool = True) -> None:
        self.runtime = runtime
        self.groups = None if groups is None else list(groups)
        self.tracks: dict[int, _GroupTrack] = {}     # id(group) -> track, in first-recorded order
        self._last_tick: int | None = None
        self._unhook: Callable[[], None] | None = None
        if attach:
            self.attach()

    # -- recording ---------------------------------------------------------------------------------
    def attach(self) -> None:
        """Record after every tick (appends to `runtime.on_tick`; idempotent)."""
        if self._unhook is not None:
            return
        hook, hooks = self._on_tick, self.runtime.on_tick
        hooks.append(hook)
        self._unhook = lambda: hooks.remove(hook) if hook in hooks else None

    def detach(self) -> None:
        """Stop recording (what was recorded stays)."""
        if self._unhook is not None:
            self._unhook()
            self._unhook = None

    def _on_tick(self, runtime: Any) -> None:
        self.capture()

    def capture(self) -> None:
        """Record the groups' poses after the latest tick (nothing when that tick is already recorded)."""
        tick = int(self.runtime.tick_count)       # ticks run so far: the key of the latest one
        if tick <= 0 or tick == self._last_tick:
            return
        self._last_tick = tick
        for group in (self.runtime.groups if self.groups is None else self.groups):
            track = self.tracks.get(id(group))
            if track is None:
                track = self.tracks[id(group)] = _GroupTrack(group)
            track.capture(tick)

    @property
    def num_ticks(self) -> int:
        """Ticks recorded so far (by the first recorded group)."""
        return len(next(iter(self.tracks.values())).ticks) if self.tracks else 0

    @property
    def tick_rate(self) -> float:
        return 1.0 / float(self.runtime.dt)

    # -- reading back ------------------------------------------------------------------------------
    def labels(self) -> list[str]:
        """One name per recorded group: the controller name, with the group's index when two share it."""
        names = [t.group.name for t in self.tracks.values()]
        return [n if names.count(n) == 1 else f"{n}{i}" for i, n in enumerate(names)]

    def motions(self) -> dict[str, list[Motion]]:
        """Per group label, each character's played motion (root folded into joint 0; see module docstring)."""
        out: dict[str, list[Motion]] = {}
        for label, track in zip(self.labels(), self.tracks.values()):
            _, rows = track.timeline()
            arrays = {k: track.core[k].array()[rows].astype(np.float64) for k in _CORE}
            skeleton = _export_skeleton(track.skeleton)
            count = arrays["root_position"].shape[1]
            out[label] = [_character_motion(skeleton, arrays, i, float(self.runtime.dt)) for i in range(count)]
        return out

    def outputs(self) -> dict[str, dict[str, np.ndarray]]:
        """Per group label, each output channel's values [T, N, *shape] on the tick timeline (NaN before it began)."""
        out: dict[str, dict[str, np.ndarray]] = {}
        for label, track in zip(self.labels(), self.tracks.values()):
            _, rows = track.timeline()
            channels = {}
            for name, ch in track.outputs.items():
                values = ch.array()
                if not len(values):
                    continue
                local = rows - ch.first_row
                valid = (local >= 0) & (local < len(values))
                taken = values[np.clip(local, 0, len(values) - 1)]
                if not valid.all():
                    taken = taken.astype(np.float32) if not np.issubdtype(taken.dtype, np.floating) else taken
                    taken[~valid] = np.nan
                channels[name] = taken
            out[label] = channels
        return out

    # -- writing -----------------------------------------------------------------------------------
    def bvh_paths(self, path: str | Path) -> list[Path]:
        """Where `save_bvh(path)` writes: `path` itself for one character, else `STEM-<group>-<i>.bvh` beside it."""
        path = Path(path)
        counts = [(label, int(t.core["root_position"].shape[0]))
                  for label, t in zip(self.labels(), self.tracks.values())]
        if sum(n for _, n in counts) == 1:
            return [path]
        suffix = path.suffix or ".bvh"
        return [path.with_name(f"{path.stem}-{label}-{i}{suffix}") for label, n in counts for i in range(n)]

    def save_bvh(self, path: str | Path, *, units: str = "m", order: str = "ZYX") -> list[Path]:
        """Write each recorded character's motion as BVH at the tick rate; returns the files.

        One character in all: exactly `path`. More: `STEM-<group>-<i>.bvh` beside `path`, one per
        character (group = controller name, with its index when two groups share it).
        units: "m" (Blender) or "cm" (MotionBuilder, Maya). order: rotation channel order.
        """
        if units not in UNITS:
            raise NeuropuppetError(f"{path}: unknown BVH units {units!r} (use {' or '.join(UNITS)})")
        if not self.tracks:
            raise NeuropuppetError(f"{path}: no ticks were recorded, so there is no motion to write")
        paths = self.bvh_paths(path)
        motions = [m for per_group in self.motions().values() for m in per_group]
        for p, motion in zip(paths, motions):
            write_bvh(p, motion, order=order, scale=UNITS[units])
        return paths

    def save_outputs(self, path: str | Path) -> Path | None:
        """Write every output channel as .npz at `path` (None when no group had any).

        Keys: `<group>/<channel>` -> [T, N, *shape] on the tick timeline (NaN where a channel had not
        started yet), `<group>/tick` -> [T] ticks run when each row was recorded (1 for the first tick), `tick_rate`, and `meta` (JSON: per group the
        controller, joint names and each channel's declared shape, meaning, joints and interpolation).
        """
        outputs = self.outputs()
        if not any(outputs.values()):
            return None
        arrays: dict[str, np.ndarray] = {"tick_rate": np.array(self.tick_rate)}
        meta: dict[str, Any] = {}
        for (label, channels), track in zip(outputs.items(), self.tracks.values()):
            timeline, _ = track.timeline()
            arrays[f"{label}/tick"] = timeline
            arrays.update({f"{label}/{name}": v for name, v in channels.items()})
            specs = getattr(track.group, "outputs", None) or {}
            meta[label] = {"controller": track.group.name, "joints": list(track.skeleton.names),
                           "channels": {name: _spec_dict(specs.get(name), v) for name, v in channels.items()}}
        arrays["meta"] = np.array(json.dumps(meta))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:      # np.savez would append .npz to a name without it
            np.savez(f, **arrays)
        return path


def _spec_dict(spec: Any, values: np.ndarray) -> dict[str, Any]:
    if spec is not None and is_dataclass(spec):
        d = asdict(spec)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
    return {"shape": list(values.shape[2:])}


def _export_skeleton(skeleton: Skeleton) -> Skeleton:
    """The skeleton as written: root OFFSET zero, names without whitespace, an End Site on every leaf."""
    offsets = skeleton.offsets.copy()
    offsets[0] = 0.0
    names = tuple("_".join(n.split()) or f"joint{j}" for j, n in enumerate(skeleton.names))
    end_sites = dict(skeleton.end_sites)
    for j in range(skeleton.num_joints):
        if j not in end_sites and not skeleton.children(j):
            bone = skeleton.offsets[j].astype(np.float64)
            length = np.linalg.norm(bone)
            end_sites[j] = (bone * 0.5 if length > 1e-3 else np.array([0.0, 0.05, 0.0])).astype(np.float32)
    return Skeleton(names, skeleton.parents, offsets, end_sites)


def _character_motion(skeleton: Skeleton, arrays: dict[str, np.ndarray], i: int, dt: float) -> Motion:
    """Character i's frames with the character root folded into joint 0."""
    root_pos, root_rot = arrays["root_position"][:, i], quat_normalize(arrays["root_rotation"][:, i])
    positions = arrays["local_positions"][:, i].copy()
    rotations = quat_normalize(arrays["local_rotations"][:, i])
    positions[:, 0] = root_pos + quat_rotate(root_rot, positions[:, 0])
    rotations[:, 0] = quat_mul(root_rot, rotations[:, 0])
    return Motion(skeleton, positions, rotations, dt)


# -- the command line: `play` / `render` --bvh OUT.bvh [--bvh-units cm] (arguments in cli/play.py) -----
def attach_recorder(args: argparse.Namespace, runtime: Any) -> MotionRecorder | None:
    """A recorder on `runtime` when `--bvh` was given, else None."""
    return MotionRecorder(runtime) if getattr(args, "bvh", None) else None


def outputs_path(bvh_path: str | Path) -> Path:
    """Where the output channels of `--bvh OUT.bvh` go: OUT.outputs.npz."""
    p = Path(bvh_path)
    return p.with_name(f"{p.stem}.outputs.npz")


def finish(args: argparse.Namespace, recorder: MotionRecorder | None, *, show: int = 8) -> list[Path]:
    """Write what `recorder` holds to `--bvh` (and the outputs beside it); print the files."""
    if recorder is None:
        return []
    recorder.detach()
    if not recorder.num_ticks:
        print(f"no ticks were played, so no BVH was written to {args.bvh}")
        return []
    units = getattr(args, "bvh_units", "m")
    paths = recorder.save_bvh(args.bvh, units=units)
    what = f"{recorder.num_ticks} ticks at {recorder.tick_rate:g} Hz, in {'metres' if units == 'm' else 'centimetres'}"
    if len(paths) == 1:
        print(f"wrote the played motion ({what}) to {paths[0]}")
    else:
        print(f"wrote the played motion of {len(paths)} characters ({what}), one BVH each:")
        for p in paths[:show]:
            print(f"  {p}")
        if len(paths) > show:
            print(f"  ... and {len(paths) - show} more beside them")
    extra = recorder.save_outputs(outputs_path(args.bvh))
    if extra is not None:
        print(f"wrote the output channels to {extra}")
        paths = paths + [extra]
    return paths


__all__ = ["MotionRecorder", "CHUNK_TICKS", "UNITS", "attach_recorder", "finish", "outputs_path"]
