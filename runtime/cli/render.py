"""`neuropuppet render NAME --out FILE`: offscreen (EGL) capture to PNG frames, a GIF or an MP4."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .play import add_runtime_arguments, build_runtime, save_recording


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render a controller offscreen to PNG frames, GIF or MP4",
                       description="Simulate and render with no display (EGL). Input comes from --input "
                                   "REPLAY, or else a built-in stick pattern (walk forward, turn, stop). "
                                   "OUT: a .gif, .mp4 (needs imageio-ffmpeg), a single .png (last frame), a "
                                   "frame_%04d.png pattern or a folder of PNG frames.")
    add_runtime_arguments(p)
    p.add_argument("--out", required=True, help="output file or folder")
    p.add_argument("--seconds", type=float, default=5.0, help="seconds of simulation to render (default 5)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second (default 30)")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--hud", action="store_true", help="draw the frame-rate / tick-time HUD")
    p.add_argument("--no-overlays", action="store_true", help="hide trajectory / contact / gaze overlays")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..motion_recorder import attach_recorder, finish
    from ..render.capture import render_frames, write_frames

    runtime, hero = build_runtime(args, live_input=None)
    recorder = attach_recorder(args, runtime)
    frames = render_frames(runtime, args.seconds, fps=args.fps, width=args.width, height=args.height,
                           hud=args.hud, overlays=not args.no_overlays, camera=args.camera)
    written = write_frames(frames, args.out, args.fps)
    sessions = getattr(runtime, "audio_sessions", [])
    if sessions and written[0].suffix.lower() != ".mp4":
        print(f"neuropuppet: note: {written[0].suffix or 'PNG'} output has no sound track; render to .mp4 to hear "
              "the music", file=sys.stderr)
    if sessions and written[0].suffix.lower() == ".mp4":
        from ..audio import mux_audio
        # frame k, shown at k/fps, draws the simulation at (k+1)/fps - dt (advance, then interpolate between
        # the last two ticks): the track starts there, so what is heard is what the character is doing
        video_seconds = max(1, round(args.seconds * args.fps)) / args.fps
        mux_audio(written[0], runtime.audio_sessions[0].playback_clip, video_seconds,
                  offset=max(0.0, 1.0 / args.fps - runtime.dt))
    where = written[0] if len(written) == 1 else f"{len(written)} frames in {written[0].parent}"
    print(f"rendered {runtime.tick_count} ticks to {where}")
    save_recording(args, hero)
    finish(args, recorder)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """`neuropuppet render ...` (same as the console command)."""
    from . import main as cli_main
    return cli_main(["render", *(argv or [])])
