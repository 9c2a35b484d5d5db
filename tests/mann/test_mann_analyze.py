"""`neuropuppet analyze mann`: the gating plot, the expert switched off, through the public entry points."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from neuropuppet.cli import main
from neuropuppet.controllers.mann import MANNController, analyze
from neuropuppet.errors import NeuropuppetError

pytestmark = pytest.mark.skipif(MANNController.default_artifact() is None, reason="no shipped mann artifact")


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    """The shipped model's short scripted sequence with expert 3 switched off (no quality figures, no render)."""
    out = tmp_path_factory.mktemp("analysis")
    return analyze.analyse(None, out, 3, scale=0.15, render=False, quality=False), out


def test_the_plot_is_written_and_the_gating_weights_sum_to_one(analysis) -> None:
    result, out = analysis
    png = (out / "gating.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    data = np.load(out / "gating.npz")
    w = data["weights"]
    ticks = sum(max(1, int(round(s * 0.15 * 60))) for name, s in analyze.SEQUENCE if name not in result["skipped"])
    assert w.shape == (ticks, 8)
    assert np.allclose(w.sum(1), 1.0, atol=1e-5) and (w >= 0).all()
    assert w.std(0).max() > 0.05                                     # the weights change along the sequence
    assert list(data["segments"][:4]) == ["idle", "walk", "trot", "canter"]
    assert result["files"]["plot"] == str(out / "gating.png")


def test_switching_an_expert_off_zeroes_its_weight_and_changes_the_motion(analysis) -> None:
    result, out = analysis
    off = np.load(out / "gating.npz")["weights_off"]
    assert np.allclose(off[:, 3], 0.0) and np.allclose(off.sum(1), 1.0, atol=1e-5)
    change = result["ablated"]
    assert change["expert"] == 3
    assert change["joint_change_mean_m"] > 0.01 and np.isfinite(change["joint_change_max_m"])
    assert (out / "gating_expert_3_off.png").is_file()


def test_the_recorded_sequence_replays_as_an_input_recording(analysis) -> None:
    from neuropuppet.input.recording import Replay
    _, out = analysis
    replay = Replay(out / "sequence.npz")
    assert replay.tick_rate == 60.0 and replay.frames["gamepad"].shape[1:] == (1, 21)


def test_cli_renders_the_sequence_with_the_expert_off(tmp_path, monkeypatch, capsys) -> None:
    import imageio.v3 as iio
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    assert main(["analyze", "mann", "--out", str(tmp_path), "--expert", "0", "--scale", "0.08", "--no-quality"]) == 0
    frames = iio.imread(tmp_path / "expert_0_off.gif")
    assert len(frames) > 10 and frames[-1].std() > 10
    assert "expert 0 switched off" in capsys.readouterr().out


def test_a_gait_the_model_lacks_is_skipped_with_a_note(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(analyze, "SEQUENCE", (("idle", 0.2), ("backflip", 0.5), ("trot", 0.3)))
    result = analyze.analyse(None, tmp_path, None, render=False, quality=False)
    assert result["skipped"] == ["backflip"] and [s for s, _ in result["sequence"]] == ["idle", "trot"]
    assert "'backflip'" in capsys.readouterr().out


def test_quality_change_is_expert_off_minus_intact() -> None:
    intact = {"comparison": {"trot": {"offset_error": 0.05, "speed_ratio": 1.0, "skating_ratio": 1.2}},
              "model": {"trot": {"speed": 1.5, "jerk": 100.0, "heading_deg": 3.0}}}
    off = {"comparison": {"trot": {"offset_error": 0.15, "speed_ratio": 0.8, "skating_ratio": 2.0}},
           "model": {"trot": {"speed": 1.2, "jerk": 130.0, "heading_deg": 9.0}}}
    d = analyze.quality_change(intact, off)["trot"]
    assert d == pytest.approx({"offset_error": 0.1, "speed_ratio": -0.2, "skating_ratio": 0.8, "speed": -0.3,
                               "jerk": 30.0, "heading_deg": 6.0})


def test_bad_expert_and_missing_matplotlib_are_clear_errors(tmp_path, monkeypatch) -> None:
    with pytest.raises(NeuropuppetError, match="experts 0..7"):
        analyze.analyse(None, tmp_path, 8, render=False, quality=False)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(NeuropuppetError, match=r"neuropuppet\[analysis\]"):
        analyze.gating_plot(np.full((5, 8), 0.125), [("idle", 0)], tmp_path / "g.png")


def test_analyze_names_a_plugin_that_offers_none(capsys) -> None:
    assert main(["analyze", "pfnn"]) == 2
    assert "offers no analysis" in capsys.readouterr().err
    assert main(["analyze", "nosuchplugin"]) == 2
    assert "no controller plugin named 'nosuchplugin'" in capsys.readouterr().err
