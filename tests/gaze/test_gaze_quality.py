"""Item 5 measurements on the scripted targets, shipped gaze beside the ground truth (`pytest -s` prints them;
`python -m neuropuppet.controllers.gaze.quality --minutes 10` adds lookat, the LOD network and drift)."""
from __future__ import annotations

import pytest

from neuropuppet.controllers.gaze.quality import markdown, measure, run_controller, run_ground_truth, script


@pytest.fixture(scope="module")
def table():
    s = script()
    t = {"gaze": measure(run_controller("gaze", s), s), "ground_truth": measure(run_ground_truth(s), s)}
    print("\n" + markdown(t))
    return t


def test_settles_within_two_degrees_and_stays_in_range(table):
    g = table["gaze"]
    assert g["settled_error_deg"] < 2.0
    assert g["eye_range_deg"] < 45.0


def test_head_share_grows_with_the_shift_and_eyes_verge(table):
    g, gt = table["gaze"], table["ground_truth"]
    assert g["head_share"][60] > g["head_share"][20] + 0.1 and g["head_share"][60] > 2 * g["head_share"][10]
    assert abs(g["head_share"][60] - gt["head_share"][60]) < 0.15
    assert g["vergence_near_deg"] > g["vergence_far_deg"] + 5


def test_large_saccades_are_fast_and_blinks_are_near_the_ground_truths_rate(table):
    g, gt = table["gaze"], table["ground_truth"]
    assert g["peak_velocity"][60] > 0.8 * gt["peak_velocity"][60]
    assert g["peak_velocity"][60] > 2 * g["peak_velocity"][10]
    assert 0.5 * gt["blinks_per_minute"] < g["blinks_per_minute"] < 2 * gt["blinks_per_minute"]
