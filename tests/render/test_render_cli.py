"""`neuropuppet render` / `play` as a person runs them (in-process `neuropuppet.cli.main`)."""
from __future__ import annotations

import re

import imageio.v3 as iio
import numpy as np
import pytest

from neuropuppet.cli import main

import stick_figure
from pixels import character_mask


@pytest.fixture(autouse=True)
def _stick(monkeypatch):
    stick_figure.register()
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")


def test_render_writes_a_gif_of_non_blank_frames_with_the_character(tmp_path, capsys):
    out = tmp_path / "walk.gif"
    assert main(["render", "stick", "--seconds", "1", "--fps", "8", "--width", "160", "--height", "120",
                 "--out", str(out)]) == 0
    frames = iio.imread(out)
    assert frames.shape == (8, 120, 160, 3)
    for f in frames:
        assert f.std() > 10 and character_mask(f).sum() > 20


def test_render_writes_png_frames_to_a_folder(tmp_path):
    out = tmp_path / "frames"
    assert main(["render", "stick", "--seconds", "0.5", "--fps", "6", "--width", "96", "--height", "64",
                 "--out", str(out)]) == 0
    files = sorted(out.glob("frame_*.png"))
    assert len(files) == 3
    assert iio.imread(files[-1]).shape == (64, 96, 3)


def test_render_rejects_an_unknown_output_type_clearly(tmp_path, capsys):
    assert main(["render", "stick", "--seconds", "0.2", "--out", str(tmp_path / "x.avi")]) == 2
    assert "unsupported output type '.avi'" in capsys.readouterr().err


def _roots(text: str) -> list[tuple[float, float, float]]:
    return [tuple(map(float, m)) for m in re.findall(r"x=\s*([-+\d.]+) y=\s*([-+\d.]+) z=\s*([-+\d.]+)", text)]


def test_record_then_replay_through_the_cli_gives_the_same_root_path(tmp_path, capsys):
    rec = tmp_path / "session.npz"
    assert main(["play", "stick", "--headless", "--seconds", "4", "--record", str(rec)]) == 0
    recorded = _roots(capsys.readouterr().out)
    assert rec.is_file() and len(recorded) == 4
    assert recorded[1][2] > recorded[0][2] > 0, "built-in pattern walks forward (+Z) first"
    assert main(["play", "stick", "--headless", "--seconds", "4", "--input", str(rec)]) == 0
    assert _roots(capsys.readouterr().out) == recorded


def test_replay_drives_render_the_same_way(tmp_path, capsys):
    rec = tmp_path / "session.npz"
    main(["play", "stick", "--headless", "--seconds", "1", "--record", str(rec)])
    capsys.readouterr()
    assert main(["render", "stick", "--input", str(rec), "--seconds", "1", "--fps", "5", "--width", "64",
                 "--height", "48", "--out", str(tmp_path / "last.png")]) == 0
    assert iio.imread(tmp_path / "last.png").shape == (48, 64, 3)


def test_play_without_display_says_so_and_suggests_render(monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["play", "stick"]) == 2
    err = capsys.readouterr().err
    assert "no display" in err and "neuropuppet render" in err


def test_missing_replay_file_is_a_clear_error(tmp_path, capsys):
    assert main(["render", "stick", "--input", str(tmp_path / "nope.npz"), "--out", str(tmp_path / "a.gif")]) == 2
    assert "nope.npz" in capsys.readouterr().err


def test_benchmark_reports_frame_times_for_1_and_100_characters():
    from neuropuppet.render import benchmark
    r = benchmark.run(width=64, height=48, frames=2, verbose=False)
    assert r["empty_ms"] > 0 and r["characters_1_ms"] > 0
    assert r["characters_100_ms"] > r["characters_1_ms"], "100 characters should cost more than 1"


def test_render_a_scene_with_hilly_terrain(tmp_path):
    scene = tmp_path / "scene.yaml"
    scene.write_text("terrain: {kind: hills, size: 40, height: 1.5}\n"
                     "characters:\n  - controller: stick\n    count: 2\n")
    out = tmp_path / "hills.png"
    assert main(["render", "--scene", str(scene), "--seconds", "1", "--fps", "5", "--width", "200",
                 "--height", "120", "--out", str(out)]) == 0
    frame = iio.imread(out)
    assert character_mask(frame).sum() > 20
    ground = frame[70:, :].astype(np.int32)
    assert ground.std() > 8, "terrain not drawn"


def test_scene_with_a_bad_key_is_a_clear_error(tmp_path, capsys):
    scene = tmp_path / "scene.yaml"
    scene.write_text("characters:\n  - controller: stick\n    cuont: 2\n")
    assert main(["render", "--scene", str(scene), "--out", str(tmp_path / "a.gif")]) == 2
    assert "cuont" in capsys.readouterr().err


def test_render_mp4(tmp_path):
    pytest.importorskip("imageio_ffmpeg", reason="MP4 output needs the optional imageio-ffmpeg (neuropuppet[video])")
    import imageio.v2 as iio2
    out = tmp_path / "walk.mp4"
    assert main(["render", "stick", "--seconds", "1", "--fps", "10", "--width", "160", "--height", "96",
                 "--out", str(out)]) == 0
    with iio2.get_reader(out) as reader:
        frames = [f for f in reader]
    assert len(frames) == 10 and frames[0].shape == (96, 160, 3) and frames[-1].std() > 10


def test_mp4_without_imageio_ffmpeg_suggests_gif(tmp_path, monkeypatch, capsys):
    import sys
    monkeypatch.setitem(sys.modules, "imageio_ffmpeg", None)   # as if not installed
    assert main(["render", "stick", "--seconds", "0.2", "--out", str(tmp_path / "a.mp4")]) == 2
    err = capsys.readouterr().err
    assert "imageio-ffmpeg" in err and ".gif" in err
