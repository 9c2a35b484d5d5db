"""`neuropuppet train NAME --config FILE`: run a trainer plugin."""
from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model with a trainer plugin and export its artifact",
                       description="Train with a trainer plugin. The built dataset is cached and checkpoints "
                                   "are written in the work dir; an interrupted run resumes from the newest "
                                   "checkpoint. Training stops at the config's epochs, max_steps, max_minutes or "
                                   "patience, and ends with an exported artifact and a metrics report.")
    p.add_argument("name", help="trainer plugin name (see `neuropuppet plugins`)")
    p.add_argument("--config", type=Path, help="YAML config; omitted keys keep their defaults")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one config key after --config (repeatable; dotted keys nest; the value is "
                        "read as YAML), e.g. --set max_steps=2000 --set features=pitch,beat")
    p.add_argument("--workdir", type=Path, help="checkpoints, artifact and report (default runs/NAME)")
    p.add_argument("--print-config", action="store_true", help="print the config (the defaults, with --config and --set applied) as YAML and exit")
    p.add_argument("--no-resume", action="store_true", help="start afresh even if checkpoints exist")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .. import plugins
    from ..config import dump_config, load_config

    cls = plugins.load("trainer", args.name)
    if args.print_config:
        print(dump_config(load_config(cls.config_class, args.config, overrides=args.overrides)), end="")
        return 0
    config = load_config(cls.config_class, args.config, overrides=args.overrides)
    workdir = args.workdir or Path("runs") / args.name
    result = cls(config, workdir=workdir).run(resume=not args.no_resume, progress=not args.no_progress)
    if "steps" in result.metrics and "val_loss" in result.metrics:
        print(f"steps:    {result.metrics['steps']} (stopped by {result.metrics.get('stopped_by', '?')}), "
              f"validation loss {result.metrics['val_loss']:.4g}")
    print(f"artifact: {result.artifact}")
    print(f"report:   {result.report}")
    return 0
