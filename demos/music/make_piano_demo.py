"""Regenerate demos/music/piano_demo.ogg: 25 s of the piano generator's music (seed 9001, not a training seed).

    python demos/music/make_piano_demo.py            # writes demos/music/piano_demo.ogg next to this file

The default music of `neuropuppet play gestures`. OGG Vorbis at quality 0.4 (~100 kB); the notes, beats and
tempo it was made from are in `neuropuppet.motion.synth.piano.generate_clip` with the same seed.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from neuropuppet.motion.synth.common import FPS
from neuropuppet.motion.synth.music import SAMPLE_RATE
from neuropuppet.motion.synth.piano import generate_clip

SEED, SECONDS = 9001, 25.0


def main(out: Path = Path(__file__).with_name("piano_demo.ogg")) -> Path:
    audio, *_ = generate_clip(np.random.default_rng([SEED, 0]), int(SECONDS * FPS))
    sf.write(str(out), audio.astype(np.float32), SAMPLE_RATE, format="OGG", subtype="VORBIS",
             compression_level=0.6)
    return out


if __name__ == "__main__":
    path = main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("piano_demo.ogg"))
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} kB)")
