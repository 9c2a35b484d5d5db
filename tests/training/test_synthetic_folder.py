"""A cut-off `neuropuppet data synth` leaves a marker: readers refuse the half-written folder and the
trainers' automatic data step writes it again."""
from __future__ import annotations

import pytest

from neuropuppet.errors import MotionDataError
from neuropuppet.motion import synth
from neuropuppet.training import find_clips, synthetic_data_folder


def test_finished_generation_leaves_no_marker(tmp_path):
    synth.generate("gaze", tmp_path, 0.4, seed=1, progress=False)
    assert not synth.is_incomplete(tmp_path)
    assert find_clips(tmp_path)


def test_cut_off_generation_is_refused_then_rewritten(tmp_path, monkeypatch):
    from neuropuppet.motion.synth import gaze

    real = gaze.write_clip
    calls = {"n": 0}

    def dies_on_second(out, name, rng, frames, fps):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(out, name, rng, frames, fps)

    monkeypatch.setattr(gaze, "write_clip", dies_on_second)
    with pytest.raises(KeyboardInterrupt):
        synth.generate("gaze", tmp_path, 1.5, seed=2, progress=False)
    assert synth.is_incomplete(tmp_path) and any(tmp_path.glob("*.bvh"))
    with pytest.raises(MotionDataError, match="cut off"):
        find_clips(tmp_path)

    monkeypatch.setattr(gaze, "write_clip", real)
    folder = synthetic_data_folder(tmp_path, "gaze", 1.5, seed=2, progress=False)
    assert not synth.is_incomplete(folder)
    fresh = tmp_path.parent / "fresh"
    synth.generate("gaze", fresh, 1.5, seed=2, progress=False)
    assert sorted(p.name for p in find_clips(folder)) == sorted(p.name for p in find_clips(fresh))
    for p in find_clips(fresh):
        assert (folder / p.name).read_bytes() == p.read_bytes()


def test_a_folder_made_with_other_settings_is_refused_not_reused(tmp_path):
    folder = synthetic_data_folder(tmp_path / "piano", "piano", 0.4, seed=3, progress=False, tempo_range=(55.0, 60.0))
    assert synth.made_with(folder) == synth.manifest("piano", 0.4, 3, tempo_range=(55.0, 60.0))
    again = synthetic_data_folder(folder, "piano", 0.4, seed=3, progress=False, tempo_range=(55.0, 60.0))
    assert again == folder                                                # the same request: reused
    for other in (dict(minutes=0.8, seed=3), dict(minutes=0.4, seed=4)):
        with pytest.raises(MotionDataError, match="made with piano 0.4 minutes seed 3, tempo_range"):
            synthetic_data_folder(folder, "piano", other["minutes"], seed=other["seed"], progress=False,
                                  tempo_range=(55.0, 60.0))
    with pytest.raises(MotionDataError, match="asked for"):
        synthetic_data_folder(folder, "piano", 0.4, seed=3, progress=False, tempo_range=(55.0, 80.0))
    (folder / synth.MANIFEST).unlink()                                    # data from elsewhere: taken as it is
    assert synthetic_data_folder(folder, "piano", 0.8, seed=9, progress=False) == folder
