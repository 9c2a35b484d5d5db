"""The music of the piano generator: a seeded score (notes, beats, phrases, dynamics) and its audio.

See `piano.py` for what is modelled and its limits. Notes are rows (onset_s, offset_s, midi pitch,
velocity 0-1, hand 0=left 1=right); the audio is rendered from exactly these rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import NeuropuppetError
from ...keyboard import Keyboard
from .music import SAMPLE_RATE

NOTE_COLUMNS = ("onset_s", "offset_s", "pitch", "velocity", "hand")
LEFT, RIGHT = 0, 1
_MAJOR = np.array([0, 2, 4, 5, 7, 9, 11])
_MINOR = np.array([0, 2, 3, 5, 7, 8, 10])
_PROGRESSIONS = ((0, 3, 4, 0), (0, 5, 3, 4), (0, 3, 0, 4), (5, 3, 0, 4), (0, 4, 5, 3), (1, 4, 0, 0))
"""Chord roots per bar as scale degrees (0 = tonic): I-IV-V-I, I-vi-IV-V, ..."""
_RHYTHMS = ((1.0,), (0.5, 0.5), (0.75, 0.25), (1 / 3, 1 / 3, 1 / 3), (0.25, 0.25, 0.25, 0.25), (2.0,))
"""Melody rhythms of one beat (durations in beats; (2.0,) holds over the next beat too)."""
_LEFT_PATTERNS = ("bass", "oom_pah", "bass_chord", "block", "arpeggio")


@dataclass(frozen=True)
class Timbre:
    """Per-clip piano timbre: harmonic roll-off (0-1, higher is brighter), decay-time scale,
    string inharmonicity B, hammer-noise level and the master gain."""

    brightness: float
    decay: float
    inharmonicity: float
    hammer: float
    gain: float


@dataclass(frozen=True)
class Score:
    """Notes [N,5] (NOTE_COLUMNS), beat and downbeat times (s), tempo (BPM), beats per bar,
    phrase start times (s), the dynamic level of each phrase (0-1) and the timbre."""

    notes: np.ndarray
    beats: np.ndarray
    downbeats: np.ndarray
    tempo: float
    meter: int
    key: int
    minor: bool
    phrase_starts: np.ndarray
    phrase_levels: np.ndarray
    timbre: Timbre


TEMPO_RANGE = (60.0, 160.0)
"""BPM range the tempo is drawn from (log-uniform) unless a caller gives another."""
LEAD_IN_RANGE = (0.3, 1.5)
"""Seconds of silence before the first note (uniform) unless a caller gives another range."""
TAIL_S = 1.0
"""Seconds from the closing chord's beat to the clip's end, about (the bars are whole)."""


def check_tempo_range(tempo_range: tuple[float, float]) -> tuple[float, float]:
    """(low, high) BPM as floats; NeuropuppetError unless 20 <= low <= high <= 400."""
    try:
        low, high = (float(v) for v in tempo_range)
    except (TypeError, ValueError):
        raise NeuropuppetError(f"piano tempo_range must be two numbers (low, high BPM), got {tempo_range!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and 20.0 <= low <= high <= 400.0):
        raise NeuropuppetError(f"piano tempo_range must satisfy 20 <= low <= high <= 400 BPM, got {tempo_range!r}")
    return low, high


def check_drive_range(drive_range: tuple[float, float] | None) -> tuple[float, float] | None:
    """The gains (low, high) of an overdriven clip, or None for a clean one; NeuropuppetError unless
    1 <= low <= high <= 100."""
    if drive_range is None:
        return None
    try:
        low, high = (float(v) for v in drive_range)
    except (TypeError, ValueError):
        raise NeuropuppetError(f"piano drive_range must be two gains (low, high), got {drive_range!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and 1.0 <= low <= high <= 100.0):
        raise NeuropuppetError(f"piano drive_range must satisfy 1 <= low <= high <= 100, got {drive_range!r}")
    return low, high


def overdrive(audio: np.ndarray, gain: float) -> np.ndarray:
    """`audio` amplified by `gain` and hard-clipped at full scale (an overdriven recording), in its own dtype."""
    audio = np.asarray(audio)
    return np.clip(audio * audio.dtype.type(gain), -1.0, 1.0)


def check_silence(lead_in_range: tuple[float, float], tail_s: float) -> tuple[float, float, float]:
    """(low, high, tail) of a lead-in range and a tail (s); NeuropuppetError naming the bad value."""
    try:
        low, high = (float(v) for v in lead_in_range)
        tail = float(tail_s)
    except (TypeError, ValueError):
        raise NeuropuppetError(f"piano lead_in_range must be two numbers (s) and tail_s one, got {lead_in_range!r}, "
                               f"{tail_s!r}") from None
    if not (np.isfinite([low, high, tail]).all() and 0.0 <= low <= high and tail >= 0.5):
        raise NeuropuppetError(f"piano silence must satisfy 0 <= lead-in low <= high and tail_s >= 0.5 s, got "
                               f"{lead_in_range!r}, {tail_s!r}")
    return low, high, tail


def compose(rng: np.random.Generator, seconds: float, keyboard: Keyboard,
            tempo_range: tuple[float, float] = TEMPO_RANGE, lead_in_range: tuple[float, float] = LEAD_IN_RANGE,
            tail_s: float = TAIL_S) -> Score:
    """A seeded piece filling `seconds`: a silent lead-in (uniform in `lead_in_range`, s), then 4-bar phrases up to
    about `tail_s` before the end (the closing chord, then silence); the tempo log-uniform in `tempo_range` (BPM).
    The defaults keep every seed's piece as it always was; other ranges draw as many numbers, so a seed's piece
    differs only by them."""
    low, high = check_tempo_range(tempo_range)
    lead_low, lead_high, tail_s = check_silence(lead_in_range, tail_s)
    tempo = float(np.exp(rng.uniform(np.log(low), np.log(high))))
    beat = 60.0 / tempo
    meter = 3 if rng.random() < 0.25 else 4
    key = int(rng.integers(0, 12))
    minor = bool(rng.random() < 0.4)
    scale = _MINOR if minor else _MAJOR
    melody_centre = float(rng.uniform(67, 80))
    bass_centre = float(rng.uniform(38, 50))
    density = float(rng.uniform(0.0, 1.0))            # 0: mostly one note a beat, 1: mostly runs
    legato = float(rng.uniform(0.55, 1.0))
    lead_in = float(rng.uniform(lead_low, lead_high))
    timbre = Timbre(brightness=float(rng.uniform(0.3, 0.75)), decay=float(np.exp(rng.uniform(np.log(0.5), np.log(2.0)))),
                    inharmonicity=float(rng.uniform(0.5e-4, 4e-4)), hammer=float(rng.uniform(0.0, 1.0)),
                    gain=float(rng.uniform(0.55, 1.0)))

    bar = meter * beat
    bars = max(int((seconds - lead_in - tail_s) / bar), 1)
    beats = lead_in + beat * np.arange(bars * meter + 1)          # the last one: the closing chord
    downbeats = beats[::meter]
    phrase_bars = 4 if bar < 3.0 else 2
    phrase_starts = downbeats[:-1][::phrase_bars]                 # the last downbeat: the closing chord
    phrase_levels = _phrase_levels(rng, len(phrase_starts))

    rows: list[tuple[float, float, float, float, int]] = []
    melody_pitch = melody_centre
    for p, start in enumerate(phrase_starts):
        progression = _PROGRESSIONS[int(rng.integers(0, len(_PROGRESSIONS)))]
        pattern = _LEFT_PATTERNS[int(rng.integers(0, len(_LEFT_PATTERNS)))]
        shape = int(rng.integers(0, 3))                   # 0 flat, 1 crescendo, 2 decrescendo
        phrase_density = float(np.clip(density + rng.normal(0, 0.25), 0, 1))
        rest_at_end = rng.random() < 0.2
        first_bar = int(round((start - lead_in) / bar))
        for b in range(phrase_bars):
            bar_index = first_bar + b
            if bar_index >= bars:
                break
            degree = progression[b % len(progression)]
            chord = _chord(key, scale, degree)
            bar_start = lead_in + bar_index * bar
            last_bar = b == phrase_bars - 1
            for k in range(meter):
                t = bar_start + k * beat
                u = (b * meter + k) / (phrase_bars * meter)
                level = _level(phrase_levels[p], shape, u)
                accent = 1.0 if k == 0 else (0.85 if (meter == 4 and k == 2) else 0.72)
                rows += _left_hand(rng, pattern, chord, bass_centre, t, beat, k, level * accent, keyboard)
            if last_bar and rest_at_end:
                rows += _melody_note(rng, bar_start, bar * 0.95, melody_pitch, level, 1.0, keyboard)
                continue
            beat_k = 0
            while beat_k < meter:
                t = bar_start + beat_k * beat
                rhythm = _pick_rhythm(rng, phrase_density)
                if rhythm[0] > 1.0 and beat_k == meter - 1:
                    rhythm = (1.0,)
                sub_t = t
                for j, dur in enumerate(rhythm):
                    u = (b * meter + beat_k) / (phrase_bars * meter)
                    level = _level(phrase_levels[p], shape, u)
                    accent = (1.0 if beat_k == 0 else 0.85) if j == 0 else 0.62
                    on_chord = j == 0 and beat_k == 0
                    melody_pitch = _next_melody_pitch(rng, melody_pitch, melody_centre, key, scale, chord if on_chord else None)
                    rows += _melody_note(rng, sub_t, dur * beat * legato, melody_pitch, level * accent, 1.0, keyboard)
                    sub_t += dur * beat
                beat_k += max(int(round(sum(rhythm))), 1)
    # closing chord on the last beat, both hands
    end = beats[-1]
    level = float(phrase_levels[-1])
    tonic = _chord(key, scale, 0)
    rows += _left_hand(rng, "block", tonic, bass_centre, end, min(1.0, seconds - end - 0.05), 0, level, keyboard)
    rows += _melody_note(rng, end, min(1.0, seconds - end - 0.05), _nearest_in(tonic, melody_pitch), level, 1.0, keyboard)
    notes = np.array(sorted(rows), np.float64).reshape(-1, len(NOTE_COLUMNS))
    notes = notes[notes[:, 0] < seconds - 0.05]
    notes[:, 1] = np.minimum(notes[:, 1], seconds - 0.02)
    return Score(notes, beats, downbeats, tempo, meter, key, minor, phrase_starts, phrase_levels, timbre)


def _phrase_levels(rng: np.random.Generator, n: int) -> np.ndarray:
    """Dynamics per phrase: alternating contrasts (soft / loud) with random depth, in [0.15, 1]."""
    levels = np.empty(n)
    loud = rng.random() < 0.5
    for i in range(n):
        levels[i] = rng.uniform(0.6, 1.0) if loud else rng.uniform(0.15, 0.5)
        if rng.random() < 0.7:
            loud = not loud
    return levels


def _level(base: float, shape: int, u: float) -> float:
    """Dynamic level at phrase progress u in [0, 1): flat, crescendo or decrescendo around `base`."""
    if shape == 1:
        return float(np.clip(base * (0.7 + 0.6 * u), 0.1, 1.0))
    if shape == 2:
        return float(np.clip(base * (1.3 - 0.6 * u), 0.1, 1.0))
    return base


def _chord(key: int, scale: np.ndarray, degree: int) -> np.ndarray:
    """Pitch classes (0-11, relative to C) of the triad on `degree` of the scale."""
    return np.array([(key + scale[(degree + s) % 7] + 12 * ((degree + s) // 7)) % 12 for s in (0, 2, 4)])


def _nearest_in(pitch_classes: np.ndarray, near: float) -> float:
    """The pitch with one of `pitch_classes` nearest to `near`."""
    base = np.floor(near / 12) * 12
    cands = np.concatenate([base - 12 + pitch_classes, base + pitch_classes, base + 12 + pitch_classes])
    return float(cands[np.argmin(np.abs(cands - near))])


def _scale_pitches(key: int, scale: np.ndarray) -> np.ndarray:
    return np.array([12 * o + key + s for o in range(11) for s in scale], float)


def _next_melody_pitch(rng: np.random.Generator, current: float, centre: float, key: int, scale: np.ndarray,
                       chord: np.ndarray | None) -> float:
    """A step (sometimes a leap) along the scale, drawn back towards the register's centre; a chord tone on downbeats."""
    pitches = _scale_pitches(key, scale)
    at = int(np.argmin(np.abs(pitches - current)))
    step = int(rng.choice([-2, -1, -1, 1, 1, 2, 0, -4, 4, 3, -3], p=[.1, .2, .2, .2, .1, .06, .06, .02, .02, .02, .02]))
    pull = (centre - current) / 9.0
    if abs(pull) > 0.6 and np.sign(step) != np.sign(pull):
        step = -step
    target = float(pitches[int(np.clip(at + step, 0, len(pitches) - 1))])
    target = float(np.clip(target, centre - 10, centre + 10))
    return _nearest_in(chord, target) if chord is not None else float(pitches[np.argmin(np.abs(pitches - target))])


