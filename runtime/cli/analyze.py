"""`neuropuppet analyze NAME [OPTIONS]`: run a controller plugin's own analysis (its package's `analyze` module).

A plugin offers an analysis by shipping a module `analyze` beside its controller class's module (the
controller `neuropuppet.controllers.mann.controller:MANNController` -> `neuropuppet.controllers.mann.analyze`)
with `main(argv, prog) -> int`; everything after NAME is passed to it (`neuropuppet analyze mann --help`).
"""
from __future__ import annotations

import argparse
import importlib


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="run a controller plugin's analysis (e.g. mann: what the experts do)",
                       description="Run the analysis a controller plugin ships (its package's `analyze` module); "
                                   "the options after NAME are the plugin's: `neuropuppet analyze NAME --help`.")
    p.add_argument("name", metavar="NAME", help="controller plugin name (see `neuropuppet plugins`)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the plugin analysis's own options")
    p.set_defaults(handler=run)


def analysis_module(name: str):
    """The `analyze` module of controller plugin `name`; PluginError when it offers none."""
    from ..errors import PluginError
    from ..plugins import load

    cls = load("controller", name)
    package = cls.__module__.rpartition(".")[0]
    target = f"{package}.analyze" if package else "analyze"
    try:
        module = importlib.import_module(target)
    except ModuleNotFoundError as e:
        if e.name not in (target, package):
            raise
        raise PluginError(f"controller plugin {name!r} offers no analysis (no module {target})") from None
    if not callable(getattr(module, "main", None)):
        raise PluginError(f"controller plugin {name!r}: {target} has no main(argv, prog) function")
    return module


def run(args: argparse.Namespace) -> int:
    return int(analysis_module(args.name).main(list(args.args), prog=f"neuropuppet analyze {args.name}") or 0)
