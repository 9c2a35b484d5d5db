"""Peak memory of reading a long file through AudioSource, streamed vs decoded whole.

    python -m neuropuppet.audio.stream_memory [MINUTES]     # default 60: a 1-hour 44.1 kHz stereo WAV

Writes a tone WAV of MINUTES into a temporary folder (~10.6 MB a minute), then in two fresh processes reads
it tick by tick (60 ticks/s at 22050 Hz) with `load_audio(stream=True)` and `stream=False`, and prints each
one's peak RSS (VmHWM) beside what the imports alone took.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

_READER = """
import json, sys, time
from neuropuppet.audio import AudioSource, load_audio
def peak():   # VmHWM (kB): this process's own peak (ru_maxrss keeps the forking parent's across exec)
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
r0 = peak()
t0 = time.perf_counter()
clip = load_audio(sys.argv[1], stream=sys.argv[2] == "stream")
src, total, k, ended = AudioSource(clip), 0, 0, False
while not ended:
    b = src.block(k / 60, (k + 1) / 60)
    total, k, ended = total + len(b.samples), k + 1, b.ended
print(json.dumps([type(clip).__name__, r0 / 1024, peak() / 1024,
                  total, time.perf_counter() - t0]))
"""


def main(minutes: float = 60.0) -> None:
    import soundfile as sf

    rate = 44100
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.wav"
        with sf.SoundFile(str(path), "w", rate, 2, subtype="PCM_16") as f:
            t = np.arange(rate * 10) / rate
            block = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            for _ in range(max(int(minutes * 6), 1)):
                f.write(np.stack([block, block], 1))
        print(f"{path.stat().st_size / 2 ** 20:.0f} MB WAV, {minutes:g} min, 44.1 kHz stereo, read at 22050 Hz")
        for mode in ("stream", "whole"):
            out = subprocess.run([sys.executable, "-c", _READER, str(path), mode], capture_output=True, text=True,
                                 check=True)
            kind, before, after, total, secs = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{mode:6s} {kind:12s} peak RSS {after:7.1f} MB (imports {before:6.1f} MB: +{after - before:7.1f} MB)"
                  f"  {total} samples in {secs:.1f} s")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0)
