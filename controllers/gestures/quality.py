"""Quality of the `gestures` controller on music it has not trained on (issue 12, item 6).

    python -m neuropuppet.controllers.gestures.quality [--out DIR] [--clips 4] [--seconds 30] [--long-minutes 10]

Everything runs through the public API, as `neuropuppet play` does with a file: the music is written
to a WAV, decoded (`neuropuppet.audio.load_audio`), its causal features provided once as the world
source `audio_features` (`AudioFeatureSource`), and a `Runtime` at 60 Hz steps the shipped model with
a fast-forward clock (no window, no sound device: `runtime.run`). Poses -> world positions by forward
kinematics (`neuropuppet.motion.kinematics`), in the performer's root frame (the keyboard's).

Music:
  piano     clips of the piano generator (`neuropuppet.motion.synth.piano`) from seeds 91000+ (`--seed-base`; training
            uses the trainer's own seeds), with their ground-truth performance and labelled beats
  unlike    music unlike the generator's: a drum loop (kick, snare, hats at 100 BPM), a chord pad (slow
            sine chords, no onsets), white-noise bursts (on a 0.8 s grid), silence, and a clipped piano
            clip (x8 gain, hard-clipped at full scale); beats known for the loop, the bursts and the
            clipped clip (whose score, and so its ground-truth performance, is known too)
  clipped   every piano clip again, amplified x`--clipped-gain` (8) and hard-clipped at full scale: an
            overdriven recording of the same performance, against the same ground truth
  long      `--long-minutes` of piano clips played back to back (10 minutes by default)

Metrics (`neuropuppet.motion.metrics`; x_t world positions of the network's upper-body joints, fps 60):
  acceleration, jerk   mean |second / third difference| x fps^2 / fps^3, and the ratio to the ground
                       truth's (piano and the clipped piano: the same clip's truth; other unlike music: the
                       pooled truth of the piano clips); goal 0.5x-2x
  beat alignment       motion beats = local minima of the mean joint speed (Gaussian-smoothed, sigma 5
                       frames); mean over the music beats of exp(-d^2 / (2 0.05^2)), d the distance (s)
                       to the nearest motion beat (Bailando / AIST++); ratio to the truth's, goal >= 0.8x
  hands on keys        fraction of frames where both wrists (LeftHand, RightHand) are on or above the key
                       surface and within the keyboard's x extent (`Keyboard.over_keys`), model and truth;
                       "at the keys": also at most 0.25 m above the surface and over the keys along z
                       (0.1 m before the fronts to the far end), i.e. playing rather than held up
  silence calm         std over the last 2 s of silence of every joint's position (m), and the largest
                       frame-to-frame move there (m): 10 s of silence, and a piano clip's first 10 s followed by
                       6 s of silence. The controller as shipped starts from its network's state after 10 s of
                       silence (`settle_s`) and rests on silence (`rest_after_s`, `silence_rest.py`); the rows
                       "the network alone" (settle_s=0, each training clip's start, and rest_after_s=0) show
                       how the network itself comes to rest
  long run             finite everywhere; per minute the wrists' mean height and the mean joint speed;
                       drift = largest |mean wrist height of a minute - of the first minute| (m);
                       frozen seconds = 1 s windows during sound with joint speed below 1 mm/s
The report (report.md, report.json in --out) states every figure beside its goal.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from neuropuppet.audio import load_audio
from neuropuppet.audio.features import AudioFeatureSource
from neuropuppet.keyboard import Keyboard
from neuropuppet.motion.kinematics import forward_kinematics
from neuropuppet.motion.metrics import acceleration_jerk, beat_alignment, motion_beats
from neuropuppet.motion.synth.piano_music import overdrive
from neuropuppet.runtime import Runtime

from .controller import GesturesController

FPS = 60
RATE = 22050
SEED_BASE = 91000
HANDS = ("LeftHand", "RightHand")
NEAR_KEYS_M = 0.25
NETWORK_ALONE = {"settle_s": 0.0, "rest_after_s": 0.0}
"""Controller options of the rows "..., the network alone": no settling before the start, no rest on silence."""
SILENCE_AFTER_S = 6.0
"""Seconds of silence after the piano clip of the row "piano, then silence"."""
CLIPPED_GAIN = 8.0
"""Gain before the hard clip: of the clipped clip among the unlike music, and the default of `--clipped-gain`."""
GOALS = {"acceleration_ratio": (0.5, 2.0), "jerk_ratio": (0.5, 2.0), "beat_alignment_ratio": 0.8}


# -- the music --------------------------------------------------------------------------------------------
def piano_clip(seed: int, seconds: float) -> dict[str, Any]:
    """A generator clip: audio, ground-truth local rotations/positions, skeleton, beats, keyboard."""
    from neuropuppet.motion.synth.piano import generate_clip
    audio, skel, pos, rot, labels = generate_clip(np.random.default_rng(seed), int(seconds * FPS), FPS)
    return {"name": f"piano seed {seed}", "audio": np.asarray(audio, np.float32), "skeleton": skel,
            "positions": pos, "rotations": rot, "beats": np.asarray(labels["beats"], np.float64),
            "keyboard": Keyboard.from_json(labels["keyboard"])}


def _tone(t: np.ndarray, f: float) -> np.ndarray:
    return np.sin(2 * np.pi * f * t)


def drum_loop(seconds: float, bpm: float = 100.0, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Kick on 1 and 3, snare on 2 and 4, closed hats on eighths; (audio, beat times)."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * RATE))
    beat = 60.0 / bpm
    beats = np.arange(0.0, seconds - 0.3, beat)

    def hit(at: float, sound: np.ndarray) -> None:
        i = int(at * RATE)
        n = min(len(sound), len(y) - i)
        if n > 0:
            y[i:i + n] += sound[:n]
    tk = np.arange(int(0.3 * RATE)) / RATE
    kick = 0.9 * np.sin(2 * np.pi * (45 * tk + 8 * (1 - np.exp(-tk * 30)))) * np.exp(-tk * 12)
    snare = 0.5 * rng.standard_normal(len(tk)) * np.exp(-tk * 25) + 0.3 * _tone(tk, 190) * np.exp(-tk * 20)
    hat = 0.15 * rng.standard_normal(int(0.05 * RATE)) * np.exp(-np.arange(int(0.05 * RATE)) / RATE * 90)
    for k, b in enumerate(beats):
        hit(b, kick if k % 2 == 0 else snare)
        hit(b, hat)
        hit(b + beat / 2, hat)
    return (0.8 * y / max(np.abs(y).max(), 1e-9)).astype(np.float32), beats


def chord_pad(seconds: float) -> np.ndarray:
    """Slow sine chords (4 s each, cross-faded): no onsets, no beat."""
    t = np.arange(int(seconds * RATE)) / RATE
    roots = (130.8, 174.6, 196.0, 146.8)
    y = np.zeros_like(t)
    for k, root in enumerate(roots * int(np.ceil(seconds / 16.0))):
        env = np.clip(1.0 - np.abs(t - (4.0 * k + 2.0)) / 3.0, 0.0, 1.0) ** 2
        for ratio in (1.0, 1.26, 1.5, 2.0):
            y += env * 0.08 * _tone(t, root * ratio)
    return y.astype(np.float32)


def noise_bursts(seconds: float, period: float = 0.8, seed: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """0.15 s bursts of white noise on a `period` grid; (audio, burst onsets)."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * RATE), np.float32)
    onsets = np.arange(0.5, seconds - 0.2, period)
    n = int(0.15 * RATE)
    for at in onsets:
        i = int(at * RATE)
        y[i:i + n] = 0.5 * rng.standard_normal(min(n, len(y) - i))
    return y, onsets


