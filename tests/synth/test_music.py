"""Music generator: WAV format, beats at audio onsets, gestures on beats and following loudness."""
from __future__ import annotations

import wave

import numpy as np
import pytest

from neuropuppet.motion.bvh import read_bvh
from neuropuppet.motion.synth import generate


@pytest.fixture(scope="module")
def piece(tmp_path_factory):
    out = tmp_path_factory.mktemp("music")
    paths = generate("music", out, minutes=0.5, seed=4, progress=False)
    wav = next(p for p in paths if p.suffix == ".wav")
    stem = wav.name[:-4]
    with wave.open(str(wav)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        audio = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(np.float64) / 32768
    motion = read_bvh(out / f"{stem}.bvh")
    labels = dict(np.load(out / f"{stem}.labels.npz"))
    return audio, motion, labels


def _onset_strength(audio: np.ndarray, hop: int = 256) -> np.ndarray:
    frames = len(audio) // hop
    energy = (audio[:frames * hop].reshape(frames, hop) ** 2).mean(1)
    return np.maximum(np.diff(np.log(energy + 1e-8), prepend=np.log(energy[0] + 1e-8)), 0)


def test_beats_match_audio_onsets(piece):
    audio, _, labels = piece
    beats, tempo = labels["beats"], float(labels["tempo"])
    assert 90 <= tempo <= 140
    np.testing.assert_allclose(np.diff(beats), 60 / tempo, rtol=1e-6)
    hop = 256
    onset = _onset_strength(audio, hop)
    times = np.arange(len(onset)) * hop / 22050
    hits = 0
    for b in beats[:-1]:
        near = np.abs(times - b) < 0.03
        around = np.abs(times - b) < 0.25 * 60 / tempo
        hits += onset[near].max() >= onset[around].max() - 1e-9
    assert hits >= 0.9 * (len(beats) - 1), f"only {hits} of {len(beats) - 1} beats sit on onset peaks"
    # and the onset function is much stronger on beats than on average
    on_beat = np.array([onset[np.abs(times - b) < 0.03].max() for b in beats[:-1]])
    assert on_beat.mean() > 4 * onset.mean()


def test_rms_label_matches_audio(piece):
    audio, motion, labels = piece
    hop = 22050 // 60 if 22050 % 60 == 0 else 22050 / 60
    i = motion.num_frames // 2
    seg = audio[int(i * hop):int((i + 1) * hop)]
    assert abs(np.sqrt(np.mean(seg ** 2)) - labels["rms"][i]) < 1e-3
    assert labels["rms"].shape == (motion.num_frames,)


def test_gesture_speed_follows_loudness_and_beats(piece):
    _, motion, labels = piece
    world = motion.world_positions()
    hands = world[:, [motion.skeleton.index("LeftHand"), motion.skeleton.index("RightHand")]]
    speed = np.linalg.norm(np.diff(hands, axis=0), axis=-1).sum(1) * motion.fps
    fps = motion.fps
    beats = labels["beats"]
    per_beat_speed, per_beat_rms = [], []
    for a, b in zip(beats[:-1], beats[1:]):
        s, e = int(a * fps), int(b * fps)
        per_beat_speed.append(speed[s:e].mean())
        per_beat_rms.append(labels["rms"][s:e].mean())
    r = np.corrcoef(per_beat_speed, per_beat_rms)[0, 1]
    assert r > 0.6, f"gesture speed vs loudness correlation {r:.2f}"
    # strokes peak (and turn) exactly on beats, so the hands are momentarily still there
    on_beat = np.array([speed[min(int(round(b * fps)), len(speed) - 1)] for b in beats[1:-1]])
    assert on_beat.mean() < 0.3 * speed.mean(), "hands should turn on the beat"
    # legs stay still
    feet = world[:, motion.skeleton.index("LeftFoot")]
    assert np.ptp(feet, axis=0).max() < 0.05


def test_beat_alignment_metric(piece):
    """The shared beat-alignment metric (kinematic beats vs music beats) scores the gestures high."""
    from neuropuppet.motion import metrics

    _, motion, labels = piece
    motion_beats = metrics.motion_beats(motion.world_positions(), motion.fps)
    assert metrics.beat_alignment(motion_beats, labels["beats"]) > 0.8
