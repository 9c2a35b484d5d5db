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
    p.add_argument("--layers", metavar="NAME[:P][,NAME[:P]]",
                   help="layers over the body (e.g. lookat,beatnod:1): each owns some joints and writes them over the "
                        "body's pose; two writing one joint need different priorities P (the higher on top)")
    p.add_argument("--target", choices=("auto", "script", "circle", "camera", "pointer", "path"), default="auto",
                   help="what a gaze_target input follows (default: the mouse pointer in a window, else the gaze "
                        "script around the character: fixations, jumps, slow and fast pursuit, near and far)")
    p.add_argument("--music", "--audio", dest="audio", metavar="FILE",
                   help="music for the stacks that listen (inputs 'audio', 'audio_features'; WAV, OGG, FLAC, MP3, "
                        "any rate, mono or stereo): played through the sound device in a window (its playback is the "
                        "clock), stepped deterministically headless and in render; default: the clip a controller "
                        "ships (default_audio(), e.g. gestures' piano clip)")
    p.add_argument("--camera", choices=("follow", "front"), default="follow",
                   help="view: follow (behind the hero) or front (the hero's face: eyes, irises, lids); "
                        "F3 / V cycles them in the window")
    p.add_argument("--bvh", metavar="OUT.bvh", help="write each character's played motion as BVH (several "
                                                   "characters: OUT-<group>-<i>.bvh) and its output channels "
                                                   "to OUT.outputs.npz")
    p.add_argument("--bvh-units", choices=("m", "cm"), default="m",
                   help="length unit of the --bvh files: m (Blender; default) or cm (MotionBuilder)")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="play a controller in a window (gamepad / keyboard)",
                       description="Open a window and drive the character with a gamepad or the keyboard, as "
                                   "in a third-person game: the left stick (WASD/arrows) moves relative to the "
                                   "camera, the right stick (IJKL or mouse drag) orbits the camera, the wheel "
                                   "zooms; F1 or H shows the help (the controls the played controllers declare), "
                                   "F2 or O overlays, F3 or V cameras, P pause, N step, Esc quit. With --headless no window "
                                   "opens and root positions are printed once per simulated second; input then "
                                   "comes from --input, else a built-in walk/turn/stop stick pattern.")
    add_runtime_arguments(p)
    p.add_argument("--headless", action="store_true", help="no window: simulate and print root positions")
    p.add_argument("--seconds", type=float, default=10.0, help="simulated seconds for --headless (default 10)")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--height", type=int, default=720)
    p.add_argument("--max-frames", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def parse_layers(text: str | None) -> list:
    """`--layers a,b:1` -> ["a", {"name": "b", "priority": 1}] (NAME:PRIORITY orders layers writing one joint)."""
    from ..errors import NeuropuppetError
    if not text:
        return []
    out: list = []
    for item in (n.strip() for n in text.split(",")):
        name, _, priority = item.partition(":")
        if not name or (priority and not priority.lstrip("-").isdigit()):
            raise NeuropuppetError(f"--layers {text!r}: give layer names separated by commas, each optionally with "
                                   ":PRIORITY (an integer), e.g. --layers lookat,beatnod:1")
        out.append({"name": name, "priority": int(priority)} if priority else name)
    return out


def target_config(kind: str, windowed: bool) -> dict:
    """The gaze-target source `--target` asks for (see neuropuppet.input.registry)."""
    if kind == "auto":
        kind = "pointer" if windowed else "script"
    if kind == "script":
        return {"kind": "script", "around": "self"}
    if kind == "circle":
        return {"kind": "circle", "around": "self", "radius": 2.0, "period": 7.0}
    if kind == "path":
        return {"kind": "path", "points": [[2, 1.6, 3], [-2, 1.0, 2], [-1, 2.2, -2], [3, 1.4, -1]], "speed": 1.5}
    return {"kind": kind}


def build_runtime(args: argparse.Namespace, live_input: "object | None", *, realtime: bool = False):
    """The Runtime for NAME/--scene; `live_input` (pad+keyboard source) drives groups that ask for a pad.

    Returns (runtime, hero group). --input overrides every group's input with the recording;
    without --input and without a live source, the built-in walk/turn/stop pattern is used. Inputs the
    stack declares get their sources: gaze targets from --target, audio from --audio (or the scene's).
    realtime: a window (music plays through the sound device and is the clock).
    """
    import logging
    import sys

    from ..errors import NeuropuppetError
    from ..input.patterns import demo_input
    from ..input.recording import Recorder, Replay
    from ..input.source import NoInput
    from ..scene import GroupConfig, SceneConfig
    from ..scene import build_runtime as build_scene
    from ..scene import default_input, load_scene

    replay = Replay(args.input, hold=False) if args.input else None
    live = live_input if live_input is not None else demo_input()

    def source_for(cfg):
        if replay is not None:
            return replay
        if cfg.kind in ("gamepad", "keyboard"):
            return live
        return default_input(cfg) if cfg.kind != "none" else NoInput()

    if args.scene:
        scene = load_scene(args.scene)
        where = args.scene
        if args.name:
            scene.characters = [g for g in scene.characters if g.controller == args.name] or scene.characters
        if not scene.characters:
            raise NeuropuppetError(f"{args.scene}: scene has no characters")
    else:
        if not args.name:
            raise NeuropuppetError("give a controller NAME or --scene FILE (see `neuropuppet plugins`)")
        if args.count < 1:
            raise NeuropuppetError(f"--count must be at least 1, got {args.count}")
        where = args.name
        scene = SceneConfig(characters=[GroupConfig(args.name, args.count, artifact=args.artifact,
                                                    device=args.device, layers=parse_layers(args.layers))])
    audio_file = getattr(args, "audio", None) or scene.audio or _default_music(scene.characters)
    sessions = []

    def prepare(runtime):
        if audio_file:
            from ..audio.features import AudioFeatureSource
            from ..audio.session import attach_audio
            session = attach_audio(runtime, audio_file, realtime=realtime, fallback=True, start=not realtime)
            if session.warning:
                print(f"neuropuppet: warning: {session.warning}", file=sys.stderr)
            sessions.append(session)
            # the music's features, computed once per tick for every group that declares them
            runtime.provide("audio_features", AudioFeatureSource(session.clip))

    target = target_config(getattr(args, "target", "auto"), live_input is not None)
    for g in scene.characters:
        declared = _declared_input_names(g)
        if "gaze_target" in declared and "gaze_target" not in g.inputs:
            g.inputs["gaze_target"] = dict(target)
        listens = [n for n in MUSIC_INPUTS if n in declared and n not in g.inputs]
        if listens and not audio_file:
            stack = "+".join([g.controller, *(l if isinstance(l, str) else str(l.get("name")) for l in g.layers)])
            raise NeuropuppetError(f"{where}: {stack} listens to music (input {listens[0]!r}): give --music FILE "
                                   "(or --audio FILE: WAV, OGG, FLAC or MP3), or 'audio:' in the scene")
    log = logging.getLogger("neuropuppet")
    runtime = build_scene(scene, source_for, live=live, prepare=prepare, where=where,
                          on_error=(lambda msg: log.error("%s", msg)) if len(scene.characters) > 1 else None)
    runtime.audio_sessions = sessions
    hero = runtime.groups[0]
    if args.record:
        hero.input = Recorder(hero.input or NoInput(), runtime.clock.rate)
    return runtime, hero


MUSIC_INPUTS = ("audio", "audio_features")
"""Inputs fed from the music file (--music, the scene's `audio:`, or a controller's default_audio())."""


def _stack_classes(g) -> list:
    """The controller classes of a scene group's body and layers (those that load; the others are
    reported when the group is built)."""
    from .. import plugins
    from ..stack import LayerSpec
    out = []
    for item in [g.controller, *g.layers]:
        spec = LayerSpec.parse(item) if not isinstance(item, str) else LayerSpec(item)
        try:
            out.append(plugins.load("controller", spec.name))
        except Exception:
            continue
    return out


def _declared_input_names(g) -> set[str]:
    """Input names the body and layers of a scene group declare (class attributes; imports the plugins)."""
    return {s.name for cls in _stack_classes(g) for s in getattr(cls, "inputs", ())}


def _default_music(groups) -> str | None:
    """The music a stack that listens brings itself: the first `default_audio()` (a classmethod returning a
    file or None) among the controllers of the groups that declare a music input."""
    for g in groups:
        classes = _stack_classes(g)
        if not any(s.name in MUSIC_INPUTS and s.name not in g.inputs for cls in classes
                   for s in getattr(cls, "inputs", ())):
            continue
        for cls in classes:
            default = getattr(cls, "default_audio", None)
            path = default() if callable(default) else None
            if path is not None:
                return str(path)
    return None


def save_recording(args: argparse.Namespace, hero) -> None:
    from ..input.recording import Recorder
    if args.record and isinstance(hero.input, Recorder):
        path = hero.input.save(args.record)
        print(f"recorded {hero.input.num_ticks} ticks of input to {path}")


def run_headless(args: argparse.Namespace) -> int:
    """Simulate `--seconds` with no window; print each group's mean root position once per second."""
    from ..motion_recorder import attach_recorder, finish
    runtime, hero = build_runtime(args, live_input=None)
    recorder = attach_recorder(args, runtime)
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
    finish(args, recorder)
    return 0


def run_window(args: argparse.Namespace) -> int:
    """The interactive window (RenderError with a hint at `render` where no display can be opened)."""
    from ..input.bindings import load_bindings
    from ..input.gamepad import PygameGamepad
    from ..input.keyboard import KeyboardMouse, PadAndKeyboard
    from ..input.source import GamepadInput
    from ..motion_recorder import attach_recorder, finish
    from ..render.app import App
    from ..render.window import Window

    bindings = load_bindings(args.bindings)
    window = Window(args.width, args.height, title=f"neuropuppet: {args.name or args.scene}")
    controls = PadAndKeyboard(KeyboardMouse(bindings), PygameGamepad(bindings))
    app = None
    runtime = None
    try:
        runtime, hero = build_runtime(args, live_input=GamepadInput(controls.read), realtime=True)
        recorder = attach_recorder(args, runtime)
        app = App(runtime, window, controls, camera=args.camera)
        for session in runtime.audio_sessions:      # the music starts with the first frame: it is the clock
            session.start()
        frames = app.run(max_frames=args.max_frames)
        print(f"played {frames} frames, {runtime.tick_count} ticks")
        save_recording(args, hero)
        finish(args, recorder)
    finally:
        for session in getattr(runtime, "audio_sessions", ()):
            session.close()
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
