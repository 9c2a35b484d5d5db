"""`neuropuppet data synth KIND`: generate synthetic training data."""
from __future__ import annotations

import argparse
from pathlib import Path

KINDS = ("biped", "quadruped", "gaze", "music", "piano")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("data", help="generate synthetic motion data", description="Data tools.")
    dsub = p.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    s = dsub.add_parser("synth", help="write deterministic synthetic motion (BVH + labels) to a folder",
                        description="Write seeded synthetic clips as BVH files with sidecar labels "
                                    "(biped: + terrain height fields; music and piano: + WAV; piano: + notes, beats and keyboard geometry in the labels).")
    s.add_argument("kind", choices=KINDS)
    s.add_argument("--out", type=Path, required=True, help="output folder")
    s.add_argument("--minutes", type=float, default=2.0, help="total minutes of motion (default 2)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--no-progress", action="store_true")
    s.set_defaults(handler=run_synth)


def run_synth(args: argparse.Namespace) -> int:
    from ..errors import NeuropuppetError
    from ..motion.synth import generate

    if not args.minutes > 0:
        raise NeuropuppetError(f"--minutes must be positive, got {args.minutes}")
    paths = generate(args.kind, args.out, args.minutes, args.seed, progress=not args.no_progress)
    print(f"wrote {len(paths)} files to {args.out}")
    return 0