# -- performing through the runtime -----------------------------------------------------------------------
def perform(audio: np.ndarray, artifact: str | Path | None = None, tmp: Path | None = None, **options: Any
            ) -> tuple[np.ndarray, np.ndarray, Any]:
    """The controller's performance of `audio` (22050 Hz mono): (local rotations [T, J, 4], local
    positions [J, 3] of the first tick, the skeleton); T = the audio's ticks at 60 Hz. `options` go to the
    controller (e.g. settle_s=0)."""
    import soundfile
    with tempfile.TemporaryDirectory(dir=tmp) as folder:
        path = Path(folder) / "music.wav"
        soundfile.write(path, audio, RATE, subtype="FLOAT")
        clip = load_audio(path)
    rt = Runtime(tick_rate=FPS)
    rt.provide("audio_features", AudioFeatureSource(clip))
    group = rt.spawn("gestures", artifact=artifact, **options)
    ticks = int(len(audio) / RATE * FPS)
    rotations = np.empty((ticks, group.skeleton.num_joints, 4), np.float32)
    for k in rt.run(ticks):
        rotations[k - 1] = group.pose.local_rotations[0].numpy()
    return rotations, group.pose.local_positions[0].numpy().copy(), group.skeleton


def world(skeleton: Any, local_positions: np.ndarray, rotations: np.ndarray) -> np.ndarray:
    """World positions [T, J, 3] (root at the origin facing +z: the performer's frame)."""
    positions = np.broadcast_to(local_positions, rotations.shape[:-1] + (3,)) if local_positions.ndim == 2 \
        else local_positions
    return forward_kinematics(skeleton.parents, positions, rotations)[0]


