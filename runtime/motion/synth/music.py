"""Synthesised music (WAV) with upper-body gestures that hit its beats and follow its loudness.

What it models
  * Music: a tempo of 90-140 BPM in 4/4, sections of 4 bars at different loudness (gain
    0.15-1.0, ramped over half a beat), a melody of notes from a pentatonic scale (one or two per
    beat, sine with two harmonics and a decaying envelope), a bass note per bar, a kick drum on
    every beat and a hi-hat on off-beats. 22050 Hz mono 16-bit PCM.
  * Gestures on the biped skeleton (legs still, standing): each beat drives an arm stroke that
    peaks on the beat, alternating hands; head nods on beats, torso sways with the bar. Stroke
    size follows the smoothed loudness (RMS) envelope, so louder music means faster, larger
    gestures.

Outputs: `<name>.wav`, `<name>.bvh`, `<name>.labels.npz` with beats (s), tempo (BPM),
rms [T] (RMS of the audio in each 1/60 s frame), loudness [T] (section gain), fps.

Limits: one tempo per clip, no swing/rubato, no harmony beyond melody + bass, gestures are
procedural strokes (no semantics), fingers and legs static.
"""
from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from . import _quat as Q
from .biped import ANKLE_HEIGHT, SHIN, THIGH, biped_skeleton
from .common import FPS, local_positions, save_npz, smooth_exponential, write_motion_bvh

SAMPLE_RATE = 22050
_PENTATONIC = np.array([0, 2, 4, 7, 9, 12, 14, 16])


def synth_music(rng: np.random.Generator, seconds: float) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """Audio [N] float in [-1,1], beat times [B] (s), tempo (BPM), gain per sample [N]."""
    sr = SAMPLE_RATE
    n = int(seconds * sr)
    tempo = float(rng.uniform(90, 140))
    beat = 60.0 / tempo
    beats = np.arange(0.0, seconds - 1e-9, beat)
    t = np.arange(n) / sr
    # sections of 4 bars with their own gain, ramped over half a beat
    bar = 4 * beat
    section_gain = rng.uniform(0.15, 1.0, size=int(np.ceil(seconds / (4 * bar))) + 1)
    section_gain[::2] = np.maximum(section_gain[::2], 0.6)  # alternate loud and (usually) soft
    section_gain[1::2] = np.minimum(section_gain[1::2], 0.4)
    idx = np.minimum((t / (4 * bar)).astype(int), len(section_gain) - 1)
    gain = smooth_exponential(section_gain[idx], beat / 6, 1.0 / sr) if n else np.zeros(0)
    audio = np.zeros(n)
    root = 220.0 * 2 ** (rng.integers(0, 6) / 12)
    for k, b in enumerate(beats):
        s = int(b * sr)
        # kick: pitch-dropping sine with fast decay
        m = min(int(0.25 * sr), n - s)
        tk = np.arange(m) / sr
        audio[s:s + m] += 0.9 * np.sin(2 * np.pi * (50 * tk + 60 * (1 - np.exp(-tk / 0.03)) * 0.03)) * np.exp(-tk / 0.08)
        # hi-hat on the off-beat
        h = int((b + beat / 2) * sr)
        m = min(int(0.04 * sr), n - h)
        if m > 0:
            audio[h:h + m] += 0.12 * rng.standard_normal(m) * np.exp(-np.arange(m) / sr / 0.01)
        # melody: one or two notes per beat
        for sub in range(int(rng.integers(1, 3))):
            start = b + sub * beat / 2
            ns = int(start * sr)
            m = min(int(beat / 2 * sr * 1.2), n - ns)
            if m <= 0:
                continue
            f = root * 2 ** (_PENTATONIC[rng.integers(0, len(_PENTATONIC))] / 12)
            tn = np.arange(m) / sr
            env = np.minimum(tn / 0.01, 1) * np.exp(-tn / (beat / 3))
            tone = np.sin(2 * np.pi * f * tn) + 0.3 * np.sin(4 * np.pi * f * tn) + 0.1 * np.sin(6 * np.pi * f * tn)
            audio[ns:ns + m] += 0.18 * env * tone
        if k % 4 == 0:  # bass per bar
            m = min(int(bar * sr), n - s)
            tb = np.arange(m) / sr
            audio[s:s + m] += 0.2 * np.sin(2 * np.pi * root / 4 * tb) * np.exp(-tb / bar)
    audio *= gain
    peak = np.abs(audio).max() if n else 1.0
    return audio / max(peak, 1e-9) * 0.9, beats, tempo, gain


