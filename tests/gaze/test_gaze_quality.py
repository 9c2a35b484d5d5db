"""Item 5 measurements on the scripted targets, the shipped gaze beside the ground truth (`pytest -s` prints them;
`python -m neuropuppet.controllers.gaze.quality --minutes 10` adds lookat, the LOD network and the long run).

Bounds: the issue's goals (settled error, eye range, latency, head share, vergence); the main sequence within 25 %
(the shipped network holds 17 %); the blink rate with a margin for the short script's ~15 blinks (the 10-minute
run's figures are in the README).
"""
from __future__ import annotations

import numpy as np
import pytest

from neuropuppet.controllers.gaze.quality import (FPS, main_sequence, markdown, measure, run_controller,
                                                  run_ground_truth, script)
from neuropuppet.motion.synth.gaze import SACCADE_LATENCY_S, saccade_duration, simulate


@pytest.fixture(scope="module")
def table():
    s = script()
    t = {"gaze": measure(run_controller("gaze", s), s), "ground_truth": measure(run_ground_truth(s), s)}
    t["gaze"]["main_sequence"] = main_sequence(t["gaze"], t["ground_truth"])
    print("\n" + markdown(t))
    return t


def test_settles_within_two_degrees_and_stays_in_range(table):
    g = table["gaze"]
    assert g["settled_error_deg"] < 2.0
    assert g["eye_range_deg"] < 50.0


def test_head_share_grows_with_the_shift_and_eyes_verge(table):
    g, gt = table["gaze"], table["ground_truth"]
    assert g["head_share"][60] > g["head_share"][20] + 0.1 and g["head_share"][60] > 2 * g["head_share"][10]
    assert abs(g["head_share"][60] - gt["head_share"][60]) < 0.15
    assert g["vergence_near_deg"] > g["vergence_far_deg"] + 5


def test_saccades_start_after_a_human_latency_on_the_main_sequence(table):
    g, gt = table["gaze"], table["ground_truth"]
    assert 150 <= g["latency_ms"] <= 300
    assert abs(g["peak_at_ms"] - gt["peak_at_ms"]) <= 50
    assert g["early_move_deg"] < 2.0                 # no lurch toward the target before the reaction time
    ratios = g["main_sequence"]
    assert all(0.75 < r < 1.25 for r in ratios.values()), ratios
    assert g["peak_velocity"][60] > 1.5 * g["peak_velocity"][10]


def test_blinks_near_the_ground_truths_rate_and_more_on_large_shifts(table):
    g, gt = table["gaze"], table["ground_truth"]
    assert 0.5 * gt["blinks_per_minute"] < g["blinks_per_minute"] < 2 * gt["blinks_per_minute"]
    assert g["blink_after_large"] > g["blink_after_small"] + 0.3


def test_the_ground_truth_reacts_after_its_latency_and_follows_the_main_sequence():
    target = np.zeros((3 * FPS, 3))
    target[:, 2] = 2.0
    target[FPS:, 0] = 20.0                                      # one 20 degree jump after a second
    _, _, labels = simulate(np.random.default_rng(0), target)
    onset = int(labels["saccade_onset"][0])
    assert onset - FPS == round(SACCADE_LATENCY_S * FPS)
    assert not labels["saccade"][:onset].any()
    amp, dur = float(labels["saccade_amplitude"][0]), float(labels["saccade_duration"][0])
    assert amp == pytest.approx(20.0, abs=0.5) and dur == pytest.approx(float(saccade_duration(amp)))
    moved = labels["saccade"].sum()                             # frames the saccade takes, no stalled frame
    assert moved == int(np.ceil(dur * FPS))


def test_fresh_state_settle_is_measured_per_target():
    from neuropuppet.controllers.gaze.quality import fresh_markdown, fresh_state
    targets = ((-60.0, 0.0, 2.0), (0.0, -10.0, 0.3))
    rows = fresh_state(targets=targets)
    assert list(rows) == list(targets)
    assert all(0 <= late < 2.0 for _, late in rows.values()), rows      # the shipped network from zero state
    text = fresh_markdown({"gaze": rows})
    assert "(-60.0, 0.0, 2.0)" in text and "worst at 4-5 s" in text
