"""The `beatnod` layer through the public API: nods follow the onsets of a click track, found causally
(nothing past the tick's block is ever heard), over a walking body or alone."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet.input.patterns import demo_input
from neuropuppet.motion.rotations_torch import quat_mul

from layer_helpers import RATE, ClipAudio, click_track, rotation_degrees, tick_of

CLICKS = np.array([0.31, 0.83, 1.27, 1.9, 2.35, 2.71, 3.3, 3.82, 4.4, 4.77, 5.5])   # irregular, never on a tick


def play(samples: np.ndarray, seconds: float, **spawn) -> tuple[list[dict[str, float]], npp.CharacterGroup]:
    """Ticks of a beatnod character hearing `samples`: each tick's outputs (of character 0)."""
    rt = npp.Runtime()
    g = rt.spawn(spawn.pop("body", "beatnod"), inputs={"audio": ClipAudio(samples)}, **spawn)
    ticks = []
    for _ in rt.run(int(seconds * 60)):
        ticks.append({k: float(v[0, 0]) for k, v in g.pose.extras.items()})
    return ticks, g


def onset_ticks(ticks: list[dict[str, float]]) -> list[int]:
    return [k for k, t in enumerate(ticks) if t["onset"] > 0.5]


def test_onsets_follow_the_clicks_and_none_come_between():
    ticks, _ = play(click_track(6.0, CLICKS), 6.0)
    found = onset_ticks(ticks)
    assert len(found) == len(CLICKS)
    for k, c in zip(found, CLICKS):
        assert 0 <= k - tick_of(c) <= 1                      # in the click's own tick (or the next)


def test_each_onset_nods_the_head_down_and_it_comes_back_before_the_next():
    ticks, _ = play(click_track(6.0, CLICKS), 6.0)
    nod = np.degrees([t["nod"] for t in ticks])
    found = onset_ticks(ticks)
    for k, nxt in zip(found, found[1:] + [len(ticks)]):
        assert 6.0 < nod[k:k + 15].max() < 12.0              # a nod of about 10 degrees, chin down
        assert nod[k:nxt].min() > -3.0                       # a small rebound at most
        if nxt - k > 30:
            assert abs(nod[k + 30]) < 1.0                     # over half a second after it


def test_silence_and_steady_noise_never_nod():
    for samples in (np.zeros(3 * RATE, np.float32), click_track(3.0, [], noise=0.05, seed=3)):
        ticks, _ = play(samples, 3.0)
        assert onset_ticks(ticks) == [] and max(abs(t["nod"]) for t in ticks) == 0.0


def test_it_never_hears_samples_past_the_tick():
    """Two tracks equal up to 2.0 s and different after: every tick up to there is identical."""
    early = click_track(4.0, CLICKS[CLICKS < 2.0])
    late = early.copy()
    late[2 * RATE:] = click_track(2.0, [0.004, 0.5, 1.0], noise=0.2, seed=7)   # loud from the first sample on
    a, _ = play(early, 4.0)
    b, _ = play(late, 4.0)
    last_equal = 2 * 60 - 1                                   # tick 119 ends at 2.0 s: its block stops before
    assert a[:last_equal + 1] == b[:last_equal + 1]
    assert a[last_equal + 1:] != b[last_equal + 1:]           # and the difference is heard from the next tick


def test_over_a_walking_body_it_adds_the_nod_to_the_bodys_neck_and_head():
    samples = click_track(3.0, CLICKS[CLICKS < 3.0])
    rt_body, rt = npp.Runtime(), npp.Runtime()
    body = rt_body.spawn("pfnn", input=demo_input())
    g = rt.spawn("pfnn", layers=["beatnod"], input=demo_input(), inputs={"audio": ClipAudio(samples)})
    head = body.skeleton.index("Head")
    others = [j for j in range(body.skeleton.num_joints) if body.skeleton.names[j] not in ("Neck", "Neck1", "Head")]
    deepest = 0.0
    for _ in range(180):
        rt_body.tick()
        rt.tick()
        nod = float(g.pose.extras["nod"][0, 0])
        share = torch.tensor([math.cos(0.25 * nod), math.sin(0.25 * nod), 0.0, 0.0])     # half the nod, about +X
        want = quat_mul(body.pose.local_rotations[0, head], share)
        assert rotation_degrees(g.pose.local_rotations[0, head].numpy(), want.numpy()) < 1e-2
        torch.testing.assert_close(g.pose.local_rotations[:, others], body.pose.local_rotations[:, others],
                                   rtol=0, atol=1e-6)
        deepest = max(deepest, math.degrees(nod))
    assert deepest > 6.0


def test_reset_stops_one_characters_nod():
    samples = click_track(1.0, [0.31])
    rt = npp.Runtime()
    g = rt.spawn("beatnod", count=2, inputs={"audio": ClipAudio(samples)})
    for _ in rt.run(tick_of(0.31) + 6):
        pass
    assert g.pose.extras["nod"][:, 0].min() > math.radians(3)
    g.reset([0])
    rt.tick()
    nod = g.pose.extras["nod"][:, 0]
    assert nod[0] == 0.0 and nod[1] > math.radians(3)


def test_after_a_full_reset_it_listens_afresh():
    samples = click_track(3.0, [0.31, 1.6, 2.4])
    rt = npp.Runtime()
    g = rt.spawn("beatnod", inputs={"audio": ClipAudio(samples)})
    found = []
    for k in range(3 * 60):
        if k == 60:
            g.reset()                                          # forgets the music heard so far, too
        rt.tick()
        if g.pose.extras["onset"][0, 0] > 0.5:
            found.append(k)
    assert found == [tick_of(0.31), tick_of(1.6), tick_of(2.4)]


def test_a_real_music_file_through_neuropuppet_audio(tmp_path):
    audio = pytest.importorskip("neuropuppet.audio")
    sf = pytest.importorskip("soundfile")
    mono = click_track(4.0, CLICKS[CLICKS < 4.0], rate=44100)
    path = tmp_path / "clicks.wav"
    sf.write(path, np.stack([mono, 0.5 * mono], 1), 44100)            # stereo at another rate
    source = audio.AudioSource(audio.load_audio(path))
    rt = npp.Runtime()
    g = rt.spawn("beatnod", inputs={"audio": source})
    found = []
    for k in range(4 * 60):
        rt.tick()
        if g.pose.extras["onset"][0, 0] > 0.5:
            found.append(k)
    want = [tick_of(c) for c in CLICKS[CLICKS < 4.0]]
    assert len(found) == len(want) and all(0 <= f - w <= 2 for f, w in zip(found, want))


def test_without_an_audio_source_the_input_and_the_layer_are_named():
    with pytest.raises(npp.InputError, match=r"input audio .*declared by 'beatnod'.*has no source"):
        npp.Runtime().spawn("pfnn", layers=["beatnod"])


def test_bad_options_are_named():
    with pytest.raises(npp.InputError, match="damping"):
        npp.make("beatnod", damping=1.5)