# -- metrics ----------------------------------------------------------------------------------------------
def movement(positions: np.ndarray, beats: np.ndarray | None) -> dict[str, float]:
    """Acceleration / jerk statistics and (with beats) beat alignment of one performance [T, J, 3]."""
    m = acceleration_jerk(positions, FPS)
    if beats is not None and len(beats):
        m["beat_alignment"] = beat_alignment(motion_beats(positions, FPS), beats)
    return m


def hands_on_keys(positions: np.ndarray, skeleton: Any, keyboard: Keyboard) -> float:
    """Fraction of frames with both wrists on or above the keys and within the keyboard's extent."""
    hands = positions[:, [skeleton.index(h) for h in HANDS]]
    return float(keyboard.over_keys(hands).all(-1).mean())


def hands_at_keys(positions: np.ndarray, skeleton: Any, keyboard: Keyboard, reach: float = NEAR_KEYS_M) -> float:
    """Fraction of frames with both wrists over the keys (as `hands_on_keys`) AND playing them: at most
    `reach` above the surface and, along z, between 0.1 m before the key fronts and the keys' far end."""
    hands = positions[:, [skeleton.index(h) for h in HANDS]]
    near = ((hands[..., 1] <= keyboard.surface_y + reach) & (hands[..., 2] >= keyboard.front_z - 0.1)
            & (hands[..., 2] <= keyboard.back_z))
    return float((keyboard.over_keys(hands) & near).all(-1).mean())


def ratio(a: float, b: float) -> float:
    return float(a / b) if b and np.isfinite(a) and np.isfinite(b) else float("nan")