def write_wav(path: Path, audio: np.ndarray) -> Path:
    """16-bit mono PCM at SAMPLE_RATE."""
    pcm = np.round(np.clip(audio, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(pcm.tobytes())
    return Path(path)


def frame_rms(audio: np.ndarray, frames: int, fps: int = FPS) -> np.ndarray:
    """RMS of the audio over each 1/fps window, [frames]."""
    hop = SAMPLE_RATE / fps
    out = np.zeros(frames)
    for i in range(frames):
        seg = audio[int(i * hop):int((i + 1) * hop)]
        out[i] = np.sqrt(np.mean(seg ** 2)) if len(seg) else 0.0
    return out


def _stroke(t: np.ndarray, beats: np.ndarray, beat: float, parity: int) -> np.ndarray:
    """Sum of raised-cosine strokes peaking on every other beat (starting at `parity`)."""
    out = np.zeros_like(t)
    for b in beats[parity::2]:
        x = (t - b) / beat  # -1 .. 1 around the beat
        out += np.where(np.abs(x) < 1, 0.5 * (1 + np.cos(np.pi * x)), 0.0)
    return out


def generate_clip(rng: np.random.Generator, frames: int, fps: int = FPS):
    """Audio, local positions [T,31,3], rotations [T,31,4] (wxyz) and labels."""
    seconds = frames / fps
    audio, beats, tempo, gain = synth_music(rng, seconds)
    rms = frame_rms(audio, frames, fps)
    beat = 60.0 / tempo
    # loudness envelope: RMS averaged over two beats, centred, so beats leave no kinks in gestures
    width = max(int(2 * beat * fps) | 1, 3)
    kernel = np.hanning(width + 2)[1:-1]
    energy = np.convolve(np.pad(rms, width // 2, mode="edge"), kernel / kernel.sum(), mode="valid")
    energy = energy / max(energy.max(), 1e-9)
    t = np.arange(frames) / fps
    left_stroke = _stroke(t, beats, beat, 0) * energy
    right_stroke = _stroke(t, beats, beat, 1) * energy
    nod = sum(np.exp(-0.5 * ((t - b) / 0.08) ** 2) for b in beats) * energy
    sway = np.sin(2 * np.pi * t / (4 * beat)) * (0.3 + 0.7 * energy)

    skel = biped_skeleton()
    idx = skel.index
    rot = Q.identity(frames, skel.num_joints)
    rot[:, 0] = Q.about("y", 0.08 * sway)
    bend = np.full(frames, 0.12)  # soft knees
    rot[:, idx("LeftUpLeg")] = Q.about("x", -bend)
    rot[:, idx("RightUpLeg")] = Q.about("x", -bend)
    rot[:, idx("LeftLeg")] = Q.about("x", 2 * bend)
    rot[:, idx("RightLeg")] = Q.about("x", 2 * bend)
    rot[:, idx("LeftFoot")] = Q.about("x", -bend)
    rot[:, idx("RightFoot")] = Q.about("x", -bend)
    rot[:, idx("Spine")] = Q.about("z", 0.06 * sway)
    rot[:, idx("Spine1")] = Q.mul(Q.about("x", 0.05 * nod), Q.about("y", 0.1 * (left_stroke - right_stroke)))
    rot[:, idx("Head")] = Q.about("x", 0.25 * nod)
    for side, stroke in ((1.0, left_stroke), (-1.0, right_stroke)):
        pre = "Left" if side > 0 else "Right"
        lift = -1.25 * side + side * 0.9 * stroke  # arm raised from the side on the stroke
        rot[:, idx(pre + "Arm")] = Q.mul(Q.about("x", -0.9 * stroke), Q.about("z", lift))
        rot[:, idx(pre + "ForeArm")] = Q.about("y", -side * (0.4 + 1.1 * stroke))
        rot[:, idx(pre + "Hand")] = Q.about("z", side * 0.3 * stroke)
    height = ANKLE_HEIGHT + 0.05 + (THIGH + SHIN) * np.cos(0.12)
    root = np.tile([0.0, height, 0.0], (frames, 1))
    labels = {"beats": beats.astype(np.float64), "tempo": np.asarray(tempo), "rms": rms.astype(np.float32),
              "loudness": gain[(np.arange(frames) * SAMPLE_RATE // fps).clip(0, len(gain) - 1)].astype(np.float32),
              "fps": np.asarray(fps), "sample_rate": np.asarray(SAMPLE_RATE)}
    return audio, local_positions(skel, root), Q.unroll(rot), labels


def write_clip(out: Path, name: str, rng: np.random.Generator, frames: int, fps: int = FPS) -> list[Path]:
    """Generate one clip and write `<name>.wav`, `<name>.bvh` and `<name>.labels.npz`."""
    audio, pos, rot, labels = generate_clip(rng, frames, fps)
    out = Path(out)
    return [write_wav(out / f"{name}.wav", audio),
            write_motion_bvh(out / f"{name}.bvh", biped_skeleton(), pos, rot, fps),
            save_npz(out / f"{name}.labels.npz", **labels)]
