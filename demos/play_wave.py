"""Play the third-party `wave` plugin (demos/plugins/neuropuppet-wave): `python demos/play_wave.py [options]`.

Right trigger (Shift on the keyboard) sets how fast it waves. Installed with
`pip install -e demos/plugins/neuropuppet-wave`; when it is not installed, this script registers it
in-process from that folder so the demo still runs.
"""
import sys
from pathlib import Path

from neuropuppet import plugins
from neuropuppet.cli.play import main

if __name__ == "__main__":
    if "wave" not in plugins.discover("controller"):
        sys.path.insert(0, str(Path(__file__).resolve().parent / "plugins" / "neuropuppet-wave"))
        from neuropuppet_wave import WaveController
        plugins.register("controller", "wave", WaveController)
    sys.exit(main(["wave", *sys.argv[1:]]))
