"""A music file too long to decode into memory, read block by block at the rate the simulation wants.

    clip = load_audio("three_hours.flac")      # a StreamedClip (files over decode.STREAM_SECONDS)
    x = clip.read(i0, i1)                      # samples [i0, i1) at clip.sample_rate, float32, read-only
    x = clip.samples[i0:i1]                    # the same (what AudioSource and mux_audio slice)

The file is decoded with soundfile (`SoundFile` blocks, mixed down to mono) and resampled with a soxr
`ResampleStream` (the same HQ filter `AudioClip.resampled` uses; a stream's output equals the one-shot
resampler's sample for sample). Samples are produced in chunks of `CHUNK` samples and the last
`CACHE_CHUNKS` chunks are kept: reading forward (playback, ticks) decodes each chunk once; reading back a
little (a feature extractor's history) hits the cache; a jump (a seek, a restart) reopens the decoder
`WARM_UP` seconds before the target at a point where input and output sample grids coincide, so the
samples read there match a continuous decode within ~1e-6.

Opening checks what can be checked without decoding (the header, a WAV data chunk or an Ogg stream cut
short: AudioError as `load_audio`); damage found while reading (a decoder failure, NaN samples) raises
AudioError naming the time. A file that decodes shorter than its header declares (an MP3's length is an
estimate) reads as silence past its real end; a warning is logged once.
"""
from __future__ import annotations

import logging
import math
from collections import OrderedDict
from pathlib import Path
from typing import Iterator

import numpy as np

from .decode import _BLOCK_FRAMES, _check_rate, _read_only, check_container, mono_blocks, open_sound_file

log = logging.getLogger(__name__)

CHUNK = 1 << 15               # output samples per cached chunk (~1.5 s at 22050 Hz)
CACHE_CHUNKS = 8              # chunks kept (8 x 128 kB)
WARM_UP = 0.1                 # seconds decoded before a jump's target (the resampler's filter settles)


