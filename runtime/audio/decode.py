"""Decode a music file into a mono float32 clip at the rate the simulation wants.

    clip = load_audio("song.ogg")              # mono, 22050 Hz
    speakers = clip.resampled(44100)           # the same music at the sound device's rate

Files longer than `STREAM_SECONDS` are not decoded whole: `load_audio` returns a `StreamedClip`
(`neuropuppet.audio.stream`) that decodes and resamples the blocks asked for, with a bounded cache.

Decoding is libsndfile's (through soundfile: WAV, AIFF, FLAC, OGG Vorbis/Opus, MP3 and the other formats
`soundfile.available_formats()` lists); resampling is soxr's (linear phase, so the clip stays aligned in
time at any rate). Every way a file can be unusable (missing, empty, truncated, damaged, not audio, a
format libsndfile does not read) raises one `AudioError` naming the file and what is wrong.

Known limit: for a VBR MP3 without a Xing/Info header libsndfile estimates the length from the first
frame's bitrate and decodes only that much (LAME and ffmpeg write the header by default).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import AudioError

if TYPE_CHECKING:
    from .stream import StreamedClip

DEFAULT_SAMPLE_RATE = 22050
_BLOCK_FRAMES = 57 * 1152
"""Frames per decoder read: a whole number of MP3 frames. libsndfile 1.2's MP3 decoder returns different
(glitched, up to 0.6 off) samples for some read sizes (e.g. 4096, 16384, 65536 frames on a 44.1 kHz tone);
reads of 57 x 1152 frames match a single whole-file read and ffmpeg's decode."""
_MP3_FRAME = {True: 1152, False: 576}
"""Samples per MPEG layer III frame (MPEG-1 at 32 kHz and up, MPEG-2/2.5 below): an MP3's declared length
may count up to one frame of encoder padding that does not decode."""


