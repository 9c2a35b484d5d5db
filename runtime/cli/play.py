"""`neuropuppet play NAME`: an interactive window (pad + keyboard), or `--headless` with a printed summary."""
from __future__ import annotations

import argparse
from typing import Sequence


def add_runtime_arguments(p: argparse.ArgumentParser) -> None:
    """Options shared by `play` and `render`: what to run and where its input comes from."""
    p.add_argument("name", nargs="?", help="controller plugin name (see `neuropuppet plugins`); "
                                          "optional with --scene")
    p.add_argument("--artifact", help="trained artifact (default: the plugin's shipped one)")
    p.add_argument("--count", type=int, default=1, help="characters in the group (default 1)")
    p.add_argument("--scene", help="scene YAML (controllers, counts, terrain); replaces NAME")
    p.add_argument("--input", metavar="REPLAY", help="drive the characters from an input recording (.npz)")
    p.add_argument("--record", metavar="OUT", help="write the first group's input to a recording (.npz)")
    p.add_argument("--bindings", help="YAML key/button bindings (see neuropuppet.input.bindings)")
    p.add_argument("--device", help="torch device for the controllers (default cuda if available)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="play a controller in a window (gamepad / keyboard)",
                       description="Open a window and drive the character with a gamepad or the keyboard "
                                   "(WASD/arrows move, Shift runs, C crouches, IJKL or mouse drag orbit the "
                                   "camera; F1 overlays, P pause, N step, Esc quit). With --headless no window "
                                   "opens and root positions are printed once per simulated second; input then "
                                   "comes from --input, else a built-in walk/turn/stop stick pattern.")
    add_runtime_arguments(p)
    p.add_argument("--headless", action="store_true", help="no window: simulate and print root positions")
    p.add_argument("--seconds", type=float, default=10.0, help="simulated seconds for --headless (default 10)")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=720)
    p.add_argument("--max-frames", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def build_runtime(args: argparse.Namespace, live_input: "object | None"):
    """The Runtime for NAME/--scene; `live_input` (pad+keyboard source) drives groups that ask for a pad.

    Returns (runtime, hero group). --input overrides every group's input with the recording;
    without --input and without a live source, the built-in walk/turn/stop pattern is used.
    """
    from ..errors import NeuropuppetError
    from ..input.patterns import demo_input
    from ..input.recording import Recorder, Replay
    from ..input.source import NoInput
    from ..runtime import Runtime
    from ..scene import build_runtime as build_scene
    from ..scene import default_input, load_scene

    replay = Replay(args.input, hold=False) if args.input else None

    def source_for(kind: str):
        if replay is not None:
            return replay
        if kind in ("gamepad", "keyboard"):
            return live_input if live_input is not None else demo_input()
        return NoInput()

    if args.scene:
        scene = load_scene(args.scene)
        if args.name:
            scene.characters = [g for g in scene.characters if g.controller == args.name] or scene.characters
        if not scene.characters:
            raise NeuropuppetError(f"{args.scene}: scene has no characters")
        runtime = build_scene(scene, lambda cfg: source_for(cfg.kind) if cfg.kind in ("gamepad", "keyboard")
                              else (replay or default_input(cfg)))
    else:
        if not args.name:
            raise NeuropuppetError("give a controller NAME or --scene FILE (see `neuropuppet plugins`)")
        if args.count < 1:
            raise NeuropuppetError(f"--count must be at least 1, got {args.count}")
        runtime = Runtime()
        runtime.spawn(args.name, args.count, artifact=args.artifact, device=args.device,
                      input=source_for("gamepad"))
    hero = runtime.groups[0]
    if args.record:
        hero.input = Recorder(hero.input, runtime.clock.rate)
    return runtime, hero


def save_recording(args: argparse.Namespace, hero) -> None:
    from ..input.recording import Recorder
    if args.record and isinstance(hero.input, Recorder):
        path = hero.input.save(args.record)
        print(f"recorded {hero.input.num_ticks} ticks of input to {path}")


def run_headless(args: argparse.Namespace) -> int:
    """Simulate `--seconds` with no window; print each group's mean root position once per second."""
    runtime, hero = build_runtime(args, live_input=None)
    ticks = max(1, int(round(args.seconds / runtime.dt)))
    per_second = max(1, int(round(1.0 / runtime.dt)))
    print(f"headless: {ticks} ticks at {1.0 / runtime.dt:g} Hz, "
          f"{sum(g.controller.batch_size for g in runtime.groups)} characters")
    for tick in runtime.run(ticks):
        if tick % per_second == 0 or tick == ticks:
            for g in runtime.groups:
                root = g.pose.root_position.detach().cpu().float().numpy()
                mean = root.mean(0)
                print(f"t={tick * runtime.dt:6.2f}s  {g.name:<10} root mean "
                      f"x={mean[0]:+8.3f} y={mean[1]:+8.3f} z={mean[2]:+8.3f}")
    save_recording(args, hero)
    return 0


def run_window(args: argparse.Namespace) -> int:
    """The interactive window (RenderError with a hint at `render` where no display can be opened)."""
    from ..input.bindings import load_bindings
    from ..input.gamepad import PygameGamepad
    from ..input.keyboard import KeyboardMouse, PadAndKeyboard
    from ..input.source import GamepadInput
    from ..render.app import App
    from ..render.window import Window

    bindings = load_bindings(args.bindings)
    window = Window(args.width, args.height, title=f"neuropuppet: {args.name or args.scene}")
    controls = PadAndKeyboard(KeyboardMouse(bindings), PygameGamepad(bindings))
    app = None
    try:
        runtime, hero = build_runtime(args, live_input=GamepadInput(controls.read))
        app = App(runtime, window, controls)
        frames = app.run(max_frames=args.max_frames)
        print(f"played {frames} frames, {runtime.tick_count} ticks")
        save_recording(args, hero)
    finally:
        if app is not None:
            app.close()
        else:
            window.close()
    return 0


def run(args: argparse.Namespace) -> int:
    if args.headless:
        return run_headless(args)
    return run_window(args)


def main(argv: Sequence[str] | None = None) -> int:
    """`neuropuppet play ...` with this module alone (demos/play_*.py call it)."""
    from . import main as cli_main
    return cli_main(["play", *(argv or [])])


__all__ = ["register", "run", "main", "add_runtime_arguments", "build_runtime"]
