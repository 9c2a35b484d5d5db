"""BVH parsing benchmark: `run(frames)` writes a synthetic 31-joint CMU-layout BVH and times `read_bvh`."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .bvh import read_bvh

NUM_JOINTS = 31


def write_synthetic_bvh(path: Path, frames: int, seed: int = 0) -> int:
    """A 31-joint chain-of-chains BVH (root 6 channels ZYX, others 3) with random angles; returns bytes."""
    rng = np.random.default_rng(seed)
    lines = ["HIERARCHY", "ROOT Hips", "{", "\tOFFSET 0.000000 0.000000 0.000000",
             "\tCHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation"]
    # Five limbs of six joints each hang off the root: 1 + 5 * 6 = 31 joints.
    for limb in range(5):
        for k in range(6):
            ind = "\t" * (k + 1)
            lines += [f"{ind}JOINT limb{limb}_{k}", f"{ind}{{",
                      f"{ind}\tOFFSET {rng.uniform(-3, 3):.6f} {rng.uniform(-3, 3):.6f} {rng.uniform(-3, 3):.6f}",
                      f"{ind}\tCHANNELS 3 Zrotation Yrotation Xrotation"]
        lines += ["\t" * 7 + "End Site", "\t" * 7 + "{", "\t" * 8 + "OFFSET 0.000000 1.000000 0.000000", "\t" * 7 + "}"]
        lines += ["\t" * (k + 1) + "}" for k in reversed(range(6))]
    lines += ["}", "MOTION", f"Frames: {frames}", "Frame Time: 0.008333"]
    width = 6 + 3 * (NUM_JOINTS - 1)
    with open(path, "w", newline="\r\n") as f:  # CRLF like the CMU files
        f.write("\n".join(lines) + "\n")
        chunk = 10_000
        with tqdm(total=frames, desc="writing benchmark BVH", unit="frame", leave=False) as bar:
            for start in range(0, frames, chunk):
                n = min(chunk, frames - start)
                np.savetxt(f, rng.uniform(-180, 180, size=(n, width)), fmt="%.6f")
                bar.update(n)
    return path.stat().st_size


def run(frames: int = 100_000) -> dict:
    """Time `read_bvh` on a synthetic file of `frames` frames; prints and returns the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.bvh"
        size = write_synthetic_bvh(path, frames)
        t0 = time.perf_counter()
        motion = read_bvh(path)
        seconds = time.perf_counter() - t0
    per_10k = seconds / frames * 10_000 if frames else float("nan")
    print(f"bvh parse: {per_10k:.3f} s per 10 000 frames ({motion.num_frames} frames {motion.num_joints} joints, "
          f"{size / 1e6:.1f} MB, {seconds:.2f} s total)")
    return {"frames": motion.num_frames, "joints": motion.num_joints, "bytes": size, "parse_seconds": seconds,
            "parse_seconds_per_10k_frames": per_10k}


if __name__ == "__main__":
    run()
