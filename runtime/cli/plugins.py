"""`neuropuppet plugins`: every installed controller and trainer plugin, its distribution and status."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plugins", help="list controller and trainer plugins with their status",
                       description="List every plugin registered under the neuropuppet.controllers and "
                                   "neuropuppet.trainers entry-point groups, importing each to check it.")
    p.add_argument("--no-check", action="store_true", help="list from metadata only, import nothing")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .. import plugins

    infos = [i for kind in plugins.GROUPS for _, i in sorted(plugins.discover(kind).items())] if args.no_check \
        else plugins.check_all()
    rows = [("KIND", "NAME", "DISTRIBUTION", "VERSION", "STATUS")]
    rows += [(i.kind, i.name, i.distribution, i.version, i.status + (f": {i.error}" if i.error else ""))
             for i in infos]
    widths = [max(len(r[c]) for r in rows) for c in range(4)]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)) + "  " + r[4])
    return 1 if any(i.status == "error" for i in infos) else 0
