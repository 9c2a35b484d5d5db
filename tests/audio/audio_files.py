"""Generated audio test files (written with soundfile itself) and a tone analyser."""
from __future__ import annotations

from pathlib import Path

import numpy as np

FORMATS = {  # extension -> (libsndfile format, subtype)
    "wav": ("WAV", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
    "flac": ("FLAC", "PCM_16"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
}
LEFT_HZ, RIGHT_HZ = 440.0, 660.0


def tone(seconds: float, rate: int, channels: int, *, onset: float = 0.0, amplitude: float = 0.5) -> np.ndarray:
    """[n, channels]: 440 Hz on the left (and mono), 660 Hz on the right, silent before `onset` seconds."""
    t = np.arange(int(round(seconds * rate))) / rate
    gate = (t >= onset).astype(np.float64)
    cols = [amplitude * gate * np.sin(2 * np.pi * LEFT_HZ * t)]
    if channels == 2:
        cols.append(amplitude * gate * np.sin(2 * np.pi * RIGHT_HZ * t))
    return np.stack(cols, axis=1).astype(np.float32)


def write_tone(path: Path, *, rate: int = 44100, channels: int = 2, seconds: float = 1.0, onset: float = 0.0) -> Path:
    import soundfile as sf
    fmt, subtype = FORMATS[path.suffix[1:]]
    sf.write(str(path), tone(seconds, rate, channels, onset=onset), rate, format=fmt, subtype=subtype)
    return path


def amplitude_at(samples: np.ndarray, rate: int, hz: float) -> float:
    """Amplitude of the `hz` component (single-bin DFT over the whole signal, Hann window)."""
    n = len(samples)
    w = np.hanning(n)
    t = np.arange(n) / rate
    return float(2 * abs(np.sum(samples * w * np.exp(-2j * np.pi * hz * t))) / w.sum())