@dataclass(frozen=True)
class AudioClip:
    """A decoded file: mono float32 samples [n] (a read-only array) at `sample_rate`.

    `channels` and `path` describe the file it came from (stereo files are mixed down to mono).
    """

    samples: np.ndarray = field(repr=False)
    sample_rate: int
    path: Path
    channels: int

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return len(self.samples) / self.sample_rate

    @property
    def frames(self) -> int:
        return len(self.samples)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) (indices at `sample_rate`, clamped to the clip): a read-only view."""
        start = min(max(int(start), 0), len(self.samples))
        return self.samples[start:max(start, min(int(stop), len(self.samples)))]

    def blocks(self, size: int = _BLOCK_FRAMES):
        """Yield the samples in consecutive read-only blocks of `size` (the last one shorter)."""
        for i in range(0, len(self.samples), size):
            yield self.samples[i:i + size]

    def resampled(self, rate: int) -> "AudioClip":
        """The same clip at `rate` Hz (itself when already there)."""
        rate = _check_rate(rate)
        if rate == self.sample_rate:
            return self
        return replace(self, samples=_resample(self.samples, self.sample_rate, rate), sample_rate=rate)


STREAM_SECONDS = 20 * 60.0
"""`load_audio` streams files longer than this (decoded whole, 20 minutes of mono float32 at 44.1 kHz are
~210 MB); shorter ones are decoded into memory."""


def load_audio(path: str | Path, sample_rate: int | None = DEFAULT_SAMPLE_RATE, *,
               stream: bool | None = None) -> "AudioClip | StreamedClip":
    """Decode `path` to a mono clip at `sample_rate` Hz (None: the file's own rate).

    stream: None (default) streams files longer than `STREAM_SECONDS` (a `StreamedClip`: decoded and
    resampled block by block on demand, a bounded cache in memory) and decodes shorter ones whole (an
    `AudioClip`); True / False force either. Both offer `sample_rate`, `frames`, `duration`, `path`,
    `channels`, `read(i0, i1)`, `blocks()`, `resampled(rate)` and slicing of `samples`.
    """
    path = Path(path)
    rate = None if sample_rate is None else _check_rate(sample_rate)
    f = open_sound_file(path)
    if stream is None:
        stream = f.frames / f.samplerate > STREAM_SECONDS
    if stream:
        f.close()
        from .stream import StreamedClip
        return StreamedClip(path, rate)
    with f:
        declared, file_rate, channels = f.frames, int(f.samplerate), int(f.channels)
        parts = list(mono_blocks(f, path))
        mono = np.concatenate(parts) if parts else np.empty(0, np.float32)
        check_complete(path, f, declared, len(mono))
    clip = AudioClip(_read_only(mono), file_rate, path, channels)
    return clip if rate is None else clip.resampled(rate)


def open_sound_file(path: Path):
    """The open `soundfile.SoundFile` of `path`, its header checked (AudioError naming what is wrong)."""
    import soundfile as sf

    _check_readable(path)
    if _sniff(path) == "text":     # refused before libsndfile/libmpg123 probe it (they print resync notes)
        raise AudioError(f"{path}: not an audio file (it holds text)")
    try:
        f = sf.SoundFile(str(path))
    except sf.LibsndfileError as e:
        raise AudioError(_open_failure(path, e.error_string)) from None
    except (RuntimeError, TypeError, ValueError) as e:  # soundfile's own checks on odd headers
        raise AudioError(f"{path}: cannot be decoded ({e})") from None
    if f.frames <= 0:
        f.close()
        raise AudioError(f"{path}: holds no audio (0 frames: an empty recording, or a file cut short)")
    if f.samplerate <= 0 or f.channels <= 0:
        f.close()
        raise AudioError(f"{path}: damaged header ({f.samplerate} Hz, {f.channels} channels)")
    return f


def mono_blocks(f, path: Path, block_frames: int = _BLOCK_FRAMES):
    """Yield the open file's frames from its current position on, mixed down to mono float32 blocks (never a
    stereo copy of the whole file, never an allocation sized by a header that may be damaged). A decoder
    failure or a non-finite sample raises AudioError naming the time."""
    import soundfile as sf

    rate, declared = f.samplerate, f.frames
    block = np.empty((block_frames, f.channels), np.float32)
    mixdown = np.full(f.channels, 1.0 / f.channels, np.float32)     # a matrix product: far faster than mean(axis=1)
    done = f.tell()
    while True:
        try:
            got = f.read(out=block)
        except sf.LibsndfileError as e:
            raise AudioError(f"{path}: damaged or truncated: the decoder fails between {done / rate:.1f} s and "
                             f"{min(done + len(block), declared) / rate:.1f} s of {declared / rate:.1f} s "
                             f"({e.error_string.strip()})") from None
        if len(got) == 0:
            return
        mono = got @ mixdown if f.channels > 1 else got[:, 0].copy()
        if not np.isfinite(mono).all():
            bad = done + int(np.argmin(np.isfinite(mono)))
            raise AudioError(f"{path}: damaged: non-finite samples (NaN or infinity) from {bad / rate:.2f} s")
        done += len(got)
        yield mono


def check_complete(path: Path, f, declared: int, decoded: int) -> None:
    """A file that decodes to less than its header declares is truncated (or damaged)."""
    if decoded == 0:
        raise AudioError(f"{path}: holds no decodable audio (its header declares {declared} frames)")
    slack = _MP3_FRAME[f.samplerate >= 32000] if f.format == "MP3" else 0
    if decoded + slack < declared:
        raise AudioError(f"{path}: truncated or damaged: its header declares {declared / f.samplerate:.2f} s "
                         f"but only {decoded / f.samplerate:.2f} s decode")
    check_container(path, f)


def check_container(path: Path, f) -> None:
    """The checks that need no decoding: an Ogg stream that ends with its last page, a WAV data chunk as long
    as its header says (AudioError otherwise)."""
    if f.format == "OGG" and not _ogg_ends_cleanly(path):
        raise AudioError(f"{path}: truncated or damaged: the Ogg stream does not end with its last page "
                         f"({f.frames / f.samplerate:.2f} s decode)")
    # WAV family: libsndfile shrinks the frame count to the data present and notes the header's claim
    m = re.search(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", f.extra_info, re.MULTILINE)
    if m:
        claimed, present = int(m.group(1)), int(m.group(2))
        streamed = claimed in (0, 0xFFFFFFFF, 0x7FFFFFFF)  # writers that could not seek back to fill it in
        if claimed > present and not streamed:
            raise AudioError(f"{path}: truncated: its header declares {claimed} bytes of samples but the file "
                             f"holds {present} ({f.frames / f.samplerate:.2f} s)")


def _ogg_ends_cleanly(path: Path) -> bool:
    """The file ends exactly with a complete Ogg page flagged end-of-stream (an Ogg file has no length field:
    a cut one otherwise decodes as a shorter file)."""
    with open(path, "rb") as fh:
        size = fh.seek(0, 2)
        fh.seek(max(0, size - 65536 - 282))           # a page is at most 27 + 255 + 255 * 255 bytes
        tail = fh.read()
    at = len(tail)
    while (at := tail.rfind(b"OggS", 0, at)) >= 0:
        header = tail[at:at + 27]
        if len(header) == 27:
            segments = tail[at + 27:at + 27 + header[26]]
            if at + 27 + len(segments) + sum(segments) == len(tail) and len(segments) == header[26]:
                return bool(header[5] & 0x04)
    return False


def _check_readable(path: Path) -> None:
    if not path.exists():
        raise AudioError(f"{path}: no such audio file")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file")
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except OSError as e:
        raise AudioError(f"{path}: cannot be read ({e.strerror})") from None
    if size == 0:
        raise AudioError(f"{path}: is empty (0 bytes)")


def _open_failure(path: Path, reason: str) -> str:
    reason = reason.strip().rstrip(".")
    what = _sniff(path)
    if "malformed" in reason.lower():
        return f"{path}: damaged or truncated {what if what in _READABLE else 'audio'} file (libsndfile: {reason})"
    if what == "text":
        return f"{path}: not an audio file (it holds text)"
    if what in _READABLE:
        return f"{path}: damaged {what} file (libsndfile: {reason})"
    if what is not None:
        return (f"{path}: {what} is not a format the decoder reads (it reads WAV, AIFF, FLAC, OGG Vorbis/Opus, "
                f"MP3); convert it, e.g. `ffmpeg -i {path.name} {path.stem}.flac`")
    # libsndfile's reason for unrecognised bytes varies by what it probed last ("possibly a pipe?"): not shown
    return f"{path}: not an audio file, or its header is damaged (no WAV, AIFF, FLAC, OGG or MP3 header found)"


_READABLE = ("WAV", "AIFF", "FLAC", "OGG", "MP3")
_SIGNATURES = (  # (offset, bytes, what): the first match names what the file seems to be
    (0, b"RIFF", "WAV"), (0, b"RF64", "WAV"), (0, b"FORM", "AIFF"), (0, b"fLaC", "FLAC"), (0, b"OggS", "OGG"),
    (0, b"ID3", "MP3"), (4, b"ftyp", "an MP4/M4A (AAC or ALAC) file"), (0, b"MThd", "a MIDI file"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "a WMA/ASF file"), (0, b"wvpk", "a WavPack file"),
    (0, b"MAC ", "a Monkey's Audio file"),
)


def _sniff(path: Path) -> str | None:
    """What the file's first bytes say it is (for the error message), or None when they say nothing."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    for offset, magic, what in _SIGNATURES:
        if head[offset:offset + len(magic)] == magic:
            return what
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "an AAC (ADTS) file" if head[1] & 0x06 == 0 else "MP3"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if all(c.isprintable() or c in "\r\n\t" for c in text):
        return "text"
    return None


def _resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    import soxr
    return _read_only(np.ascontiguousarray(soxr.resample(samples, from_rate, to_rate, quality="HQ"), np.float32))


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


def _check_rate(rate: int) -> int:
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise ValueError(f"sample rate must be a positive integer (Hz), got {rate!r}")
    return int(rate)


__all__ = ["AudioClip", "load_audio", "DEFAULT_SAMPLE_RATE", "STREAM_SECONDS", "open_sound_file", "mono_blocks",
           "check_complete", "check_container"]
