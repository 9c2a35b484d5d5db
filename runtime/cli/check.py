"""`neuropuppet check NAME`: run the conformance checker on a controller plugin (`neuropuppet.checker`)."""
from __future__ import annotations

import argparse

DEFAULT_TICKS = 30      # neuropuppet.checker.DEFAULT_TICKS (not imported here: --help stays fast)


def at_least(low: int) -> "type[int]":
    def parse(text: str) -> int:
        value = int(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value
    parse.__name__ = "integer"
    return parse  # type: ignore[return-value]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="check a controller plugin against the plugin protocol",
                       description="Build the controller and check its declarations, step results (shapes, "
                                   "dtypes, device, declared outputs), reset of single characters, determinism "
                                   "under recorded input, NaN and out-of-range input, batch independence and, "
                                   "for a layer, stacking over a body. Prints each check with ok/FAIL; exits 0 "
                                   "when all pass, 2 otherwise.")
    p.add_argument("name", metavar="NAME", help="controller plugin name (see `neuropuppet plugins`)")
    p.add_argument("--batch", type=at_least(1), default=3, help="characters per instance (default 3)")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p.add_argument("--ticks", type=at_least(2), default=DEFAULT_TICKS,
                   help=f"ticks of recorded input per comparison (default {DEFAULT_TICKS})")
    p.add_argument("--artifact", default=None, help="artifact to build from (default: the plugin's shipped one)")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..checker import check_controller

    report = check_controller(args.name, batch_size=args.batch, device=args.device, ticks=args.ticks,
                              artifact=args.artifact, raise_on_error=False)
    for line in report.lines():
        print(line)
    print(report.summary())
    return 0 if report.ok else 2
