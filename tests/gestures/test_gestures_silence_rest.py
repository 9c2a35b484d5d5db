"""The gestures controller's rest on silence (controllers/gestures/silence_rest.py): a network that never
holds still comes to rest when the music stops, and with sound its pose passes unchanged."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
import torch

import neuropuppet as npp
from neuropuppet.audio import load_audio
from neuropuppet.audio.features import AudioFeatureSource
from neuropuppet.controllers.gestures.silence_rest import BLEND_OUT_S, REST_AFTER_S, SilenceRest

from gestures_helpers import restless_artifact, tiny_artifact, write_music


@pytest.fixture(scope="module")
def restless(tmp_path_factory) -> Path:
    return restless_artifact(tmp_path_factory.mktemp("gestures") / "restless.pt")


@pytest.fixture(scope="module")
def music_then_silence(tmp_path_factory) -> Path:
    """1.5 s of plucked notes, then 3 s of digital silence."""
    folder = tmp_path_factory.mktemp("music")
    samples, rate = soundfile.read(write_music(folder / "notes.wav", seconds=1.5, seed=2), dtype="float32")
    path = folder / "notes_then_silence.wav"
    soundfile.write(path, np.concatenate([samples, np.zeros(3 * rate, np.float32)]), rate)
    return path


def written_rotations(artifact: Path, music: Path, ticks: int, **options) -> tuple[np.ndarray, object]:
    rt = npp.Runtime(tick_rate=60)
    rt.provide("audio_features", AudioFeatureSource(load_audio(music)))
    group = rt.spawn("gestures", 2, artifact=artifact, **options)
    joints = [group.skeleton.index(j) for j in group.controller.joints]
    out = [group.pose.local_rotations[:, joints].clone().numpy() for _ in rt.run(ticks)]
    return np.stack(out), group.controller


def test_a_restless_network_comes_to_rest_in_silence_and_plays_unchanged_with_sound(restless, music_then_silence):
    ticks = int(4.5 * 60)
    alone, _ = written_rotations(restless, music_then_silence, ticks, rest_after_s=0)
    rested, controller = written_rotations(restless, music_then_silence, ticks)
    assert alone[-60:].std(axis=0).max() > 0.02                         # the network alone sways in silence
    assert rested[-60:].std(axis=0).max() < 1e-5                        # with the rest it holds still ...
    np.testing.assert_allclose(rested[-1], controller.rest.rest.numpy(), atol=1e-5)   # ... in its rest pose
    music = slice(int(0.6 * 60), int(1.5 * 60))                         # sound, past the blend out of the start
    np.testing.assert_allclose(rested[music], alone[music], atol=1e-4)
    first_silent = int(1.5 * 60)                                          # the notes' tails fall under -60 dB later
    assert np.abs(rested[first_silent:first_silent + int(REST_AFTER_S * 60)]
                  - alone[first_silent:first_silent + int(REST_AFTER_S * 60)]).max() < 1e-4


def test_the_rest_agrees_on_every_engine(restless, music_then_silence):
    ticks = int(3.5 * 60)
    auto, _ = written_rotations(restless, music_then_silence, ticks)
    torch_engine, _ = written_rotations(restless, music_then_silence, ticks, engine="torch")
    np.testing.assert_allclose(auto, torch_engine, atol=1e-5)


def test_sound_returns_the_network_within_the_blend_out(restless):
    c = npp.make("gestures", 1, artifact=restless)
    quiet = torch.zeros(1, 28)
    loud = torch.zeros(1, 28)
    loud[0, 7] = 0.1                                                     # rms -20 dB
    for k in range(120):
        c.step(npp.TickInputs(1 / 60, k, audio_features=quiet))
    assert float(c.rest.weight[0]) == 1.0
    for k in range(int(round(BLEND_OUT_S * 60))):
        c.step(npp.TickInputs(1 / 60, 120 + k, audio_features=loud))
    assert float(c.rest.weight[0]) == pytest.approx(0.0, abs=1e-6)
    c.reset()
    assert float(c.rest.weight[0]) == 1.0


def test_rest_after_s_is_checked(tmp_path):
    tiny = tiny_artifact(tmp_path / "tiny.pt")
    assert npp.make("gestures", 1, artifact=tiny, rest_after_s=None).rest is None
    assert npp.make("gestures", 1, artifact=tiny, rest_after_s=0).rest is None
    assert npp.make("gestures", 1, artifact=tiny, rest_after_s=2.0).rest.after_s == 2.0
    for bad in (-1.0, float("nan"), "soon", 1e4):
        with pytest.raises(npp.InputError, match="rest_after_s"):
            npp.make("gestures", 1, artifact=tiny, rest_after_s=bad)


def test_the_cpu_shortcut_equals_the_branch_free_blend():
    """With sound and no rest weight the CPU returns early; the path a GPU takes gives the same rotations."""
    g = torch.Generator().manual_seed(0)
    rest = torch.nn.functional.normalize(torch.randn(3, 4, 4, generator=g), dim=-1)
    fast, full = SilenceRest(rest, [1, 2, 3, 5], 1 / 60), SilenceRest(rest, [1, 2, 3, 5], 1 / 60)
    full._on_cpu = False
    rms = torch.tensor([0.0, 0.5, 0.0])
    for k in range(260):
        level = rms if k < 90 or k > 150 else torch.full((3,), 0.2)
        q = torch.nn.functional.normalize(torch.randn(3, 6, 4, generator=g), dim=-1)
        a, b = q.clone(), q.clone()
        fast(a, level)
        full(b, level)
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
        torch.testing.assert_close(fast.weight, full.weight)
    assert fast.weight.tolist() == [1.0, 0.0, 1.0]
