"""Add a clip's audio track to a rendered MP4 (ffmpeg from imageio-ffmpeg, AAC), replacing the file atomically."""
from __future__ import annotations

import math
import os
import subprocess
from pathlib import Path

from ..errors import AudioError
from .decode import AudioClip

AAC_BITRATE = "192k"


def mux_audio(video_path: str | Path, clip: AudioClip, seconds: float, *, offset: float = 0.0,
              bitrate: str = AAC_BITRATE) -> Path:
    """Give the MP4 at `video_path` the clip's [offset, offset + seconds) as an AAC track; returns the path.

    The video stream is copied untouched; the file is rewritten to a temporary name beside it and moved
    over the original only once ffmpeg succeeded. Any video stream an earlier mux left is kept, its audio
    replaced.
    """
    video = Path(video_path)
    if not video.is_file():
        raise AudioError(f"{video}: no such video to add the audio track to")
    if not seconds > 0 or offset < 0:
        raise AudioError(f"{video}: audio span must be positive, got {seconds} s from {offset} s")
    try:
        import imageio_ffmpeg
    except ImportError:
        raise AudioError(f"{video}: adding the audio track needs imageio-ffmpeg "
                         "(pip install 'neuropuppet[video]')") from None
    rate = clip.sample_rate
    i0 = math.floor(offset * rate + 1e-6)
    samples = clip.samples[i0:i0 + math.floor(seconds * rate + 1e-6)]
    if len(samples) == 0:
        raise AudioError(f"{clip.path}: has no audio from {offset:.2f} s on ({clip.duration:.2f} s long)")
    tmp = video.with_name(f".{video.stem}.audio-{os.getpid()}{video.suffix}")
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-i", str(video),
           "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
           "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", bitrate,
           "-movflags", "+faststart", str(tmp)]
    try:
        done = subprocess.run(cmd, input=samples.astype("<f4", copy=False).tobytes(), capture_output=True)
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip().splitlines()
            raise AudioError(f"{video}: ffmpeg could not add the audio track of {clip.path.name} "
                             f"({reason[-1] if reason else f'exit status {done.returncode}'})")
        os.replace(tmp, video)
    finally:
        tmp.unlink(missing_ok=True)
    return video


__all__ = ["mux_audio"]
