"""GesturesController: the `gestures` plugin, a seated pianist whose upper body performs to the music it hears.

    neuropuppet play gestures --music song.ogg          # the pianist at a keyboard, in sync with the sound
    neuropuppet play pfnn --layers gestures --music F   # the arms and torso over a walking body

Input: `audio_features` ([N, F], `neuropuppet.ports.audio_features(F)`): the causal music features of
this tick (`neuropuppet.audio.features`, F = 28 with 20 MFCC), computed ONCE per music stream by one
`AudioFeatureSource` that every performer and every group shares: `play`/`render` provide it as a
world source from the music (`runtime.provide("audio_features", AudioFeatureSource(clip))` in your own
code). The network (an LSTM, `controllers/gestures/ARTIFACT.md`) maps the vector to the local
rotations of the upper body, one recurrent tick per character with its own state (reset by index).

A performer starts (and `reset` restarts it) from the state its network settles into after `settle_s` seconds
of silence (SETTLE_S by default; 0: zero state, as each training clip starts): seated and calm before the
music, rather than drifting from the zero state to that rest over the first seconds.

Each tick, for N performers at once:
  1. the features; a row with NaN or inf holds that character's last finite vector (before any: the
     features of silence); the network clamps the normalised values it reads
  2. the network -> local rotations of its joints (unit quaternions, ARTIFACT.md), state carried; a
     character whose rotations are not finite gets the rest pose and starts afresh
  3. the pose: the seated base pose of the artifact (`rest_pose`: hips on the bench, legs bent) with the
     network's joints written over it; as a layer, the network's joints over the body below (its bone
     lengths kept), and the piano hidden
  4. rest on silence (`silence_rest.py`): after `rest_after_s` (REST_AFTER_S) of music under -60 dB RMS the
     written joints blend over 0.5 s into the network's own pose after settle_s (SETTLE_S where 0) of silence, back to
     the network's within 0.1 s of the next sound; with sound the network's pose passes unchanged
  5. smoothing (`neuropuppet.motion.rotation_filter`): a one-pole low-pass of the written rotations,
     `smoothing_hz` per joint; by default SMOOTHING_HZ on the torso, neck, head, shoulders and upper arms
     and HAND_SMOOTHING_HZ on the forearms, hands and fingers (a 6 ms lag: the presses stay sharp). The
     network's frame-to-frame jitter gave the upper spine and upper arms 12-23x the data's jerk, the head
     5-17x (unseen seeds 91000-91003, the default before the smoothing); the light filter on the hand chains
     took the calmest unseen clip's jerk from 2.03x to 1.96x the data's (README, gestures quality)

Outputs: `props` (`neuropuppet.props`): the keyboard, its body and the bench (`piano.py`, from the
artifact's `neuropuppet.keyboard.Keyboard`), shown alone, hidden as a layer.
Options: spacing (metres between performers side by side, default the keyboard's width + 0.4);
smoothing_hz (a cut-off in Hz for every written joint, a {joint: Hz} mapping over the default, or 0 for
none); settle_s (seconds of silence heard before the start, default SETTLE_S; 0 for the zero state);
rest_after_s (seconds of silence before the rest of step 4, default REST_AFTER_S; 0 or None: off); engine
("auto": on the CPU up to NATIVE_MAX_BATCH performers the compiled tick of native.py, which must
reproduce the artifact's forward on a probe; larger CPU groups "batched": the artifact's batched LSTM
with the 6D -> quaternion step compiled; else TorchScript; "torch"; "native").
The network was trained at 60 ticks per second (the features' dt); other tick rates are refused.
"""
from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar, Sequence

import numpy as np
import torch

from neuropuppet import PLUGIN_API_VERSION, InputError, PoseBatch, Skeleton, TickInputs
from neuropuppet.artifacts import Artifact
from neuropuppet.audio.features import FEATURE_LAYOUT, FeatureExtractor, FeatureSettings
from neuropuppet.controller import character_indices
from neuropuppet.errors import ArtifactError
from neuropuppet.features import Layout
from neuropuppet.keyboard import DEFAULT_KEYBOARD, Keyboard
from neuropuppet.motion.rotation_filter import RotationFilter
from neuropuppet.motion.rotations_torch import quat_from_yaw
from neuropuppet.nn import RecurrentState
from neuropuppet.ports import InputSpec, OutputSpec, audio_features
from neuropuppet.props import props_output

