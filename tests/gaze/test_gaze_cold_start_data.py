"""The gaze generator starts a clip at rest: a first target off the nose is a jump (the data's cold starts)."""
from __future__ import annotations

import numpy as np

from neuropuppet.motion.synth.gaze import SACCADE_LATENCY_S, simulate

PERSON = {"blinks_per_minute": 14.0, "head_free_deg": 15.0, "head_share": 0.82, "head_time": 0.125, "latency": 0.2}


def test_a_first_target_far_off_is_reached_by_a_saccade_after_the_reaction_time() -> None:
    target = np.tile([-60.0, -10.0, 3.0], (180, 1))
    _, _, labels = simulate(np.random.default_rng(0), target, PERSON)
    react = int(round(SACCADE_LATENCY_S * 60))
    gaze = labels["head_angles"] + labels["eye_angles"]                   # yaw, pitch over the body (which stays)
    assert np.abs(gaze[:react]).max() < 1e-6, "nothing moves before the reaction time"
    assert labels["saccade_onset"][0] == react and labels["saccade_amplitude"][0] > 55
    final = gaze[-1] + [labels["body_yaw"][-1], 0.0]
    np.testing.assert_allclose(final, [-60.0, -10.0], atol=1.0)           # on the target, not stuck at the eyes' limit
    assert labels["head_angles"][-1, 0] < -20                              # the head took its share


def test_a_first_target_ahead_needs_no_saccade() -> None:
    _, _, labels = simulate(np.random.default_rng(0), np.tile([1.0, 0.5, 2.0], (90, 1)), PERSON)
    assert len(labels["saccade_onset"]) == 0