def piano_row(name: str, c: dict[str, Any], audio: np.ndarray, artifact: str | Path | None,
              joints: list[str]) -> tuple[dict[str, Any], np.ndarray]:
    """The controller's performance of `audio` (clip `c`'s music, as is or altered) against `c`'s ground truth:
    (the row of figures, the truth's joint positions [T, J, 3])."""
    rot, lp, sk = perform(audio, artifact)
    model = world(sk, lp, rot)
    truth = world(c["skeleton"], c["positions"], c["rotations"])[: len(model)]
    mm = movement(model[:, [sk.index(j) for j in joints]], c["beats"])
    tt = movement(truth[:, [c["skeleton"].index(j) for j in joints]], c["beats"])
    row = {"music": name, "seconds": len(model) / FPS, "model": mm, "truth": tt,
           "acceleration_ratio": ratio(mm["acceleration_mean"], tt["acceleration_mean"]),
           "jerk_ratio": ratio(mm["jerk_mean"], tt["jerk_mean"]),
           "beat_alignment_ratio": ratio(mm["beat_alignment"], tt["beat_alignment"]),
           "hands_on_keys": hands_on_keys(model, sk, c["keyboard"]),
           "hands_on_keys_truth": hands_on_keys(truth, c["skeleton"], c["keyboard"]),
           "hands_at_keys": hands_at_keys(model, sk, c["keyboard"]),
           "hands_at_keys_truth": hands_at_keys(truth, c["skeleton"], c["keyboard"]),
           "finite": bool(np.isfinite(model).all())}
    return row, truth[:, [c["skeleton"].index(j) for j in joints]]


def evaluate(artifact: str | Path | None = None, clips: int = 4, seconds: float = 30.0, long_minutes: float = 10.0,
             progress: bool = True, seed_base: int = SEED_BASE, clipped_gain: float = CLIPPED_GAIN) -> dict[str, Any]:
    """Every figure of the module docstring, as a dict; the piano clips are of seeds `seed_base` + 0, 1, ...
    (the clipped clip + 50, the long run + 100 on): another base gives a second, disjoint set of unseen music,
    e.g. one to choose between trainings by and one to report. `clipped_gain` > 0: each piano clip is also
    performed hard-clipped at that gain (0: not)."""
    say = print if progress else (lambda *a, **k: None)
    controller = GesturesController.from_artifact(_load(artifact))
    joints = list(controller.joints)
    keyboard = controller.keyboard
    out: dict[str, Any] = {"artifact": str(artifact or GesturesController.default_artifact()), "joints": joints,
                           "piano": [], "clipped": [], "unlike": [], "goals": GOALS, "clipped_gain": clipped_gain,
                           "seed_base": int(seed_base)}
    pooled_truth: list[np.ndarray] = []
    for k in range(clips):
        c = piano_clip(seed_base + k, seconds)
        t0 = time.perf_counter()
        row, truth = piano_row(c["name"], c, c["audio"], artifact, joints)
        pooled_truth.append(truth)
        out["piano"].append(row)
        say(f"  {c['name']}: acc x{row['acceleration_ratio']:.2f} jerk x{row['jerk_ratio']:.2f} "
            f"BA {row['model']['beat_alignment']:.3f} / {row['truth']['beat_alignment']:.3f}  hands on "
            f"{row['hands_on_keys']:.3f} at {row['hands_at_keys']:.3f} / {row['hands_at_keys_truth']:.3f} "
            f"({time.perf_counter() - t0:.1f} s)")
        if clipped_gain > 0:
            loud, _ = piano_row(f"{c['name']} x{clipped_gain:g} clipped", c, overdrive(c["audio"], clipped_gain),
                                artifact, joints)
            out["clipped"].append(loud)
            say(f"    hard-clipped x{clipped_gain:g}: acc x{loud['acceleration_ratio']:.2f} jerk "
                f"x{loud['jerk_ratio']:.2f} BA x{loud['beat_alignment_ratio']:.2f}")
    truth_all = acceleration_jerk(pooled_truth, FPS)
    out["truth_pooled"] = truth_all
    drums, drum_beats = drum_loop(seconds)
    bursts, burst_onsets = noise_bursts(seconds)
    loud = piano_clip(seed_base + 50, min(seconds, 20.0))
    silence = np.zeros(int(min(seconds, 10.0) * RATE), np.float32)
    first = piano_clip(seed_base, seconds)["audio"][: int(min(seconds, 10.0) * RATE)]
    then_silence = np.concatenate([first, np.zeros(int(SILENCE_AFTER_S * RATE), np.float32)])
    then = f"piano {min(seconds, 10.0):g} s, then {SILENCE_AFTER_S:g} s of silence"
    unlike = [("drum loop 100 BPM", drums, drum_beats, None, {}), ("chord pad", chord_pad(seconds), None, None, {}),
              ("white-noise bursts", bursts, burst_onsets, None, {}), ("silence", silence, None, None, {}),
              ("silence, the network alone", silence, None, None, NETWORK_ALONE),
              (then, then_silence, None, None, {}),
              (f"{then}, the network alone", then_silence, None, None, NETWORK_ALONE),
              (f"clipped piano (x{CLIPPED_GAIN:g}, hard clip)", overdrive(loud["audio"], CLIPPED_GAIN), loud["beats"],
               loud, {})]
    for name, audio, beats, clip, options in unlike:
        rot, lp, sk = perform(audio, artifact, **options)
        model = world(sk, lp, rot)
        cols = [sk.index(j) for j in joints]
        mm = movement(model[:, cols], beats)
        if clip is not None:                             # the score is known: its own truth, not the pooled one
            truth = world(clip["skeleton"], clip["positions"], clip["rotations"])[: len(model)]
            reference = movement(truth[:, [clip["skeleton"].index(j) for j in joints]], beats)
        else:
            reference = truth_all
        row = {"music": name, "seconds": len(model) / FPS, "model": mm, "finite": bool(np.isfinite(model).all()),
               "acceleration_ratio": ratio(mm["acceleration_mean"], reference["acceleration_mean"]),
               "jerk_ratio": ratio(mm["jerk_mean"], reference["jerk_mean"]),
               "reference": "own truth" if clip is not None else "pooled truth",
               "hands_on_keys": hands_on_keys(model, sk, keyboard), "hands_at_keys": hands_at_keys(model, sk, keyboard)}
        if clip is not None:
            row["beat_alignment_ratio"] = ratio(mm["beat_alignment"], reference["beat_alignment"])
        if "silence" in name:
            tail = model[-2 * FPS:]
            row["silence_std_m"] = float(tail.std(axis=0).max())
            row["silence_max_step_m"] = float(np.abs(np.diff(tail, axis=0)).max())
        out["unlike"].append(row)
        say(f"  {name}: acc x{row['acceleration_ratio']:.2f} jerk x{row['jerk_ratio']:.2f} hands "
            f"{row['hands_on_keys']:.3f}" + (f" BA {mm['beat_alignment']:.3f}" if "beat_alignment" in mm else ""))
    if long_minutes > 0:
        out["long"] = long_run(artifact, long_minutes, seconds, say, seed_base)
    return out