class StreamedClip:
    """A mono view of `path` at `sample_rate` Hz that decodes what is read (see module docstring).

    Offers what `AudioClip` does for playback and ticks: `sample_rate`, `frames`, `duration`, `path`,
    `channels`, `read(i0, i1)`, `blocks(size)`, `resampled(rate)` and `samples[i0:i1]` slicing.
    """

    def __init__(self, path: str | Path, sample_rate: int | None = None) -> None:
        self.path = Path(path)
        f = open_sound_file(self.path)
        check_container(self.path, f)
        self._file = f
        self.file_rate = int(f.samplerate)
        self.channels = int(f.channels)
        self.declared_frames = int(f.frames)
        self.sample_rate = self.file_rate if sample_rate is None else _check_rate(sample_rate)
        r, s = self.sample_rate, self.file_rate
        self.frames = (2 * self.declared_frames * r + s) // (2 * s)       # soxr's length: round half up
        g = math.gcd(r, s)
        self._in_step, self._out_step = s // g, r // g                   # input/output grids meet every step
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._pieces: Iterator[np.ndarray] | None = None
        self._carry = np.empty(0, np.float32)
        self._pos = 0                                                      # output index of _carry[0]
        self._warned = False

    # -- the AudioClip interface ------------------------------------------------------------------

    @property
    def duration(self) -> float:
        """Seconds of audio."""
        return self.frames / self.sample_rate

    @property
    def samples(self) -> "StreamedSamples":
        """Sliceable like an array (`samples[i0:i1]` decodes just that span); `len` is `frames`."""
        return StreamedSamples(self)

    def read(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) at `sample_rate` (clamped to the clip): float32, read-only."""
        start = min(max(int(start), 0), self.frames)
        stop = min(max(int(stop), start), self.frames)
        if stop == start:
            return _read_only(np.empty(0, np.float32))
        first, last = start // CHUNK, (stop - 1) // CHUNK
        if first == last:
            return self._chunk(first)[start - first * CHUNK:stop - first * CHUNK]
        parts = [self._chunk(k) for k in range(first, last + 1)]
        return _read_only(np.concatenate(parts)[start - first * CHUNK:stop - first * CHUNK])

    def blocks(self, size: int = _BLOCK_FRAMES) -> Iterator[np.ndarray]:
        """Yield every sample in consecutive read-only blocks of `size` (the last one shorter)."""
        for i in range(0, self.frames, size):
            yield self.read(i, i + size)

    def resampled(self, rate: int) -> "StreamedClip":
        """The same file streamed at `rate` Hz (itself when already there)."""
        rate = _check_rate(rate)
        return self if rate == self.sample_rate else StreamedClip(self.path, rate)

    def close(self) -> None:
        """Close the decoder (a later read reopens it)."""
        self._pieces = None
        if self._file is not None:
            self._file.close()
            self._file = None

    def __repr__(self) -> str:
        return (f"StreamedClip(path={str(self.path)!r}, sample_rate={self.sample_rate}, "
                f"duration={self.duration:.1f} s, channels={self.channels})")

    # -- decoding -----------------------------------------------------------------------------------

    def _chunk(self, k: int) -> np.ndarray:
        chunk = self._cache.get(k)
        if chunk is not None:
            self._cache.move_to_end(k)
            return chunk
        a = k * CHUNK
        chunk = _read_only(self._produce(a, min(a + CHUNK, self.frames)))
        self._cache[k] = chunk
        while len(self._cache) > CACHE_CHUNKS:
            self._cache.popitem(last=False)
        return chunk

    def _produce(self, a: int, b: int) -> np.ndarray:
        """Output samples [a, b), continuing the running decode when it is at or a little before `a`."""
        if self._pieces is None or a < self._pos or a - self._pos > 4 * CHUNK:
            self._restart(a)
        out = np.empty(b - a, np.float32)
        got = 0
        while got < len(out):
            if len(self._carry) == 0:
                self._carry = next(self._pieces)
                continue
            if self._pos < a:                                  # warm-up or a short skip forward
                skip = min(a - self._pos, len(self._carry))
            else:
                skip = min(len(out) - got, len(self._carry))
                out[got:got + skip] = self._carry[:skip]
                got += skip
            self._carry = self._carry[skip:]
            self._pos += skip
        return out

    def _restart(self, target: int) -> None:
        """Start decoding where the grids meet at least WARM_UP seconds before output sample `target`."""
        warm = int(WARM_UP * self.sample_rate) if target else 0
        m = max(0, target - warm) // self._out_step
        self._pos = m * self._out_step
        self._carry = np.empty(0, np.float32)
        self._pieces = self._decode_from(m * self._in_step)

    def _decode_from(self, frame: int) -> Iterator[np.ndarray]:
        """Output pieces from file frame `frame` on; silence for ever once the file is exhausted."""
        import soxr

        if self._file is None or self._file.closed:
            self._file = open_sound_file(self.path)
        f = self._file
        f.seek(frame)
        resampler = None if self.sample_rate == self.file_rate else \
            soxr.ResampleStream(self.file_rate, self.sample_rate, 1, dtype="float32", quality="HQ")
        decoded = frame
        for block in mono_blocks(f, self.path):
            decoded += len(block)
            yield block if resampler is None else resampler.resample_chunk(block, last=False)
        if resampler is not None:
            yield resampler.resample_chunk(np.empty(0, np.float32), last=True)
        if decoded < self.declared_frames and not self._warned:
            self._warned = True
            log.warning("%s: decodes to %.2f s, its header declares %.2f s: silence after the end", self.path,
                        decoded / self.file_rate, self.declared_frames / self.file_rate)
        silence = _read_only(np.zeros(CHUNK, np.float32))
        while True:
            yield silence


class StreamedSamples:
    """`StreamedClip.samples`: `len()` and `[i0:i1]` slices (step 1) that decode only the span asked for."""

    def __init__(self, clip: StreamedClip) -> None:
        self._clip = clip

    def __len__(self) -> int:
        return self._clip.frames

    def __getitem__(self, key: slice) -> np.ndarray:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError(f"{self._clip.path}: a streamed clip's samples take [start:stop] slices only")
        start, stop, _ = key.indices(self._clip.frames)
        return self._clip.read(start, stop)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(np.float32)

    @property
    def ndim(self) -> int:
        return 1


__all__ = ["StreamedClip", "StreamedSamples", "CHUNK", "CACHE_CHUNKS"]