def _pick_rhythm(rng: np.random.Generator, density: float) -> tuple[float, ...]:
    weights = np.array([1.6 - density, 0.6 + 0.6 * density, 0.3, 0.5 * density, 1.2 * density ** 2, 0.5 * (1 - density)])
    weights = np.maximum(weights, 0.02)
    return _RHYTHMS[int(rng.choice(len(_RHYTHMS), p=weights / weights.sum()))]


def _velocity(rng: np.random.Generator, level: float) -> float:
    return float(np.clip(level * rng.uniform(0.92, 1.05), 0.05, 1.0))


def _melody_note(rng: np.random.Generator, t: float, length: float, pitch: float, level: float, weight: float,
                 keyboard: Keyboard) -> list[tuple[float, float, float, float, int]]:
    pitch = float(np.clip(pitch, keyboard.lowest, keyboard.highest))
    return [(t, t + max(length, 0.05), pitch, _velocity(rng, level * weight), RIGHT)]


def _left_hand(rng: np.random.Generator, pattern: str, chord: np.ndarray, centre: float, t: float, beat: float,
               k: int, level: float, keyboard: Keyboard) -> list[tuple[float, float, float, float, int]]:
    """The left hand's notes on beat k of a bar: always on the beat (the audible pulse)."""
    root = _nearest_in(chord[:1], centre)
    triad = np.sort([_nearest_in(chord[i:i + 1], root + 7) for i in range(3)])
    if pattern == "bass" or (pattern == "oom_pah" and k == 0) or (pattern == "bass_chord" and k % 2 == 0):
        pitches = [root] if pattern != "bass" or k else [root - 12 if root - 12 >= keyboard.lowest + 3 else root, root]
    elif pattern == "arpeggio":
        pitches = [root] if k == 0 else [float(triad[(k - 1) % 3])]
    elif pattern == "block":
        pitches = [root, *triad]
    else:
        pitches = list(triad)
    length = beat * (0.95 if pattern in ("bass", "block") else 0.8)
    weight = 0.8 if len(pitches) > 1 else 0.9
    return [(t, t + length, float(np.clip(p, keyboard.lowest, keyboard.highest)), _velocity(rng, level * weight), LEFT)
            for p in pitches]


