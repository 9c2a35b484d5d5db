"""Play the PFNN locomotion controller on its shipped artifact: `python demos/play_pfnn.py [play options]`.

Same as `neuropuppet play pfnn`; e.g. `--count 5`, `--headless --seconds 10`, `--record walk.npz`.
Gamepad: left stick moves, right stick orbits the camera. Keyboard: WASD/arrows, Shift runs, C crouches.
"""
import sys

from neuropuppet.cli.play import main

if __name__ == "__main__":
    sys.exit(main(["pfnn", *sys.argv[1:]]))