def long_run(artifact: str | Path | None, minutes: float, seconds: float, say: Any,
             seed_base: int = SEED_BASE) -> dict[str, Any]:
    """`minutes` of piano clips back to back, fast-forward: NaN, drift and freezing (module docstring)."""
    parts, total, k = [], 0.0, 0
    while total < minutes * 60.0:
        parts.append(piano_clip(seed_base + 100 + k, min(seconds, minutes * 60.0 - total))["audio"])
        total += len(parts[-1]) / RATE
        k += 1
    audio = np.concatenate(parts)
    t0 = time.perf_counter()
    rot, lp, sk = perform(audio, artifact)
    wall = time.perf_counter() - t0
    model = world(sk, lp, rot)
    hands = model[:, [sk.index(h) for h in HANDS], 1].mean(-1)
    speed = np.linalg.norm(np.diff(model, axis=0), axis=-1).mean(-1) * FPS
    per_minute = len(model) // (60 * FPS)
    heights = [float(hands[m * 60 * FPS:(m + 1) * 60 * FPS].mean()) for m in range(per_minute)]
    speeds = [float(speed[m * 60 * FPS:(m + 1) * 60 * FPS].mean()) for m in range(per_minute)]
    rms = np.sqrt(np.convolve(audio.astype(np.float64) ** 2, np.ones(RATE // FPS) / (RATE // FPS), "same"))
    sound = rms[(np.arange(len(speed)) * RATE // FPS).clip(0, len(rms) - 1)] > 1e-3
    frozen = 0
    for s in range(len(speed) // FPS):
        window = slice(s * FPS, (s + 1) * FPS)
        if sound[window].mean() > 0.5 and speed[window].max() < 1e-3:
            frozen += 1
    result = {"minutes": len(model) / FPS / 60.0, "ticks": len(model), "wall_seconds": wall,
              "finite": bool(np.isfinite(model).all()), "wrist_height_per_minute_m": heights,
              "joint_speed_per_minute_m_s": speeds,
              "drift_m": float(max(abs(h - heights[0]) for h in heights)) if heights else float("nan"),
              "frozen_seconds": frozen}
    say(f"  long run: {result['minutes']:.1f} min in {wall:.0f} s, finite {result['finite']}, drift "
        f"{result['drift_m'] * 100:.1f} cm, frozen {frozen} s")
    return result


def _load(artifact: str | Path | None) -> Any:
    from neuropuppet.artifacts import load_artifact
    path = artifact or GesturesController.default_artifact()
    if path is None:
        from neuropuppet.errors import ArtifactError
        raise ArtifactError("gestures quality: no shipped artifact; give --artifact PATH")
    return load_artifact(path, controller="gestures", device="cpu")


# -- the report -------------------------------------------------------------------------------------------
def _f(x: Any, digits: int = 3) -> str:
    return "-" if x is None or (isinstance(x, float) and not np.isfinite(x)) else f"{x:.{digits}f}"


def markdown(r: dict[str, Any], command: str) -> str:
    """The report as markdown: every figure beside its goal."""
    lines = ["# Gestures controller: quality on music it has not trained on", "",
             f"Artifact `{Path(r['artifact']).name}`; command: `{command}`. Formulas: "
             "`neuropuppet.controllers.gestures.quality` (module docstring).", "",
             "## Piano clips of unseen seeds (model / ground truth)", "",
             "| music | acceleration m/s^2 | ratio (goal 0.5-2) | jerk m/s^3 | ratio (goal 0.5-2) | beat alignment "
             "| ratio (goal >= 0.8) | hands on keys model / truth | hands at the keys model / truth |",
             "|---|---|---|---|---|---|---|---|---|"]
    for p in r["piano"]:
        m, t = p["model"], p["truth"]
        lines.append(f"| {p['music']} | {_f(m['acceleration_mean'], 2)} / {_f(t['acceleration_mean'], 2)} | "
                     f"{_f(p['acceleration_ratio'], 2)} | {_f(m['jerk_mean'], 1)} / {_f(t['jerk_mean'], 1)} | "
                     f"{_f(p['jerk_ratio'], 2)} | {_f(m['beat_alignment'])} / {_f(t['beat_alignment'])} | "
                     f"{_f(p['beat_alignment_ratio'], 2)} | {_f(p['hands_on_keys'])} / {_f(p['hands_on_keys_truth'])} | "
                     f"{_f(p['hands_at_keys'])} / {_f(p['hands_at_keys_truth'])} |")
    if r.get("clipped"):
        lines += ["", f"## The same piano clips, hard-clipped (x{r['clipped_gain']:g}; against each clip's truth)", "",
                  "| music | acceleration ratio | jerk ratio | beat alignment | ratio (goal >= 0.8) | hands on keys | finite |",
                  "|---|---|---|---|---|---|---|"]
        for p in r["clipped"]:
            lines.append(f"| {p['music']} | {_f(p['acceleration_ratio'], 2)} | {_f(p['jerk_ratio'], 2)} | "
                         f"{_f(p['model']['beat_alignment'])} / {_f(p['truth']['beat_alignment'])} | "
                         f"{_f(p['beat_alignment_ratio'], 2)} | {_f(p['hands_on_keys'])} | {p['finite']} |")
    tp = r["truth_pooled"]
    lines += ["", "## Music unlike the generator's (ratios to the pooled truth of the piano clips: "
              f"acceleration {_f(tp['acceleration_mean'], 2)} m/s^2, jerk {_f(tp['jerk_mean'], 1)} m/s^3; the "
              "clipped piano's to its own clip's truth)", "",
              "| music | acceleration ratio | jerk ratio | beat alignment (ratio) | hands on keys | at the keys | finite | note |",
              "|---|---|---|---|---|---|---|---|"]
    for u in r["unlike"]:
        note = ""
        if "silence_std_m" in u:
            note = (f"last 2 s: position std {u['silence_std_m'] * 1000:.3f} mm, largest step "
                    f"{u['silence_max_step_m'] * 1000:.3f} mm")
        lines.append(f"| {u['music']} | {_f(u['acceleration_ratio'], 2)} | {_f(u['jerk_ratio'], 2)} | "
                     f"{_f(u['model'].get('beat_alignment'))}"
                     + (f" ({_f(u['beat_alignment_ratio'], 2)})" if "beat_alignment_ratio" in u else "")
                     + f" | {_f(u['hands_on_keys'])} | {_f(u['hands_at_keys'])} | "
                     f"{u['finite']} | {note} |")
    if "long" in r:
        lg = r["long"]
        lines += ["", f"## {lg['minutes']:.1f} minutes back to back (fast-forward, {lg['wall_seconds']:.0f} s wall)",
                  "", f"- finite everywhere: {lg['finite']}",
                  f"- wrist height per minute (m): {', '.join(_f(h) for h in lg['wrist_height_per_minute_m'])}; "
                  f"drift (largest change from minute 1): {lg['drift_m'] * 100:.1f} cm",
                  f"- mean joint speed per minute (m/s): "
                  f"{', '.join(_f(s) for s in lg['joint_speed_per_minute_m_s'])}",
                  f"- frozen seconds (sound but joint speed < 1 mm/s): {lg['frozen_seconds']}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m neuropuppet.controllers.gestures.quality",
                                description="Quality of the gestures controller on unseen music (module docstring).")
    p.add_argument("--artifact", help="artifact (default: the shipped one)")
    p.add_argument("--out", default="runs/gestures_quality", help="folder for report.md / report.json")
    p.add_argument("--clips", type=int, default=4, help="piano clips of unseen seeds (default 4)")
    p.add_argument("--seconds", type=float, default=30.0, help="seconds per clip (default 30)")
    p.add_argument("--long-minutes", type=float, default=10.0, help="minutes of the long run (default 10; 0 skips)")
    p.add_argument("--clipped-gain", type=float, default=CLIPPED_GAIN,
                   help=f"each piano clip is also performed amplified by this and hard-clipped (default "
                        f"{CLIPPED_GAIN:g}; 0 skips)")
    p.add_argument("--seed-base", type=int, default=SEED_BASE,
                   help=f"first piano seed (default {SEED_BASE}; the clipped clip is +50, the long run +100 on)")
    args = p.parse_args(argv)
    import sys
    import torch
    torch.set_grad_enabled(False)
    report = evaluate(args.artifact, args.clips, args.seconds, args.long_minutes, seed_base=args.seed_base,
                      clipped_gain=args.clipped_gain)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python -m neuropuppet.controllers.gestures.quality " + " ".join(sys.argv[1:] if argv is None else argv)
    (out / "report.md").write_text(markdown(report, command.strip()))
    (out / "report.json").write_text(json.dumps(report, indent=1, default=float))
    print(f"wrote {out / 'report.md'}")
    return 0


__all__ = ["evaluate", "perform", "piano_row", "movement", "hands_on_keys", "hands_at_keys", "drum_loop", "chord_pad", "noise_bursts", "piano_clip",
           "markdown", "main"]


if __name__ == "__main__":
    raise SystemExit(main())
