"""README pictures of the shipped dog, one per gait and action:
`python -m neuropuppet.controllers.mann.pictures [--out docs/img] [--artifact PATH]`.

Per picture it writes a scripted pad recording (from standstill: the gait's selector with the stick to the
right, so the follow camera sees the dog side-on; the actions after 1.5 s of walking right, with the stick
released; the jump from a trot) and renders its last frame with
`neuropuppet render mann --input REC --seconds S --out OUT/mann_<name>.png` (offscreen, EGL).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from neuropuppet.artifacts import load_artifact

from .controller import MANNController
from .features import FPS
from .quality import gait_pad

PICTURES = (("walk", 5.0), ("pace", 5.0), ("trot", 5.0), ("canter", 5.0), ("sit", 3.0), ("stand", 3.0),
            ("lie", 3.0), ("jump", 2.0))
"""(gait or action, seconds of it); the jump is pictured 0.35 s after A is pressed during a trot."""
JUMP_AT = 0.35
SIDE = (1.0, 0.0)
"""The stick of the moving gaits: to the right of the camera, which shows the dog from its side."""


def recording(ctrl: MANNController, name: str, seconds: float) -> np.ndarray:
    """Pads [T, 1, 21] of one picture's script."""
    table = ctrl.table
    if name == "jump":
        lead = gait_pad(table, table.moving, SIDE).expand(int(seconds * FPS), 21)
        hop = gait_pad(table, "jump", SIDE).expand(int(JUMP_AT * FPS), 21)
        pads = np.concatenate([lead.numpy(), hop.numpy()])
    elif name in ("walk", "pace", "trot", "canter"):
        pads = gait_pad(table, name, SIDE).expand(int(seconds * FPS), 21).numpy()
    else:                                   # turn side-on first: walk right for 1.5 s, then the action in place
        turn = gait_pad(table, "walk", SIDE).expand(int(1.5 * FPS), 21)
        pads = np.concatenate([turn.numpy(), gait_pad(table, name, (0.0, 0.0)).expand(int(seconds * FPS), 21).numpy()])
    rest = np.zeros((int(FPS), 21), np.float32)
    return np.concatenate([rest, pads])[:, None].astype(np.float32)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m neuropuppet.controllers.mann.pictures", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=Path("docs/img"))
    p.add_argument("--artifact", type=Path, default=None, help="a mann artifact (default: the shipped one)")
    p.add_argument("--only", nargs="*", default=None, help="some of the pictures (names)")
    a = p.parse_args(argv)
    art = a.artifact or MANNController.default_artifact()
    ctrl = MANNController.from_artifact(load_artifact(art, controller="mann"), script=False)
    a.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, seconds in PICTURES:
            if name not in ctrl.gaits or (a.only and name not in a.only):
                continue
            pads = recording(ctrl, name, seconds)
            rec = Path(tmp) / f"{name}.npz"
            np.savez_compressed(rec, tick_rate=np.float64(FPS), gamepad=pads)
            out = a.out / f"mann_{name}.png"
            cmd = [sys.executable, "-m", "neuropuppet.cli", "render", "mann", "--artifact", str(art), "--input", str(rec),
                   "--seconds", f"{len(pads) / FPS:.3f}", "--out", str(out)]
            subprocess.run(cmd, check=True)
            print(f"wrote {out}")


if __name__ == "__main__":
    main()
