"""`python -m neuropuppet.trainers.gestures --features pitch,beat,rms`: train one feature set.

The same run as `neuropuppet train gestures --config FILE`, with the feature set (and the data folder,
step budget) on the command line; the feature study is `python -m neuropuppet.trainers.gestures.study`.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from neuropuppet.config import load_config
from neuropuppet.errors import NeuropuppetError

from .config import GesturesTrainConfig
from .train import GesturesTrainer


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m neuropuppet.trainers.gestures", description=__doc__.split("\n")[0])
    p.add_argument("--features", help="feature set: groups of pitch, beat, rms, mfcc (or all), e.g. pitch,beat,rms")
    p.add_argument("--config", type=Path, help="YAML config; omitted keys keep their defaults")
    p.add_argument("--data", help="data folder (NAME.wav + NAME.bvh clips)")
    p.add_argument("--max-steps", type=int)
    p.add_argument("--workdir", type=Path, default=Path("runs/gestures"))
    p.add_argument("--no-resume", action="store_true")
    p.add_argument("--no-progress", action="store_true")
    args = p.parse_args(argv)
    try:
        cfg = load_config(GesturesTrainConfig, args.config) if args.config else GesturesTrainConfig()
        overrides = {k: v for k, v in (("features", args.features), ("data", args.data),
                                       ("max_steps", args.max_steps)) if v is not None}
        result = GesturesTrainer(replace(cfg, **overrides), workdir=args.workdir).run(
            resume=not args.no_resume, progress=not args.no_progress)
    except NeuropuppetError as e:
        print(f"neuropuppet: error: {e}", file=sys.stderr)
        return 2
    print(f"artifact: {result.artifact}\nreport:   {result.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