from .native import BatchedTick, NativeTick
from .piano import piano_props
from .silence_rest import REST_AFTER_S, SilenceRest, rest_after_seconds

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_DIR = PACKAGE_DIR / "default"
DEMO_CLIP = ("demos", "music", "piano_demo.ogg")
UPPER_BODY = ("LowerBack", "Spine", "Spine1", "Neck", "Neck1", "Head", "LeftShoulder", "LeftArm", "LeftForeArm",
              "LeftHand", "LeftFingerBase", "LeftHandIndex1", "LThumb", "RightShoulder", "RightArm", "RightForeArm",
              "RightHand", "RightFingerBase", "RightHandIndex1", "RThumb")
"""The joints a performer's network writes (CMU names), the class-level `layer_joints`; an instance
declares those of its artifact."""
TICK_RATE = 60.0
NATIVE_MAX_BATCH = 16
SMOOTHING_HZ = 5.0
"""Default cut-off (Hz) of the written joints' low-pass, except the hand chains (`default_smoothing`)."""
HAND_SMOOTHING_HZ = 25.0
"""Default cut-off (Hz) on the hand chains (HAND_CHAIN): chosen on validation seeds 92000-92011 among 0-30 Hz."""
SETTLE_S = 10.0
"""Seconds of silence a performer's network has heard at its start state (module docstring)."""
HAND_CHAIN = ("ForeArm", "Hand", "Finger", "Thumb")
"""Joints whose name holds one of these get HAND_SMOOTHING_HZ by default: the forearm down, which presses the keys."""


def default_smoothing(joints: Sequence[str]) -> dict[str, float]:
    """The default cut-off per written joint: SMOOTHING_HZ, HAND_SMOOTHING_HZ on the forearms, hands and fingers."""
    return {j: HAND_SMOOTHING_HZ if any(k in j for k in HAND_CHAIN) else SMOOTHING_HZ for j in joints}


def smoothing_cutoffs(joints: Sequence[str], smoothing_hz: float | dict[str, float] | None) -> list[float]:
    """Cut-offs (Hz) per joint of the option `smoothing_hz` (module docstring); InputError on a bad one."""
    if smoothing_hz is None:
        table = default_smoothing(joints)
    elif isinstance(smoothing_hz, dict):
        unknown = sorted(set(smoothing_hz) - set(joints))
        if unknown:
            raise InputError(f"gestures: smoothing_hz names joint {unknown[0]!r}, which the network does not write "
                             f"(it writes {', '.join(joints)})")
        table = {**default_smoothing(joints), **smoothing_hz}
    else:
        table = {j: smoothing_hz for j in joints}
    try:
        out = [float(table[j]) for j in joints]
    except (TypeError, ValueError):
        raise InputError(f"gestures: smoothing_hz must be a number of Hz or a {{joint: Hz}} mapping, got "
                         f"{smoothing_hz!r}") from None
    if not all(np.isfinite(f) and f >= 0 for f in out):
        raise InputError(f"gestures: smoothing_hz cut-offs must be finite and >= 0, got {smoothing_hz!r}")
    return out
"""CPU groups up to this size run the compiled tick (native.py); larger ones the batched TorchScript network."""


def _settle_seconds(settle_s: Any) -> float:
    try:
        value = float(settle_s)
    except (TypeError, ValueError):
        raise InputError(f"gestures: settle_s must be a number of seconds, got {settle_s!r}") from None
    if not (np.isfinite(value) and 0.0 <= value <= 600.0):
        raise InputError(f"gestures: settle_s must be within 0..600 s, got {settle_s!r}")
    return value


def _rms_column(extra: dict[str, Any], where: Any) -> int:
    """The `rms` column of the artifact's feature layout (FEATURE_LAYOUT's where it names none)."""
    layout = extra.get("feature_layout")
    if layout is None:
        return FEATURE_LAYOUT.start("rms")
    try:
        return Layout.from_dict(layout).start("rms")
    except (KeyError, TypeError, ValueError) as e:
        raise ArtifactError(f"{where}: its feature_layout has no usable 'rms' block ({type(e).__name__}: {e})") \
            from None


