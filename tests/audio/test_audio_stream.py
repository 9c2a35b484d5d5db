"""StreamedClip: long files decoded block by block read the same samples as a whole decode, in bounded memory."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from audio_files import write_tone
from neuropuppet.audio import AudioClip, AudioSource, MixerClock, StreamedClip, load_audio, stream
from neuropuppet.audio import decode as decode_module
from neuropuppet.errors import AudioError


def _pair(path, rate=22050):
    return load_audio(path, rate, stream=True), load_audio(path, rate, stream=False)


@pytest.mark.parametrize("file_rate", [8000, 44100, 48000])
@pytest.mark.parametrize("ext", ["wav", "flac", "ogg", "mp3"])
def test_reads_equal_a_whole_decode(tmp_path, ext, file_rate):
    path = write_tone(tmp_path / f"t.{ext}", rate=file_rate, channels=2, seconds=4.0, onset=0.5)
    streamed, whole = _pair(path)
    assert isinstance(streamed, StreamedClip) and isinstance(whole, AudioClip)
    assert (streamed.frames, streamed.sample_rate, streamed.channels) == (whole.frames, 22050, 2)
    assert streamed.duration == pytest.approx(whole.duration)
    # forward in tick-sized blocks, as the runtime reads it
    step = 22050 // 60
    got = np.concatenate([streamed.read(i, i + step) for i in range(0, streamed.frames, step)])
    np.testing.assert_allclose(got, whole.samples, atol=1e-5)
    assert streamed.samples[100:200].flags.writeable is False
    np.testing.assert_array_equal(streamed.samples[-50:], got[-50:])
    assert len(streamed.samples) == whole.frames and len(streamed.read(-10, 0)) == 0
    assert len(streamed.read(whole.frames - 5, whole.frames + 100)) == 5


def test_jumps_back_and_forth_with_a_tiny_cache(tmp_path, monkeypatch):
    """Seeks reopen the decoder before the target; the samples still match a continuous decode."""
    monkeypatch.setattr(stream, "CACHE_CHUNKS", 1)
    path = write_tone(tmp_path / "t.flac", rate=44100, channels=2, seconds=8.0)
    streamed, whole = _pair(path)
    rng = np.random.default_rng(0)
    for start in [150_000, 3, 170_000, 40_000, 0, 100_000] + list(rng.integers(0, whole.frames, 10)):
        stop = start + int(rng.integers(1, 50_000))
        np.testing.assert_allclose(streamed.read(start, stop), whole.read(start, stop), atol=1e-5, err_msg=str(start))


def test_resampled_and_native_rate(tmp_path):
    path = write_tone(tmp_path / "t.wav", rate=48000, channels=1, seconds=2.0)
    native = load_audio(path, None, stream=True)
    assert native.sample_rate == 48000 and native.resampled(48000) is native
    up = native.resampled(44100)
    assert isinstance(up, StreamedClip) and up.frames == 88200
    np.testing.assert_allclose(up.read(0, up.frames), load_audio(path, 44100, stream=False).samples, atol=1e-5)
    with pytest.raises(ValueError, match="positive integer"):
        native.resampled(-1)


def test_long_files_stream_by_default(tmp_path, monkeypatch):
    path = write_tone(tmp_path / "t.wav", rate=22050, channels=1, seconds=2.0)
    assert isinstance(load_audio(path), AudioClip)
    monkeypatch.setattr(decode_module, "STREAM_SECONDS", 1.0)
    assert isinstance(load_audio(path), StreamedClip)


def test_audio_source_hands_out_the_same_blocks(tmp_path):
    path = write_tone(tmp_path / "t.ogg", rate=44100, channels=2, seconds=1.5)
    streamed, whole = _pair(path)
    a, b = AudioSource(streamed), AudioSource(whole)
    dt = 1 / 60
    for k in range(-2, 95):
        x, y = a.block(k * dt, (k + 1) * dt), b.block(k * dt, (k + 1) * dt)
        assert (len(x.samples), x.ended, x.sample_rate) == (len(y.samples), y.ended, y.sample_rate)
        np.testing.assert_allclose(x.samples, y.samples, atol=1e-5)


def test_mixer_writes_a_streamed_clip_block_by_block(tmp_path, mixer_closed):
    import soundfile as sf
    path = write_tone(tmp_path / "t.flac", rate=44100, channels=2, seconds=1.0)
    with MixerClock(load_audio(path, None, stream=True), frequency=22050) as clock:
        played, rate = sf.read(str(clock._wav), dtype="float32")
        assert rate == 22050
        np.testing.assert_allclose(played, load_audio(path, 22050).samples, atol=2 / 32768)


@pytest.mark.parametrize("ext", ["wav", "ogg", "flac", "mp3"])
@pytest.mark.parametrize("keep", [0.3, 0.9])
def test_truncated_files_error_or_read_finite(tmp_path, ext, keep, caplog):
    """Cut files: an AudioError at open or while reading, or (a length the header only estimates) silence
    after the real end; never NaN, never another exception."""
    path = write_tone(tmp_path / f"t.{ext}", rate=44100, channels=2, seconds=2.0)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    try:
        clip = load_audio(path, stream=True)
        samples = np.concatenate(list(clip.blocks()))
    except AudioError as e:
        assert str(path) in str(e) and ("truncated" in str(e) or "damaged" in str(e)), e
        return
    assert len(samples) == clip.frames and np.isfinite(samples).all()
    assert "silence after the end" in caplog.text


def test_bad_files_give_the_same_errors(tmp_path):
    import soundfile as sf
    with pytest.raises(AudioError, match="no such audio file"):
        load_audio(tmp_path / "missing.wav", stream=True)
    (tmp_path / "empty.wav").write_bytes(b"")
    with pytest.raises(AudioError, match="is empty"):
        load_audio(tmp_path / "empty.wav", stream=True)
    (tmp_path / "text.wav").write_text("not audio at all\n" * 20)
    with pytest.raises(AudioError, match="not an audio file"):
        load_audio(tmp_path / "text.wav", stream=True)
    x = np.zeros(8000, np.float32)
    x[5000] = np.nan
    sf.write(str(tmp_path / "nan.wav"), x, 8000, subtype="FLOAT")
    clip = load_audio(tmp_path / "nan.wav", stream=True)             # found while reading, named with its time
    with pytest.raises(AudioError, match=r"non-finite samples .* from 0\.\d+ s"):
        clip.read(0, clip.frames)


def test_memory_stays_bounded_on_a_long_file(tmp_path):
    """Ten minutes streamed through AudioSource at 60 ticks/s peak far below decoding the file whole."""
    import soundfile as sf
    path = tmp_path / "long.wav"
    rate, seconds = 44100, 600
    with sf.SoundFile(str(path), "w", rate, 2, subtype="PCM_16") as f:
        block = (0.3 * np.sin(np.arange(rate * 10) * 2 * np.pi * 440 / rate)).astype(np.float32)
        for _ in range(seconds // 10):
            f.write(np.stack([block, block], 1))
    script = textwrap.dedent(f"""
        import json, sys
        from neuropuppet.audio import AudioSource, load_audio
        def peak():   # VmHWM (kB): this process's own peak (ru_maxrss keeps the forking parent's across exec)
            return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
        before = peak()
        clip = load_audio({str(path)!r}, stream=sys.argv[1] == "stream")
        src, total, k, ended = AudioSource(clip), 0, 0, False
        while not ended:
            b = src.block(k / 60, (k + 1) / 60)
            total, k, ended = total + len(b.samples), k + 1, b.ended
        print(json.dumps([before, peak(), total, clip.frames]))
    """)
    peaks = {}
    for mode in ("stream", "whole"):
        out = subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True, check=True)
        before, after, total, frames = json.loads(out.stdout.strip().splitlines()[-1])
        assert total == frames == 22050 * seconds
        peaks[mode] = (after - before) / 1024                           # MB
    whole_mb = 22050 * seconds * 4 / 2 ** 20                            # the 22050 Hz clip alone: ~50 MB
    assert peaks["stream"] < 20, peaks
    assert peaks["whole"] > whole_mb, peaks


def test_music_features_are_the_same_streamed(tmp_path, monkeypatch):
    """The causal features of a streamed clip equal those of the decoded one, through a jump back in time."""
    import torch
    from neuropuppet.audio.features import AudioFeatureSource
    from neuropuppet.ports import TickInputs

    monkeypatch.setattr(stream, "CACHE_CHUNKS", 1)
    path = write_tone(tmp_path / "t.flac", rate=44100, channels=2, seconds=5.0, onset=0.3)
    rows = []
    for clip in _pair(path):
        source = AudioFeatureSource(clip)
        inputs = TickInputs(1 / 60, values={"audio_features": torch.zeros(1, source.width)})
        got = []
        for k in list(range(200)) + list(range(20, 60)) + list(range(250, 290)):      # forward, back, jump ahead
            inputs.tick, inputs.time = k, k / 60
            source.sample(inputs)
            got.append(inputs["audio_features"][0].numpy().copy())
        rows.append(np.array(got))
    assert np.isfinite(rows[0]).all()
    np.testing.assert_allclose(rows[0], rows[1], atol=1e-3, rtol=1e-3)
