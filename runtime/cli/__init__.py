"""The `neuropuppet` command: plugins, train, play, render, view, bench, data, check, analyze.

Each subcommand lives in its own module exposing `register(subparsers)`; handlers import heavy
modules (torch, pygame) only when they run, so `--help` stays fast.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from typing import Sequence

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # no pygame banner in our output

SUBCOMMANDS = ("plugins", "train", "play", "render", "view", "bench", "data", "check", "analyze")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuropuppet",
        description="Real-time runtime for neural character controllers (PFNN, MANN, gaze, gestures).",
        epilog="Run `neuropuppet COMMAND --help` for a command's options.")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:  # a front end not installed in this build
            if e.name != f"{__name__}.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    from ..errors import NeuropuppetError

    # Library modules report slow one-off work (e.g. compiling a controller's CPU tick) at INFO.
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO, format="neuropuppet: %(message)s")

    try:
        return int(args.handler(args) or 0)
    except NeuropuppetError as e:
        if args.debug or os.environ.get("NEUROPUPPET_DEBUG"):
            raise
        print(f"neuropuppet: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("neuropuppet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