def default_music() -> Path | None:
    """The short clip shipped with the project (made by its piano generator), or None where it is absent."""
    for root in (PACKAGE_DIR.parents[1], DEFAULT_DIR):
        path = root.joinpath(*DEMO_CLIP) if root != DEFAULT_DIR else root / DEMO_CLIP[-1]
        if path.is_file():
            return path
    return None


class GesturesController:
    """A pianist's upper body from a recurrent network listening to music features (module docstring)."""

    name: ClassVar[str] = "gestures"
    api_version: ClassVar[int] = PLUGIN_API_VERSION
    description: ClassVar[str] = "music-driven pianist: an LSTM maps causal music features to upper-body gestures"
    inputs: ClassVar[tuple[InputSpec, ...]] = (audio_features(FEATURE_LAYOUT.size),)
    outputs: ClassVar[tuple[OutputSpec, ...]] = (props_output(piano_props(DEFAULT_KEYBOARD)),)
    controls: ClassVar[tuple[tuple[str, str], ...]] = (
        ("music (--music FILE; default: the shipped piano clip)", "the pianist performs to it, in sync with the sound"),
    )
    layer_joints: ClassVar[tuple[str, ...]] = UPPER_BODY

    def __init__(self, network: Any, *, skeleton: Skeleton, joints: Sequence[str], rest_root: Sequence[float],
                 rest_rotations: np.ndarray, hidden: int, layers: int, feature_width: int,
                 keyboard: Keyboard = DEFAULT_KEYBOARD, batch_size: int = 1, device: torch.device | str = "cpu",
                 spacing: float | None = None, smoothing_hz: float | dict[str, float] | None = None,
                 settle_s: float = SETTLE_S, rest_after_s: float | None = REST_AFTER_S, rms_column: int | None = None,
                 feature_settings: dict[str, Any] | None = None, native: NativeTick | None = None,
                 batched: BatchedTick | None = None) -> None:
        if batch_size < 1:
            raise InputError(f"gestures: batch_size must be at least 1, got {batch_size}")
        missing = [j for j in joints if j not in skeleton.names]
        if missing:
            raise ArtifactError(f"gestures: the network writes joint {missing[0]!r}, which its skeleton lacks")
        rest = np.asarray(rest_rotations, np.float32)
        if rest.shape != (skeleton.num_joints, 4) or not np.isfinite(rest).all():
            raise ArtifactError(f"gestures: rest_pose rotations must be [{skeleton.num_joints}, 4] finite, got "
                                f"{rest.shape}")
        self.network = network
        self.skeleton = skeleton
        self.batch_size, self.device = int(batch_size), torch.device(device)
        self.keyboard = keyboard
        self.joints = tuple(joints)
        self.layer_joints = self.joints
        self.inputs = (audio_features(int(feature_width)),)
        self.outputs = (props_output(piano_props(keyboard)),)
        n, dev = self.batch_size, self.device
        written = [skeleton.index(j) for j in self.joints]
        self._written = torch.tensor(written, dtype=torch.long, device=dev)
        contiguous = written == list(range(written[0], written[0] + len(written))) if written else False
        self._written_slice = slice(written[0], written[0] + len(written)) if contiguous else None
        self._on_cpu = self.device.type == "cpu"
        self.native = native if self._on_cpu else None
        self.batched = batched if self._on_cpu and self.native is None else None
        self.engine = "native" if self.native is not None else "batched" if self.batched is not None else "torch"
        self._written_np = np.asarray(written, np.int64)
        rest_q = torch.from_numpy(rest / np.linalg.norm(rest, axis=-1, keepdims=True)).to(dev)
        self._rest_q = rest_q.expand(n, -1, -1).contiguous()               # [N, J, 4] the seated base pose
        self._rest_written = self._rest_q[:, self._written].clone()        # [N, Jw, 4]
        self._pose = PoseBatch.rest(skeleton, n, dev)
        self._pose.local_positions[:, 0] = torch.as_tensor(np.asarray(rest_root, np.float32), device=dev)
        self._pose.local_rotations.copy_(self._rest_q)
        self._base_positions = self._pose.local_positions.clone()
        width = keyboard.left_x - keyboard.right_x
        self.spacing = float(width + 0.4 if spacing is None else spacing)
        self._pose.root_position[:, 0] = (torch.arange(n, device=dev) - (n - 1) / 2) * self.spacing
        self.recurrent = RecurrentState(torch.zeros(layers, n, hidden, device=dev),
                                        torch.zeros(layers, n, hidden, device=dev))
        self._held = torch.zeros(n, int(feature_width), device=dev)        # last finite features per character
        self.settle_s = _settle_seconds(settle_s)
        self.rest_after_s = rest_after_seconds(rest_after_s)
        self._rms_column = FEATURE_LAYOUT.start("rms") if rms_column is None else int(rms_column)
        if not 0 <= self._rms_column < int(feature_width):
            raise ArtifactError(f"gestures: the features' rms column {self._rms_column} is outside their "
                                f"{feature_width} columns")
        self._held_rms = self._held[:, self._rms_column]                   # a view: the held features' RMS
        self.rest: SilenceRest | None = None
        if self.settle_s > 0 or self.rest_after_s is not None:
            settle = self.settle_s if self.settle_s > 0 else SETTLE_S
            h0, c0, settled_pose = self._settled(int(feature_width), layers, hidden, feature_settings, settle)
            if self.settle_s > 0:
                self.recurrent.start(h0, c0)
            if self.rest_after_s is not None:
                self.rest = SilenceRest(settled_pose.expand(n, -1, -1).contiguous(), written, 1.0 / TICK_RATE,
                                        after_s=self.rest_after_s)
        self.smoothing = RotationFilter(n, written, smoothing_cutoffs(self.joints, smoothing_hz), 1.0 / TICK_RATE, dev)
        self._shown = torch.ones(n, 1, device=dev)
        self._hidden = torch.zeros(n, 1, device=dev)

    # -- plugin protocol -------------------------------------------------------------------------
    @classmethod
    def default_artifact(cls) -> Path | None:
        path = DEFAULT_DIR / "gestures.pt"
        return path if path.is_file() else None

    @classmethod
    def default_audio(cls) -> Path | None:
        """The music `play`/`render` use when the user gives none: the shipped piano clip."""
        return default_music()

    @classmethod
    def from_artifact(cls, artifact: Artifact | None, *, batch_size: int = 1, device: torch.device | str | None = None,
                      engine: str = "auto", **options: Any) -> "GesturesController":
        if artifact is None:
            raise ArtifactError("gestures: no artifact given and none shipped in controllers/gestures/default; train "
                                "one with `neuropuppet train gestures`")
        meta = artifact.metadata
        where = artifact.path
        if meta.controller != "gestures":
            raise ArtifactError(f"{where}: artifact is for controller {meta.controller!r}, not 'gestures'")
        extra = meta.extra
        try:
            skeleton = Skeleton.from_dict(meta.skeleton)
            rest = extra["rest_pose"]
            joints = list(extra["joints"])
            hidden, layers, width = int(extra["hidden"]), int(extra["layers"]), int(extra["feature_width"])
            fps = float(extra.get("fps", TICK_RATE))
            keyboard = Keyboard.from_dict(extra["keyboard"]) if extra.get("keyboard") else DEFAULT_KEYBOARD
            rest_root, rest_rotations = rest["root_position"], np.asarray(rest["rotations"], np.float32)
        except (KeyError, TypeError, ValueError) as e:
            raise ArtifactError(f"{where}: gestures metadata is incomplete or malformed ({type(e).__name__}: {e}); "
                                f"see controllers/gestures/ARTIFACT.md") from None
        if abs(fps - TICK_RATE) > 1e-6:
            raise ArtifactError(f"{where}: trained at {fps:g} ticks per second; the gestures controller runs at "
                                f"{TICK_RATE:g}")
        settings = extra.get("feature_settings")
        if settings is not None and settings != asdict(FeatureSettings()):
            log.warning("%s: trained on music features of non-default settings %s: give the group an "
                        "AudioFeatureSource built with them", where, settings)
        if engine not in ("auto", "torch", "native"):
            raise InputError(f"gestures: engine must be auto, torch or native, got {engine!r}")
        dev = torch.device(device if device is not None else artifact.device)
        native = None
        if dev.type == "cpu" and (engine == "native" or (engine == "auto" and batch_size <= NATIVE_MAX_BATCH)):
            native = NativeTick.build(artifact.module, extra, width)
            if native is None and engine == "native":
                raise ArtifactError(f"{where}: the native tick does not reproduce this artifact's network; use "
                                    f"engine='torch'")
        batched = BatchedTick.build(artifact.module, width) if dev.type == "cpu" and native is None \
            and engine == "auto" else None
        return cls(artifact.module, skeleton=skeleton, joints=joints, rest_root=rest_root,
                   rest_rotations=rest_rotations, hidden=hidden, layers=layers, feature_width=width,
                   keyboard=keyboard, batch_size=batch_size, device=dev, native=native, batched=batched,
                   feature_settings=settings, rms_column=_rms_column(extra, where), **options)

    def place(self, positions: torch.Tensor | np.ndarray, yaw: torch.Tensor | np.ndarray | None = None) -> None:
        """Seat the performers at world (x, z) positions [N, 2] (and headings [N], radians; 0 faces +Z)."""
        xz = torch.as_tensor(np.asarray(positions, np.float32), device=self.device).reshape(-1, 2)
        if xz.shape[0] != self.batch_size or not torch.isfinite(xz).all():
            raise InputError(f"gestures: place() takes {self.batch_size} finite (x, z) positions, got shape "
                             f"{tuple(xz.shape)}")
        heading = (torch.zeros(self.batch_size, device=self.device) if yaw is None
                   else torch.as_tensor(np.asarray(yaw, np.float32), device=self.device).reshape(self.batch_size))
        if not torch.isfinite(heading).all():
            raise InputError("gestures: place() yaws must be finite")
        self._pose.root_position[:, 0] = xz[:, 0]
        self._pose.root_position[:, 2] = xz[:, 1]
        self._pose.root_rotation.copy_(quat_from_yaw(heading))

    def reset(self, indices: Sequence[int] | None = None) -> None:
        """Performers (all, or `indices`) start afresh: empty memory, no features held."""
        if indices is None:
            self.recurrent.reset()
            self._held.zero_()
            self.smoothing.reset()
            if self.rest is not None:
                self.rest.reset()
            return
        idx = character_indices(indices, self.batch_size, self.name)
        self.recurrent.reset(idx)
        self.smoothing.reset(idx)
        if self.rest is not None:
            self.rest.reset(idx)
        rows = torch.tensor(idx, dtype=torch.long, device=self.device)
        self._held[rows] = 0.0

    @torch.no_grad()
    def step(self, inputs: TickInputs) -> PoseBatch:
        if abs(inputs.dt * TICK_RATE - 1.0) > 1e-6:
            raise InputError(f"gestures: the network runs at {TICK_RATE:g} ticks per second, the runtime at "
                             f"{1.0 / inputs.dt:g} (use tick_rate={TICK_RATE:g})")
        if self.native is not None:
            return self._step_native(inputs)
        if self.batched is not None:
            return self._step_batched(inputs)
        x = self._usable_features(inputs["audio_features"])
        rotations, h, c = self.network(x, self.recurrent.h, self.recurrent.c)
        self.recurrent.h.copy_(h)
        self.recurrent.c.copy_(c)
        if not self._all_finite(rotations):
            rotations = self._recover(rotations)
        below = inputs.get("pose_below")
        pose = self._pose if below is None else self._over(below)
        self._write(pose.local_rotations, rotations)
        self._rest_and_smooth(pose.local_rotations)
        pose.extras["props"] = self._shown if below is None else self._hidden
        return pose

    def _step_native(self, inputs: TickInputs) -> PoseBatch:
        """The same tick in one compiled call (native.py): features held, network, rotations written."""
        x = inputs["audio_features"]
        if x.shape != self._held.shape:
            raise InputError(f"gestures: audio_features is {list(x.shape)}, expected {list(self._held.shape)}")
        below = inputs.get("pose_below")
        pose = self._pose if below is None else self._over(below)
        self.native(x.numpy(), self._held.numpy(), self.recurrent.h.numpy(), self.recurrent.c.numpy(),
                    self._written_np, pose.local_rotations.numpy())
        self._rest_and_smooth(pose.local_rotations)
        pose.extras["props"] = self._shown if below is None else self._hidden
        return pose

    def _step_batched(self, inputs: TickInputs) -> PoseBatch:
        """Large CPU groups: the batched LSTM in TorchScript, the 6D -> quaternion step compiled (native.py)."""
        x = self._usable_features(inputs["audio_features"])
        below = inputs.get("pose_below")
        pose = self._pose if below is None else self._over(below)
        h, c = self.batched(x, self.recurrent.h, self.recurrent.c, self._written_np, pose.local_rotations.numpy())
        self.recurrent.h.copy_(h)
        self.recurrent.c.copy_(c)
        self._rest_and_smooth(pose.local_rotations)
        pose.extras["props"] = self._shown if below is None else self._hidden
        return pose

    # -- helpers ---------------------------------------------------------------------------------
    def _rest_and_smooth(self, local_rotations: torch.Tensor) -> None:
        """Steps 4 and 5 of the tick (module docstring): the rest on silence, then the smoothing."""
        if self.rest is not None:
            self.rest(local_rotations, self._held_rms)
        self.smoothing(local_rotations)

    @torch.no_grad()
    def _settled(self, width: int, layers: int, hidden: int, feature_settings: dict[str, Any] | None,
                 seconds: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(h, c) [layers, hidden] of the network after `seconds` of silence from the zero state, and its
        written rotations [1, Jw, 4] on the last of those ticks (one performer's ticks, at load)."""
        settings = FeatureSettings(**feature_settings) if feature_settings else FeatureSettings()
        extractor = FeatureExtractor(1.0 / TICK_RATE, settings)
        hop = np.zeros(int(round(settings.sample_rate / TICK_RATE)), np.float32)
        for _ in range(8):                                  # past the first frame's onset reference
            silent = extractor.push(hop)
        if silent.shape[0] != width:                        # features of other settings: zeros, as held before any
            silent = np.zeros(width, np.float32)
        x = torch.as_tensor(np.asarray(silent, np.float32), device=self.device).reshape(1, width)
        h = torch.zeros(layers, 1, hidden, device=self.device)
        c = torch.zeros_like(h)
        rotations = self._rest_written[:1]
        for _ in range(max(int(round(seconds * TICK_RATE)), 1)):
            rotations, h, c = self.network(x, h, c)
        if not bool(torch.isfinite(rotations).all()):
            rotations = self._rest_written[:1]
        return h[:, 0], c[:, 0], rotations

    def _over(self, below: PoseBatch) -> PoseBatch:
        """As a layer: the body's pose beneath, with rotations of its own for the network to write into."""
        pose = self._pose
        pose.root_position, pose.root_rotation = below.root_position, below.root_rotation
        pose.local_positions = below.local_positions
        pose.local_rotations = below.local_rotations.clone()
        return pose

    def _usable_features(self, x: torch.Tensor) -> torch.Tensor:
        """x where a character's row is finite, else its last finite row (zeros before any)."""
        if self._all_finite(x):
            self._held.copy_(x)
            return x
        finite = torch.isfinite(x).all(-1, keepdim=True)
        use = torch.where(finite, x, self._held)
        self._held.copy_(use)
        return use

    def _all_finite(self, t: torch.Tensor) -> bool:
        """No NaN or inf in t (numpy on the CPU: a third of torch's per-call cost on a small tensor)."""
        return bool(np.isfinite(t.numpy()).all()) if self._on_cpu else bool(torch.isfinite(t).all())

    def _write(self, local_rotations: torch.Tensor, rotations: torch.Tensor) -> None:
        """The network's joints into the pose (a slice copy when they are one run of joints, as in the CMU order)."""
        if self._written_slice is not None:
            local_rotations[:, self._written_slice].copy_(rotations)
        else:
            local_rotations.index_copy_(1, self._written, rotations)

    def _recover(self, q: torch.Tensor) -> torch.Tensor:
        """The rare path: characters whose rotations are not finite get the rest pose and start afresh."""
        bad = ~torch.isfinite(q).all(-1).all(-1)
        rows = torch.nonzero(bad).flatten().tolist()
        self.recurrent.reset(rows)
        self.smoothing.reset(rows)
        if self.rest is not None:
            self.rest.reset(rows)
        return torch.where(bad.view(-1, 1, 1), self._rest_written, q)


__all__ = ["GesturesController", "UPPER_BODY", "default_music", "default_smoothing", "SMOOTHING_HZ",
           "HAND_SMOOTHING_HZ", "SETTLE_S"]
