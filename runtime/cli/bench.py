"""`neuropuppet bench [WHAT]`: print benchmark figures."""
from __future__ import annotations

import argparse
import importlib
import json

TARGETS = {
    "runtime": "neuropuppet.benchmarks",
    "motion": "neuropuppet.motion.benchmark",
    "pfnn": "neuropuppet.controllers.pfnn.benchmark",
    "mann": "neuropuppet.controllers.mann.benchmark",
    "render": "neuropuppet.render.benchmark",
    "nn": "neuropuppet.nn.benchmark",
    "features": "neuropuppet.audio.features_bench",
    "gestures": "neuropuppet.controllers.gestures.benchmark",
    "gaze": "neuropuppet.controllers.gaze.benchmark",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmark the runtime, a controller, BVH parsing or the renderer",
                       description="Print benchmark figures. runtime: per-tick overhead and artifact backend "
                                   "latency; motion: BVH parsing; pfnn: controller latency and crowd size; "
                                   "gaze: the gaze layer's tick and crowd beside plain cells; "
                                   "gestures: music features + the pianist per tick and the crowd sharing one stream; "
                                   "render: frame time.")
    p.add_argument("what", nargs="*", default=["runtime"], choices=[*TARGETS, "all"], metavar="WHAT",
                   help=f"one or more of {', '.join(TARGETS)}, all (default runtime)")
    p.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import torch

    torch.set_grad_enabled(False)
    names = list(TARGETS) if "all" in args.what else args.what
    results = {}
    for name in names:
        print(f"== {name}")
        results[name] = importlib.import_module(TARGETS[name]).run()
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2, default=float)
    return 0
