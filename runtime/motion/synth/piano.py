"""Synthetic piano performances: music (WAV) rendered from a seeded score, and a seated pianist playing it.

What it models
  * Music (`piano_music`): 4/4 (or 3/4, one clip in four) at 60-160 BPM (log-uniform; `tempo_range`
    draws in another range, e.g. slow clips for training), a major or
    minor key on any of the 12 roots, after a silent lead-in of 0.3-1.5 s (`lead_in_range`), ending about
    1 s (`tail_s`) after the closing chord's beat; longer silences teach a network to rest. Phrases of 4 bars (2 at
    slow tempi) each with a chord progression (one triad per bar), a left-hand pattern (bass on
    every beat, oom-pah, bass + chord, block chords, arpeggio) that always sounds ON the beats, and
    a right-hand melody stepping along the scale (chord tones on downbeats) in rhythms of 1-4 notes
    per beat or notes held over two beats, with the clip's density (0: mostly one note a beat, 1:
    mostly runs) varied per phrase. Registers vary per clip (melody centre C5-G#5, +-10
    semitones; bass centre D2-D3). Dynamics: each phrase has a level (soft 0.15-0.5 and loud 0.6-1
    phrases mostly alternating) shaped flat, crescendo or decrescendo; beat accents (downbeat 1,
    mid-bar 0.85, other beats 0.72, off-beat melody notes 0.62) make the pulse audible from the
    notes. Some phrases end with a held melody note. The piece closes with a tonic chord.
  * Sound: each note is a sum of up to 15 partials at k f0 sqrt(1 + B k^2) (string inharmonicity),
    rolling off with brightness (brighter when struck harder), decaying exponentially (faster for
    high partials and high notes), a 3 ms attack, a 90 ms damper release at the note's offset, and
    a short hammer-noise burst. Per clip: brightness, decay time, B, hammer noise, master gain.
    22050 Hz mono 16-bit PCM; never clipped (a rare dense fortissimo scales the clip down), unless
    `drive_range` is given: then the clip is amplified by a gain drawn log-uniformly in it and hard-clipped
    at full scale, as an overdriven recording (labels `drive`; the performance is the same: it is the
    recording, not the playing, that is louder).
  * Performer (`piano_motion`) on the biped skeleton (`biped.biped_skeleton`, its joint names),
    SEATED: Hips fixed 0.10 m above the bench top, thighs forward on the bench, shins leaning
    forward, feet flat on the floor (legs never move). Each wrist sits over the key it plays (the
    mean pitch of a chord, `neuropuppet.keyboard` x; a little further in for black keys), still at
    each onset, moving to the next note just before it with a lift that grows with the jump and the
    velocity; it dips ~16 mm (and the hand pitches down) bottoming on every onset, deeper when
    louder; it hovers higher in loud passages and a little higher while the hand rests. Two-bone
    arm IK, elbows out and down. Torso: leans in with loudness, turns and tilts towards where the
    hands play, sways side to side over two beats and rocks over a bar (more when louder), and
    breathes over phrases (an inhale lifts the shoulders and the torso back at each phrase start).
    The head looks down at the keys towards the melody hand and nods on every beat (deeper on
    downbeats, more when louder). A per-clip style scales nods, sway, lean, lift and press.

Outputs per clip: `<name>.wav`, `<name>.bvh` (60 fps, the performer's root frame of
`neuropuppet.keyboard`: floor at y = 0, facing +z, low keys at +x) and `<name>.labels.npz` with
  notes        [N,5] float64, rows (onset_s, offset_s, midi pitch, velocity 0-1, hand 0=left 1=right),
               sorted by onset; `note_columns` [5] names the columns
  beats        [B] s, every beat from the first note to the closing chord; `downbeats` [D] s (bar starts)
  tempo        BPM (0-d); `meter` beats per bar (0-d); `key` root pitch class 0-11 (0 = C); `minor` bool
  phrase_starts [P] s; `phrase_levels` [P] the phrases' dynamic levels 0-1
  rms          [T] float32, RMS of the audio in each 1/60 s frame
  loudness     [T] float32, dynamic level 0-1 of what sounds at each frame (0 in silence, ~0.1 s smoothing)
  fps, sample_rate (0-d ints)
  timbre       [5] float64 (brightness, decay, inharmonicity, hammer, gain); `timbre_columns` names them
  keyboard     0-d str, `Keyboard.to_json()` of the keyboard played (`Keyboard.from_json` reads it)
  drive        0-d float, only in a clip made with `drive_range`: the gain before the hard clip

Limits: one tempo and metre per clip, no rubato or swing, no pedal, one melody voice over a
left-hand accompaniment (no counterpoint, hand crossings or overlapping hand ranges: the wrists are
kept 0.13 m apart), equal-tempered keys evenly spaced along x (black keys are only pushed further in
z), fingers do not move (a hand is one rigid palm: the wrist carries every press), the legs and hips
never move, no pedalling feet; the sound is additive synthesis (no soundboard, sympathetic strings or
room), so its timbre is piano-like rather than a piano's.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...keyboard import DEFAULT_KEYBOARD, Keyboard
from .common import FPS, save_npz, write_motion_bvh
from .music import SAMPLE_RATE, frame_rms, write_wav
from .piano_motion import perform
from .piano_music import (LEAD_IN_RANGE, NOTE_COLUMNS, TAIL_S, TEMPO_RANGE, check_drive_range, compose,
                          loudness_per_frame, overdrive, render_audio)

TIMBRE_COLUMNS = ("brightness", "decay", "inharmonicity", "hammer", "gain")


def generate_clip(rng: np.random.Generator, frames: int, fps: int = FPS, keyboard: Keyboard = DEFAULT_KEYBOARD,
                  tempo_range: tuple[float, float] = TEMPO_RANGE, lead_in_range: tuple[float, float] = LEAD_IN_RANGE,
                  tail_s: float = TAIL_S, drive_range: tuple[float, float] | None = None):
    """Audio [n] float64, skeleton, local positions [T,J,3], rotations [T,J,4] (wxyz) and labels of one clip;
    its tempo drawn log-uniformly in `tempo_range` (BPM; the default is the generator's 60-160), its silent
    lead-in uniformly in `lead_in_range` (s), about `tail_s` from the closing chord to the end; with
    `drive_range`, the audio amplified by a gain log-uniform in it and hard-clipped (drawn last: the piece
    and the performance are the seed's clean clip's)."""
    drive = check_drive_range(drive_range)
    seconds = frames / fps
    score = compose(rng, seconds, keyboard, tempo_range, lead_in_range, tail_s)
    audio = render_audio(score, seconds, rng)
    loudness = loudness_per_frame(score, frames, fps)
    skel, pos, rot = perform(score, loudness, frames, fps, keyboard, rng)
    gain = 1.0
    if drive is not None:
        gain = float(np.exp(rng.uniform(np.log(drive[0]), np.log(drive[1]))))
        audio = overdrive(audio, gain)
    tb = score.timbre
    labels = {
        "notes": score.notes, "note_columns": np.array(NOTE_COLUMNS),
        "beats": score.beats, "downbeats": score.downbeats, "tempo": np.asarray(score.tempo),
        "meter": np.asarray(score.meter), "key": np.asarray(score.key), "minor": np.asarray(score.minor),
        "phrase_starts": score.phrase_starts, "phrase_levels": score.phrase_levels,
        "rms": frame_rms(audio, frames, fps).astype(np.float32), "loudness": loudness,
        "fps": np.asarray(fps), "sample_rate": np.asarray(SAMPLE_RATE),
        "timbre": np.array([getattr(tb, c) for c in TIMBRE_COLUMNS]), "timbre_columns": np.array(TIMBRE_COLUMNS),
        "keyboard": np.asarray(keyboard.to_json()),
    }
    if drive is not None:
        labels["drive"] = np.asarray(gain)
    return audio, skel, pos, rot, labels


def write_clip(out: Path, name: str, rng: np.random.Generator, frames: int, fps: int = FPS,
               tempo_range: tuple[float, float] = TEMPO_RANGE, lead_in_range: tuple[float, float] = LEAD_IN_RANGE,
               tail_s: float = TAIL_S, drive_range: tuple[float, float] | None = None) -> list[Path]:
    """Generate one clip (`generate_clip`) and write `<name>.wav`, `<name>.bvh` and `<name>.labels.npz`."""
    audio, skel, pos, rot, labels = generate_clip(rng, frames, fps, tempo_range=tempo_range,
                                                  lead_in_range=lead_in_range, tail_s=tail_s, drive_range=drive_range)
    out = Path(out)
    return [write_wav(out / f"{name}.wav", audio),
            write_motion_bvh(out / f"{name}.bvh", skel, pos, rot, fps),
            save_npz(out / f"{name}.labels.npz", **labels)]
