"""load_audio: every format, channel count and rate decodes to an aligned mono clip; bad files give one AudioError."""
from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from audio_files import LEFT_HZ, RIGHT_HZ, amplitude_at, tone, write_tone
from neuropuppet.audio import AudioClip, load_audio
from neuropuppet.errors import AudioError

LOSSY = {"ogg", "mp3"}


@pytest.mark.parametrize("rate", [8000, 44100, 48000])
@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("ext", ["wav", "ogg", "flac", "mp3"])
def test_decodes_every_format_to_an_aligned_mono_clip(tmp_path, ext, channels, rate):
    path = write_tone(tmp_path / f"tone.{ext}", rate=rate, channels=channels, seconds=1.0, onset=0.25)
    clip = load_audio(path)

    assert isinstance(clip, AudioClip)
    assert (clip.sample_rate, clip.channels, clip.path) == (22050, channels, path)
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert clip.duration == pytest.approx(1.0, abs=1e-3)
    # the music starts where it was written: neither the codec's delay nor the resampler shifts it
    onset = np.argmax(np.abs(clip.samples) > 0.05) / clip.sample_rate
    assert onset == pytest.approx(0.25, abs=1e-3)
    # mixdown: each channel at half its level (a stereo file is not reduced to its left channel)
    body = clip.samples[int(0.3 * 22050):int(0.95 * 22050)]
    tol = 0.05 if ext in LOSSY else 0.01
    level = 0.5 / channels
    assert amplitude_at(body, 22050, LEFT_HZ) == pytest.approx(level, abs=tol)
    assert amplitude_at(body, 22050, RIGHT_HZ) == pytest.approx(level if channels == 2 else 0.0, abs=tol)


def test_native_rate_and_resampled(tone_file):
    native = load_audio(tone_file("flac", rate=48000, channels=2), sample_rate=None)
    assert native.sample_rate == 48000 and native.frames == 48000
    expected = tone(1.0, 48000, 2).mean(axis=1)
    np.testing.assert_allclose(native.samples, expected, atol=2e-4)   # 16-bit quantisation

    down = native.resampled(22050)
    assert down.sample_rate == 22050 and down.frames == 22050 and down.channels == 2
    np.testing.assert_allclose(down.samples[1000:-1000], load_audio(native.path).samples[1000:-1000], atol=1e-6)
    assert native.resampled(48000) is native
    with pytest.raises(ValueError, match="positive integer"):
        native.resampled(0)


def test_samples_are_read_only(tone_file):
    clip = load_audio(tone_file("wav"))
    with pytest.raises(ValueError):
        clip.samples[0] = 1.0


# -- bad input ------------------------------------------------------------------------------------

def _expect(path, *phrases):
    with pytest.raises(AudioError) as info:
        load_audio(path)
    message = str(info.value)
    assert str(path) in message, message
    for phrase in phrases:
        assert phrase in message, message
    return message


def test_missing_file(tmp_path):
    _expect(tmp_path / "nope.ogg", "no such audio file")


def test_folder(tmp_path):
    _expect(tmp_path, "is a folder")


def test_zero_bytes(tmp_path):
    path = tmp_path / "empty.wav"
    path.touch()
    _expect(path, "is empty (0 bytes)")


@pytest.mark.parametrize("ext", ["wav", "aiff", "ogg"])
def test_zero_frames(tmp_path, ext):
    import soundfile as sf
    path = tmp_path / f"silent.{ext}"
    sf.write(str(path), np.zeros((0, 2), np.float32), 44100)
    _expect(path, "holds no audio (0 frames")


def test_text_renamed_wav(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("these are my notes, not music\n" * 20)
    _expect(path, "not an audio file (it holds text)")


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.mp3"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    _expect(path, "not an audio file")


@pytest.mark.parametrize("ext", ["wav", "ogg", "flac", "mp3"])
@pytest.mark.parametrize("keep", [0.2, 0.5, 0.8, 0.97])
def test_truncated(tone_file, ext, keep):
    path = tone_file(ext, seconds=2.0)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    message = _expect(path)
    assert "truncated" in message or "damaged" in message, message


@pytest.mark.parametrize("ext", ["ogg", "flac", "mp3"])
def test_damaged_body(tone_file, ext):
    path = tone_file(ext, seconds=2.0)
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle:middle + 2000] = np.random.default_rng(1).integers(0, 256, 2000, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    _expect(path, "damaged")


@pytest.mark.parametrize("ext", ["wav", "ogg", "flac"])
def test_damaged_header(tone_file, ext):
    path = tone_file(ext)
    data = bytearray(path.read_bytes())
    data[:32] = bytes(32)
    path.write_bytes(bytes(data))
    _expect(path, "header is damaged")


def test_float_wav_with_nan_is_damaged(tmp_path):
    import soundfile as sf
    x = tone(0.5, 8000, 1)
    x[1000] = np.nan
    path = tmp_path / "nan.wav"
    sf.write(str(path), x, 8000, subtype="FLOAT")
    _expect(path, "non-finite samples")


def test_unsupported_midi(tmp_path):
    path = tmp_path / "song.mid"
    path.write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\x00\x00\x00\x04\x00\xff\x2f\x00")
    _expect(path, "a MIDI file is not a format the decoder reads", "convert it")


def test_unsupported_m4a(tmp_path):
    ffmpeg = pytest.importorskip("imageio_ffmpeg").get_ffmpeg_exe()
    path = tmp_path / "song.m4a"
    subprocess.run([ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.5",
                    "-c:a", "aac", str(path)], check=True, capture_output=True)
    _expect(path, "MP4/M4A", "not a format the decoder reads")


def test_unreadable_file(tone_file):
    import os
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = tone_file("wav")
    path.chmod(0)
    try:
        _expect(path, "cannot be read")
    finally:
        path.chmod(0o644)


def test_a_copy_under_another_name_decodes_the_same(tone_file, tmp_path):
    """The decoder goes by content, not by name: an OGG called .wav still decodes."""
    path = tone_file("ogg")
    renamed = tmp_path / "actually_ogg.wav"
    shutil.copy(path, renamed)
    np.testing.assert_array_equal(load_audio(renamed).samples, load_audio(path).samples)


def test_long_mp3_decodes_like_one_whole_read(tone_file):
    """libsndfile's MP3 decoder glitches on some read sizes (65536 frames on this tone); the block reads
    load_audio makes give the samples of one whole-file read."""
    import soundfile as sf
    path = tone_file("mp3", rate=44100, channels=2, seconds=8.0, onset=0.5)
    whole = sf.read(str(path), dtype="float32")[0].mean(axis=1)
    np.testing.assert_allclose(load_audio(path, sample_rate=None, stream=False).samples, whole, atol=1e-6)
