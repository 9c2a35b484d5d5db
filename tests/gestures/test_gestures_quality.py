"""The quality script's pieces, and the shipped model's performance on a held-out piano clip.

Bound stated here (issue 12 item 8): on a 20 s piano clip of an unseen seed, the shipped model's beat
alignment is at least BEAT_ALIGNMENT_BOUND x the ground truth's on the same clip (the issue's item-6
goal is 0.8x, met on all of the quality script's four unseen seeds, the 61 BPM one at 0.82x;
the report of `python -m neuropuppet.controllers.gestures.quality` gives the figures)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuropuppet.controllers.gestures import GesturesController
from neuropuppet.controllers.gestures.quality import (RATE, SEED_BASE, chord_pad, drum_loop, evaluate, hands_at_keys,
                                                     hands_on_keys, long_run, markdown, movement, noise_bursts, perform,
                                                     piano_clip, world)
from neuropuppet.keyboard import DEFAULT_KEYBOARD
from neuropuppet.motion.synth.biped import biped_skeleton
from neuropuppet.motion.synth.piano_music import overdrive

from gestures_helpers import tiny_artifact

BEAT_ALIGNMENT_BOUND = 0.7
"""The shipped default (72 + 12 slow + 8 quiet + 8 clipped minutes, two layers, 18000 steps, beat term, training seed
5, the controller's 5 Hz smoothing, settled start and rest on silence) measured 0.94x here (0.694 vs 0.738); the
ones before it 0.84x, 0.90x, 0.92x, 1.00x and 0.66x."""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return tiny_artifact(tmp_path_factory.mktemp("gestures_q") / "tiny.pt")


def piano_trained() -> Path:
    """The shipped artifact, trained on the piano generator (it carries the keyboard)."""
    path = GesturesController.default_artifact()
    assert path is not None, "the shipped gestures artifact controllers/gestures/default/gestures.pt is missing"
    from neuropuppet.artifacts import read_metadata
    assert read_metadata(path).extra.get("keyboard"), "the shipped gestures artifact carries no keyboard"
    return path


def test_the_unlike_music_is_what_it_says():
    drums, beats = drum_loop(6.0, bpm=100.0)
    assert np.isfinite(drums).all() and np.abs(drums).max() <= 0.8 + 1e-6
    np.testing.assert_allclose(np.diff(beats), 0.6)
    i = int(beats[2] * RATE)
    assert np.abs(drums[i:i + 500]).max() > 5 * np.abs(drums[i - 3000:i - 2000]).max()   # a hit on the beat
    pad = chord_pad(8.0)
    assert np.abs(pad).max() > 0.1 and np.abs(np.diff(np.abs(pad[::2205]))).max() < 0.2     # no onsets
    bursts, onsets = noise_bursts(4.0)
    assert len(onsets) == 5 and np.abs(bursts[int(0.3 * RATE):int(0.45 * RATE)]).max() == 0.0


def test_hands_on_keys_counts_frames_with_both_wrists_over_the_keys():
    sk = biped_skeleton()
    kb = DEFAULT_KEYBOARD
    pos = np.zeros((4, sk.num_joints, 3))
    left, right = sk.index("LeftHand"), sk.index("RightHand")
    pos[:, [left, right], 1] = kb.surface_y + 0.05
    pos[:, [left, right], 2] = kb.front_z + 0.05
    pos[1, left, 1] = kb.surface_y - 0.05                                     # under the surface
    pos[2, right, 0] = kb.right_x - 0.2                                       # beyond the high end
    pos[3, right, 1] = kb.surface_y + 0.6                                     # over the keys, but held high
    assert hands_on_keys(pos, sk, kb) == pytest.approx(0.5)
    assert hands_at_keys(pos, sk, kb) == pytest.approx(0.25)


def test_bad_music_gives_finite_performances(tiny):
    loud = np.clip(piano_clip(SEED_BASE + 7, 3.0)["audio"] * 8.0, -1.0, 1.0)
    for audio in (loud, np.zeros(RATE * 2, np.float32), np.random.default_rng(0).uniform(-1, 1, RATE * 2)):
        rot, lp, sk = perform(audio.astype(np.float32), tiny)
        assert len(rot) == len(audio) * 60 // RATE and np.isfinite(world(sk, lp, rot)).all()


def test_the_report_performs_each_piano_clip_clean_and_hard_clipped(tiny):
    audio = piano_clip(SEED_BASE, 3.0)["audio"]
    loud = overdrive(audio, 8.0)
    assert np.abs(loud).max() == 1.0 and np.mean(np.abs(loud) == 1.0) > 0.01
    np.testing.assert_allclose(loud[np.abs(audio * 8) < 1], (audio * 8)[np.abs(audio * 8) < 1], rtol=1e-6)
    report = evaluate(tiny, clips=1, seconds=4.0, long_minutes=0, progress=False)
    (clean,), (hard,) = report["piano"], report["clipped"]
    assert hard["music"] == "piano seed 91000 x8 clipped" and hard["truth"] == clean["truth"]   # the same score
    assert hard["model"]["jerk_mean"] != clean["model"]["jerk_mean"]                          # heard otherwise
    assert np.isfinite(hard["jerk_ratio"]) and hard["finite"]
    assert "## The same piano clips, hard-clipped (x8" in markdown(report, "cmd")
    quiet = [u for u in report["unlike"] if "silence" in u["music"]]
    assert [u["music"] for u in quiet] == ["silence", "silence, the network alone", "piano 4 s, then 6 s of silence",
                                           "piano 4 s, then 6 s of silence, the network alone"]
    assert all(u["silence_std_m"] >= 0 and u["finite"] for u in quiet)


def test_shipped_model_keeps_the_beat_on_a_held_out_clip():
    path = piano_trained()
    clip = piano_clip(SEED_BASE + 3, 20.0)
    rot, lp, sk = perform(clip["audio"], path)
    joints = [sk.index(j) for j in GesturesController.from_artifact(_load(path)).joints]
    model = world(sk, lp, rot)[:, joints]
    truth = world(clip["skeleton"], clip["positions"], clip["rotations"])[: len(model), joints]
    ba_model = movement(model, clip["beats"])["beat_alignment"]
    ba_truth = movement(truth, clip["beats"])["beat_alignment"]
    assert ba_model >= BEAT_ALIGNMENT_BOUND * ba_truth, (ba_model, ba_truth)


def test_shipped_model_is_calm_in_silence_and_runs_a_minute_without_drift():
    path = piano_trained()
    rot, lp, sk = perform(np.zeros(RATE * 4, np.float32), path)
    still = world(sk, lp, rot)
    assert still.std(axis=0).max() < 1e-3                                       # < 1 mm from the first tick on
    music = piano_clip(SEED_BASE + 5, 6.0)["audio"]
    rot, lp, sk = perform(np.concatenate([music, np.zeros(RATE * 4, np.float32)]), path)
    after = world(sk, lp, rot)[-2 * 60:]                                        # 2-4 s after the music ends
    assert after.std(axis=0).max() < 1e-4, after.std(axis=0).max()             # at rest (silence_rest.py)
    result = long_run(path, 1.0, 20.0, lambda *a: None)
    assert result["finite"] and result["frozen_seconds"] == 0 and result["drift_m"] < 0.05


def _load(path: Path):
    from neuropuppet.artifacts import load_artifact
    return load_artifact(path, controller="gestures", device="cpu")
