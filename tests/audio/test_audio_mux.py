"""mux_audio: a rendered MP4 gains the clip's first seconds as an AAC track; the file is replaced atomically."""
from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from audio_files import LEFT_HZ, RIGHT_HZ, amplitude_at
from neuropuppet.audio import load_audio, mux_audio
from neuropuppet.errors import AudioError

imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
FPS = 30


def write_video(path, frames: int = 60):
    import imageio.v2 as iio
    with iio.get_writer(path, fps=FPS, codec="libx264", macro_block_size=8) as writer:
        for i in range(frames):
            writer.append_data(np.full((64, 96, 3), 4 * i, np.uint8))
    return path


def streams(path) -> str:
    """What `ffmpeg -i` says about the file's streams."""
    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
                         capture_output=True, text=True).stderr
    return "\n".join(line for line in out.splitlines() if "Stream #" in line or "Duration" in line)


def decode_track(path, rate: int = 22050) -> np.ndarray:
    raw = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-map", "0:a:0",
                          "-f", "f32le", "-ac", "1", "-ar", str(rate), "pipe:1"], capture_output=True, check=True)
    return np.frombuffer(raw.stdout, np.float32)


def test_adds_the_first_seconds_as_aac(tmp_path, tone_file):
    video = write_video(tmp_path / "out.mp4")
    before = streams(video)
    assert "Audio" not in before
    clip = load_audio(tone_file("flac", seconds=5.0, channels=2), sample_rate=None)
    assert mux_audio(video, clip, 2.0) == video

    info = streams(video)
    assert re.search(r"Stream #0:\d.*Video: h264", info) and re.search(r"Stream #0:\d.*Audio: aac", info), info
    track = decode_track(video)
    assert len(track) / 22050 == pytest.approx(2.0, abs=0.03)            # the first 2 s, not the whole clip
    body = track[2000:-2000]
    assert amplitude_at(body, 22050, LEFT_HZ) == pytest.approx(0.25, abs=0.03)
    assert amplitude_at(body, 22050, RIGHT_HZ) == pytest.approx(0.25, abs=0.03)
    import imageio.v3 as iio
    assert iio.imread(video, index=None).shape[0] == 60                # the video stream is untouched
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []   # no temporary left


def test_offset_skips_the_start(tmp_path, tone_file):
    video = write_video(tmp_path / "late.mp4")
    clip = load_audio(tone_file("wav", seconds=2.0, channels=1, onset=1.0))
    mux_audio(video, clip, 1.0, offset=0.5)
    track = decode_track(video)
    onset = np.argmax(np.abs(track) > 0.1) / 22050
    assert onset == pytest.approx(0.5, abs=0.03)


def test_failure_leaves_the_file_as_it_was(tmp_path, tone_file):
    clip = load_audio(tone_file("wav"))
    not_video = tmp_path / "broken.mp4"
    not_video.write_bytes(b"not a video at all")
    with pytest.raises(AudioError, match="broken.mp4: ffmpeg could not add the audio track"):
        mux_audio(not_video, clip, 1.0)
    assert not_video.read_bytes() == b"not a video at all"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.mp4", "tone_44100_2.wav"]
    with pytest.raises(AudioError, match="no such video"):
        mux_audio(tmp_path / "missing.mp4", clip, 1.0)
    with pytest.raises(AudioError, match="has no audio from 5.00 s"):
        mux_audio(write_video(tmp_path / "ok.mp4"), clip, 1.0, offset=5.0)


@pytest.mark.slow
def test_render_out_mp4_with_audio_has_the_track(tmp_path, tone_file):
    """`neuropuppet render pfnn --out x.mp4 --audio FILE` (EGL) writes a video with the music's AAC track."""
    import sys
    song = tone_file("ogg", seconds=3.0)
    out = tmp_path / "x.mp4"
    r = subprocess.run([sys.executable, "-m", "neuropuppet.cli", "render", "pfnn", "--seconds", "1", "--fps", "20",
                        "--width", "160", "--height", "96", "--out", str(out), "--audio", str(song)],
                       capture_output=True, text=True, timeout=300)
    if r.returncode != 0 and "EGL" in r.stderr:
        pytest.skip(f"no offscreen GL here: {r.stderr.strip()[-200:]}")
    assert r.returncode == 0, r.stderr[-2000:]
    assert re.search(r"Audio: aac", streams(out)), streams(out)
    track = decode_track(out)
    assert len(track) / 22050 == pytest.approx(1.0, abs=0.03)
    assert amplitude_at(track[1000:-1000], 22050, LEFT_HZ) == pytest.approx(0.25, abs=0.03)