def loudness_per_frame(score: Score, frames: int, fps: int) -> np.ndarray:
    """Dynamic level (0-1) of what sounds at each frame: the phrase level (with its crescendo) where a note
    sounds, 0 in silence; smoothed over about 0.1 s. [frames] float32."""
    t = np.arange(frames) / fps
    level = np.zeros(frames)
    notes = score.notes
    for on, off, _, vel, _ in notes:
        s, e = int(np.floor(on * fps)), int(np.ceil((off + 0.15) * fps))
        level[s:e] = np.maximum(level[s:e], vel)
    kernel = np.hanning(13)
    kernel /= kernel.sum()
    smooth = np.convolve(np.pad(level, 6, mode="edge"), kernel, mode="valid")
    return np.clip(smooth[:len(t)], 0, 1).astype(np.float32)


def render_audio(score: Score, seconds: float, rng: np.random.Generator, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Mono float64 audio in [-1, 1] of `seconds`: every note as a decaying sum of inharmonic partials."""
    n = int(round(seconds * sample_rate))
    audio = np.zeros(n)
    tb = score.timbre
    for on, off, pitch, vel, _ in score.notes:
        s = int(round(on * sample_rate))
        if s >= n:
            continue
        tone = _piano_tone(pitch, vel, off - on, tb, rng, sample_rate)
        m = min(len(tone), n - s)
        audio[s:s + m] += tone[:m]
    audio *= 0.32 * tb.gain
    peak = float(np.abs(audio).max()) if n else 0.0
    if peak > 0.97:                          # rare dense fortissimo: scale the whole clip, never clip
        audio *= 0.97 / peak
    return audio


def _piano_tone(pitch: float, velocity: float, held: float, tb: Timbre, rng: np.random.Generator,
                sample_rate: int) -> np.ndarray:
    """One note: partials k*f0*sqrt(1+B k^2) rolling off with brightness (brighter when louder), each decaying
    (faster for higher partials and higher notes), a 3 ms attack, a damper release after `held` seconds,
    and a short burst of hammer noise."""
    f0 = 440.0 * 2 ** ((pitch - 69) / 12)
    tau = float(np.clip(tb.decay * 2.2 * (f0 / 110.0) ** -0.55, 0.25, 8.0))
    release = 0.09
    m = int((held + 5 * release) * sample_rate)
    t = (np.arange(m) / sample_rate).astype(np.float32)
    ks = np.arange(1, 16)
    freqs = ks * f0 * np.sqrt(1 + tb.inharmonicity * ks ** 2)
    bright = min(tb.brightness * (0.65 + 0.6 * velocity), 0.92)
    amps = bright ** (ks - 1) / np.sqrt(ks)
    keep = (freqs < 0.45 * sample_rate) & (amps > 1e-3)
    ks, freqs, amps = ks[keep], freqs[keep], amps[keep]
    taus = tau / (1 + 0.6 * (ks - 1))
    tone = np.zeros(m, np.float32)
    for f, a, decay in zip(freqs, amps, taus):
        n = min(m, int(8 * decay * sample_rate) + 1)            # to exp(-8): below 16-bit resolution
        phase = 2 * np.pi * f / sample_rate * np.arange(n)                 # wrapped in float64: exact phase
        phase = (phase - 2 * np.pi * np.floor(phase / (2 * np.pi))).astype(np.float32)
        tone[:n] += np.float32(a) * np.sin(phase) * np.exp(t[:n] * np.float32(-1 / decay))
    tone *= 0.75 + 0.25 * np.exp(-t / np.float32(0.08))                 # the first strike stands out
    tone *= np.minimum(t / np.float32(0.003), 1.0)
    tone *= np.where(t < held, np.float32(1.0), np.exp(-(t - np.float32(held)) / np.float32(release)))
    burst = min(int(0.012 * sample_rate), m)
    noise = rng.standard_normal(burst) * np.exp(-np.arange(burst) / (0.003 * sample_rate))
    tone[:burst] += 0.25 * tb.hammer * np.convolve(noise, np.ones(4) / 4, mode="same")
    return tone * (velocity ** 1.5 / max(float(np.sum(amps)), 1e-9) * 1.6)
