"""`neuropuppet view FILE.bvh`: play a BVH file in a window (orbit, pause, scrub), or `--out` to frames."""
from __future__ import annotations

import argparse
from typing import Sequence


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("view", help="play a BVH file in a window, or render it offscreen with --out",
                       description="Play any BVH file: P or Space pause, Left/Right one frame back/forward "
                                   "(hold to repeat), Up/Down 1 s, Home restart, Esc quit; IJKL, a mouse drag or "
                                   "the right stick orbit, the wheel zooms. The length unit (metres, centimetres, "
                                   "millimetres, inches or CMU units) is judged from the skeleton's size and "
                                   "printed; --scale overrides it. The figure stands on the ground and the camera "
                                   "follows its root. With --out the clip is rendered offscreen (EGL) like "
                                   "`render`: a .gif, .mp4, a single .png (last frame), a frame_%04d.png pattern "
                                   "or a folder of PNG frames.")
    p.add_argument("file", metavar="FILE.bvh", help="the BVH file to show")
    p.add_argument("--out", help="render offscreen to this file or folder instead of opening a window")
    p.add_argument("--seconds", type=float, default=None, help="seconds to render with --out (default: the clip)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second with --out (default 30)")
    p.add_argument("--width", type=int, default=None, help="pixels (default 1280 in a window, 640 with --out)")
    p.add_argument("--height", type=int, default=None, help="pixels (default 720 in a window, 360 with --out)")
    p.add_argument("--scale", type=float, default=None, help="metres per file unit (default: detected)")
    p.add_argument("--hud", action="store_true", help="draw the frame / time HUD in --out frames")
    p.add_argument("--max-frames", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..motion.player import DisplayClip

    clip = DisplayClip.load(args.file, scale=args.scale)
    print(clip.describe())
    if args.out:
        return render(args, clip)
    return show(args, clip)


def render(args: argparse.Namespace, clip) -> int:
    from ..render.capture import write_frames
    from ..render.motion_view import render_clip_frames

    frames = render_clip_frames(clip, args.seconds, fps=args.fps, width=args.width or 640,
                                height=args.height or 360, hud=args.hud)
    written = write_frames(frames, args.out, args.fps)
    seconds = args.seconds if args.seconds is not None else clip.num_frames * clip.frame_time
    where = written[0] if len(written) == 1 else f"{len(written)} PNG frames in {written[0].parent}"
    print(f"rendered {seconds:.2f} s at {args.fps:g} fps to {where}")
    return 0


def show(args: argparse.Namespace, clip) -> int:
    from ..input.gamepad import PygameGamepad
    from ..input.keyboard import KeyboardMouse, PadAndKeyboard
    from ..render.context import RenderError
    from ..render.motion_view import MotionViewApp
    from ..render.window import Window, display_available

    if not display_available():
        raise RenderError(f"no display: DISPLAY / WAYLAND_DISPLAY are unset. Render the file offscreen instead: "
                          f"`neuropuppet view {args.file} --out clip.gif`")
    window = Window(args.width or 1280, args.height or 720, title=f"neuropuppet view: {args.file}")
    app = None
    try:
        app = MotionViewApp(clip, window, PadAndKeyboard(KeyboardMouse(), PygameGamepad()))
        frames = app.run(max_frames=args.max_frames)
        print(f"showed {frames} frames; stopped at clip frame {app.player.frame}")
    finally:
        if app is not None:
            app.close()
        else:
            window.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`neuropuppet view ...` (same as the console command)."""
    from . import main as cli_main
    return cli_main(["view", *(argv or [])])
