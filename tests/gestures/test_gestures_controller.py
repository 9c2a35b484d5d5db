"""The `gestures` controller through the public API: conformance, causality, shared features, silence,
bad input, the layer over PFNN, props, and the play/render command lines with music.

Mechanics run on a tiny random artifact of the documented format (gestures_helpers.tiny_artifact);
the command-line tests use the shipped model when there is one."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import neuropuppet as npp
from neuropuppet.audio import load_audio
from neuropuppet.audio.features import AudioFeatureSource
from neuropuppet.checker import check_controller
from neuropuppet.controllers.gestures import GesturesController
from neuropuppet.keyboard import DEFAULT_KEYBOARD
from neuropuppet.ports import TickInputs
from neuropuppet.props import PropsOutput

from gestures_helpers import tiny_artifact, write_music


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return tiny_artifact(tmp_path_factory.mktemp("gestures") / "tiny.pt")


@pytest.fixture(scope="module")
def song(tmp_path_factory) -> Path:
    return write_music(tmp_path_factory.mktemp("music") / "song.wav", seconds=3.0, seed=4)


def performers(tiny: Path, clip, n: int = 1, source: AudioFeatureSource | None = None, rt: npp.Runtime | None = None):
    rt = rt or npp.Runtime(tick_rate=60)
    if "audio_features" not in rt.world_sources:
        rt.provide("audio_features", source or AudioFeatureSource(clip))
    group = rt.spawn("gestures", n, artifact=tiny)
    return rt, group


def run_rotations(rt: npp.Runtime, group, ticks: int) -> np.ndarray:
    out = []
    for _ in rt.run(ticks):
        out.append(group.pose.local_rotations.clone().numpy())
    return np.stack(out)


def test_check_passes(tiny):
    report = check_controller("gestures", artifact=tiny)
    assert report.ok and "layer" in report.passed and not report.warnings, report.lines()


def test_declares_the_music_features_and_the_piano():
    c = GesturesController
    assert [s.name for s in c.inputs] == ["audio_features"] and c.inputs[0].shape == (28,)
    props = [o for o in c.outputs if isinstance(o, PropsOutput)]
    assert len(props) == 1 and props[0].kind == "props"
    names = [b.name for b in props[0].boxes]
    assert {"keys", "bench"} <= set(names) and sum(n.startswith("key ") for n in names) == 36   # 88 keys: 36 black
    keys = props[0].boxes[names.index("keys")]
    assert keys.size[0] == pytest.approx(DEFAULT_KEYBOARD.left_x - DEFAULT_KEYBOARD.right_x)
    assert keys.position[1] + keys.size[1] / 2 == pytest.approx(DEFAULT_KEYBOARD.surface_y)


def test_appending_future_audio_never_changes_a_past_pose(tiny, tmp_path):
    """Causality through the controller: clip B is clip A plus 1.5 s more; the ticks A covers are equal."""
    import soundfile
    a = write_music(tmp_path / "a.wav", seconds=1.5, seed=1)
    samples, rate = soundfile.read(a, dtype="float32")
    noise = np.random.default_rng(0).uniform(-0.8, 0.8, int(1.5 * rate)).astype(np.float32)
    soundfile.write(tmp_path / "b.wav", np.concatenate([samples, noise]), rate)
    ticks = 90                                                            # exactly 1.5 s of ticks
    ra = run_rotations(*performers(tiny, load_audio(a)), ticks)
    rb = run_rotations(*performers(tiny, load_audio(tmp_path / "b.wav")), ticks + 30)
    np.testing.assert_array_equal(ra, rb[:ticks])
    assert np.abs(rb[ticks:] - rb[ticks - 1]).max() > 1e-4               # the appended noise does move it


def test_features_are_computed_once_for_every_performer_and_group(tiny, song):
    clip = load_audio(song)
    source = AudioFeatureSource(clip)
    rt, crowd = performers(tiny, clip, n=5, source=source)
    _, second = performers(tiny, clip, n=2, rt=rt)
    fed = []
    for _ in rt.run(3):
        fed.append(source.extractor.position)               # samples the one extractor has heard
    step = clip.sample_rate / 60
    assert np.diff(fed) == pytest.approx([step, step], abs=1)            # one tick of audio per tick, not seven
    x = crowd.inputs["audio_features"]
    assert torch.equal(x[0], x[4]) and torch.equal(second.inputs["audio_features"][1], x[0])


def test_silence_gives_a_calm_pose(tiny, tmp_path):
    import soundfile
    soundfile.write(tmp_path / "silence.wav", np.zeros(22050 * 4, np.float32), 22050)
    rt, group = performers(tiny, load_audio(tmp_path / "silence.wav"))
    rot = run_rotations(rt, group, 240)
    assert np.isfinite(rot).all()
    assert rot[-60:].std(axis=0).max() < 1e-4                            # the last second: no jitter


def test_nan_and_infinite_features_never_reach_the_pose(tiny):
    c = npp.make("gestures", 3, artifact=tiny)
    x = torch.linspace(-1, 1, 3 * 28).view(3, 28)
    good = c.step(TickInputs(1 / 60, audio_features=x.clone())).local_rotations.clone()
    bad = x.clone()
    bad[0, 3] = float("nan")
    bad[1] = float("inf")
    pose = c.step(TickInputs(1 / 60, 1, audio_features=bad))
    assert pose.is_finite()
    twin = npp.make("gestures", 3, artifact=tiny)                          # rows 0, 1 held their last features
    twin.step(TickInputs(1 / 60, audio_features=x.clone()))
    held = twin.step(TickInputs(1 / 60, 1, audio_features=x.clone())).local_rotations
    torch.testing.assert_close(pose.local_rotations, held)
    assert not torch.equal(good, held)                                      # the state moved on meanwhile
    huge = c.step(TickInputs(1 / 60, 2, audio_features=torch.full((3, 28), 1e30))).local_rotations
    assert torch.isfinite(huge).all()


def test_reset_by_index_restarts_one_performer(tiny):
    c = npp.make("gestures", 2, artifact=tiny)
    x = torch.randn(2, 28)
    first = c.step(TickInputs(1 / 60, audio_features=x)).local_rotations.clone()
    c.step(TickInputs(1 / 60, 1, audio_features=x))
    c.reset([1])
    again = c.step(TickInputs(1 / 60, 2, audio_features=x)).local_rotations
    torch.testing.assert_close(again[1], first[1])
    assert not torch.allclose(again[0], first[0])


def test_other_tick_rates_are_refused(tiny):
    c = npp.make("gestures", 1, artifact=tiny)
    with pytest.raises(npp.InputError, match="60 ticks per second"):
        c.step(TickInputs(1 / 30, audio_features=torch.zeros(1, 28)))


def test_as_a_layer_on_pfnn_it_writes_only_its_joints_and_hides_the_piano(tiny, song):
    clip = load_audio(song)
    rt = npp.Runtime(tick_rate=60)
    rt.provide("audio_features", AudioFeatureSource(clip))
    stacked = rt.spawn("pfnn", layers=[{"name": "gestures", "artifact": str(tiny)}])
    alone = rt.spawn("pfnn")
    owned = [stacked.skeleton.index(j) for j in stacked.layer("gestures").owned_names]
    assert {"Spine1", "Head", "LeftHand", "RightForeArm"} <= set(stacked.layer("gestures").owned_names)
    assert not {"Hips", "LeftUpLeg", "RightFoot"} & set(stacked.layer("gestures").owned_names)
    free = [j for j in range(stacked.skeleton.num_joints) if j not in owned]
    changed = False
    for _ in rt.run(30):
        a, b = stacked.pose, alone.pose
        torch.testing.assert_close(a.root_position, b.root_position)
        torch.testing.assert_close(a.local_rotations[:, free], b.local_rotations[:, free])
        torch.testing.assert_close(a.local_positions, b.local_positions)     # the body's bone lengths kept
        changed = changed or not torch.allclose(a.local_rotations[:, owned], b.local_rotations[:, owned])
    assert changed
    assert float(stacked.interpolated(1.0).extras["props"].max()) == 0.0


def test_place_seats_performers_and_the_props_follow(tiny, song):
    from neuropuppet.render.props import prop_instances
    rt, group = performers(tiny, load_audio(song), n=2)
    group.controller.place(np.array([[3.0, 1.0], [-3.0, 1.0]]), np.array([0.0, np.pi]))
    for _ in rt.run(2):
        pass
    pose = group.interpolated(1.0)
    rows = prop_instances([pose])
    boxes = len(GesturesController.outputs[0].boxes)
    assert rows.shape == (2 * boxes, 13)
    bench = [b.name for b in GesturesController.outputs[0].boxes].index("bench")
    np.testing.assert_allclose(rows[bench, :3], [3.0 + DEFAULT_KEYBOARD.bench_x, DEFAULT_KEYBOARD.bench_height / 2,
                                                 1.0 + DEFAULT_KEYBOARD.bench_z], atol=1e-5)
    keys = rows[boxes, :3]                                                 # the second performer faces -Z
    assert keys[2] < 1.0 - DEFAULT_KEYBOARD.front_z + 1e-3


# -- the command line -----------------------------------------------------------------------------------------
def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "neuropuppet.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def model_args(tiny: Path) -> list[str]:
    return [] if GesturesController.default_artifact() is not None else ["--artifact", str(tiny)]


def test_play_music_headless(tiny, tmp_path):
    song = write_music(tmp_path / "stereo.wav", seconds=2.0, rate=8000, channels=2)      # 8 kHz stereo
    r = cli("play", "gestures", "--music", str(song), "--headless", "--seconds", "1", *model_args(tiny))
    assert r.returncode == 0, r.stderr[-2000:]
    assert "60 ticks" in r.stdout and "gestures" in r.stdout


def test_play_music_in_a_window_follows_the_music_clock(tiny, song):
    """Under Xvfb with the dummy sound driver: the mixer's playback position is the clock."""
    import shutil
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed (apt install xvfb)")
    r = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 640x480x24", sys.executable, "-m", "neuropuppet.cli", "play",
                        "gestures", "--music", str(song), "--max-frames", "40", "--width", "320", "--height", "240",
                        *model_args(tiny)], capture_output=True, text=True, timeout=300,
                       env={**__import__("os").environ, "SDL_AUDIODRIVER": "dummy"})
    assert r.returncode == 0, r.stderr[-2000:]
    played = re.search(r"played (\d+) frames, (\d+) ticks", r.stdout)
    assert played and int(played.group(2)) > 0, r.stdout


def test_play_without_music_uses_the_shipped_clip(tiny):
    assert GesturesController.default_audio() is not None, "demos/music/piano_demo.ogg is missing"
    r = cli("play", "gestures", "--headless", "--seconds", "0.5", *model_args(tiny))
    assert r.returncode == 0, r.stderr[-2000:]


def test_a_bad_music_file_is_one_clear_error(tiny, tmp_path):
    bad = tmp_path / "notes.mp3"
    bad.write_text("not audio at all")
    r = cli("play", "gestures", "--music", str(bad), "--headless", "--seconds", "0.5", *model_args(tiny))
    last = r.stderr.strip().splitlines()[-1]             # (libmpg123 may print its own notes before it)
    assert r.returncode == 2 and last.startswith("neuropuppet: error:") and "notes.mp3" in last, r.stderr


def test_render_writes_video_with_the_music(tiny, song, tmp_path):
    import imageio_ffmpeg
    out = tmp_path / "perf.mp4"
    r = cli("render", "gestures", "--music", str(song), "--seconds", "1", "--fps", "15", "--width", "160",
            "--height", "96", "--out", str(out), *model_args(tiny))
    if r.returncode != 0 and "EGL" in r.stderr:
        pytest.skip(f"no offscreen GL here: {r.stderr.strip()[-200:]}")
    assert r.returncode == 0, r.stderr[-2000:]
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(out)], capture_output=True,
                           text=True).stderr
    assert re.search(r"Stream #.*Video", probe) and re.search(r"Stream #.*Audio: aac", probe), probe


def test_the_renderer_draws_the_piano(tiny, song):
    """Offscreen: the piano and bench show around the performer, and go with the flag."""
    from neuropuppet.render.camera import FollowCamera
    from neuropuppet.render.context import OffscreenTarget, RenderError, create_offscreen_context
    from neuropuppet.render.scene_renderer import SceneRenderer
    try:
        ctx = create_offscreen_context()
    except RenderError as e:
        pytest.skip(f"no offscreen GL here: {e}")
    rt, group = performers(tiny, load_audio(song))
    for _ in rt.run(2):
        pass
    target = OffscreenTarget(ctx, 160, 120)
    renderer = SceneRenderer(ctx)
    camera = FollowCamera(aspect=160 / 120)
    camera.follow(np.array([0.0, 0.9, 0.0]), 0.0)
    try:
        pose = group.interpolated(1.0)
        target.use()
        renderer.draw([pose], camera)
        shown = target.read()
        assert renderer.props.last_count == len(GesturesController.outputs[0].boxes)
        pose.extras["props"][:] = 0.0
        target.use()
        renderer.draw([pose], camera)
        hidden = target.read()
        assert renderer.props.last_count == 0
    finally:
        renderer.release()
        target.release()
        ctx.release()
    differs = np.abs(shown.astype(int) - hidden.astype(int)).max(-1) > 30
    assert differs.mean() > 0.03                                           # the piano covers part of the frame


def test_the_native_tick_equals_the_torchscript_tick(song):
    """Small CPU groups run native.py; it must give the artifact's own poses (and state) tick by tick."""
    assert GesturesController.default_artifact() is not None, "the shipped gestures artifact is missing"
    clip = load_audio(song)
    rt = npp.Runtime(tick_rate=60)
    rt.provide("audio_features", AudioFeatureSource(clip))
    native = rt.spawn("gestures", 2, engine="native")
    torch_ = rt.spawn("gestures", 2, engine="torch")
    assert native.controller.engine == "native" and torch_.controller.engine == "torch"
    for _ in rt.run(120):
        torch.testing.assert_close(native.pose.local_rotations, torch_.pose.local_rotations, atol=1e-4, rtol=0)
    torch.testing.assert_close(native.controller.recurrent.h, torch_.controller.recurrent.h, atol=1e-4, rtol=0)


def test_the_batched_cpu_tick_equals_the_torchscript_tick():
    """CPU groups above 16: the artifact's batched LSTM with the compiled 6D -> quaternion step."""
    assert GesturesController.default_artifact() is not None, "the shipped gestures artifact is missing"
    a, b = npp.make("gestures", 20), npp.make("gestures", 20, engine="torch")
    assert (a.engine, b.engine) == ("batched", "torch")
    g = torch.Generator().manual_seed(0)
    for k in range(20):
        x = torch.randn(20, 28, generator=g)
        torch.testing.assert_close(a.step(TickInputs(1 / 60, k, audio_features=x.clone())).local_rotations,
                                   b.step(TickInputs(1 / 60, k, audio_features=x.clone())).local_rotations,
                                   atol=1e-4, rtol=0)


def test_another_network_layout_runs_in_torchscript(tiny):
    assert npp.make("gestures", 1, artifact=tiny).engine == "torch"
    with pytest.raises(npp.NeuropuppetError, match="native tick does not reproduce"):
        npp.make("gestures", 1, artifact=tiny, engine="native")


def test_smoothing_filters_the_torso_strongly_the_hands_lightly_and_can_be_turned_off(tiny):
    """Default: the torso-to-upper-arm joints low-passed at SMOOTHING_HZ, the forearms and hands at the higher
    HAND_SMOOTHING_HZ (less lag, less cut); a {joint: 0} mapping leaves a joint as the network wrote it;
    smoothing_hz=0 is the network's own output; a bad option is one clear error."""
    from neuropuppet.controllers.gestures.controller import HAND_SMOOTHING_HZ, SMOOTHING_HZ, default_smoothing
    smooth, raw = npp.make("gestures", 2, artifact=tiny), npp.make("gestures", 2, artifact=tiny, smoothing_hz=0)
    table = default_smoothing(smooth.joints)
    assert table["Spine"] == SMOOTHING_HZ and table["LeftHand"] == table["RightForeArm"] == HAND_SMOOTHING_HZ
    assert HAND_SMOOTHING_HZ > SMOOTHING_HZ
    hand_names = [j for j in smooth.joints if table[j] == HAND_SMOOTHING_HZ]
    sharp = npp.make("gestures", 2, artifact=tiny, smoothing_hz={j: 0.0 for j in hand_names})
    sk = smooth.skeleton
    torso = [sk.index(j) for j in smooth.joints if table[j] == SMOOTHING_HZ]
    hands = [sk.index(j) for j in hand_names]
    g = torch.Generator().manual_seed(1)
    a, b, c = [], [], []
    for k in range(90):
        x = torch.randn(2, 28, generator=g) * 3.0
        a.append(smooth.step(TickInputs(1 / 60, k, audio_features=x.clone())).local_rotations.clone().numpy())
        b.append(raw.step(TickInputs(1 / 60, k, audio_features=x.clone())).local_rotations.clone().numpy())
        c.append(sharp.step(TickInputs(1 / 60, k, audio_features=x.clone())).local_rotations.clone().numpy())
    a, b, c = np.stack(a), np.stack(b), np.stack(c)
    np.testing.assert_array_equal(a[0], b[0])                                   # the first tick: as written
    np.testing.assert_allclose(c[:, :, hands], b[:, :, hands], atol=1e-6)       # {joint: 0}: unfiltered
    np.testing.assert_allclose(c[:, :, torso], a[:, :, torso], atol=1e-6)       # the rest of the default kept
    jerk = lambda q: np.abs(np.diff(q * np.sign(q[..., :1]), 3, axis=0)).mean()
    assert jerk(a[:, :, torso]) < 0.6 * jerk(b[:, :, torso])
    assert jerk(a[:, :, hands]) < jerk(b[:, :, hands])
    assert jerk(a[:, :, hands]) / jerk(b[:, :, hands]) > jerk(a[:, :, torso]) / jerk(b[:, :, torso])
    with pytest.raises(npp.NeuropuppetError, match="does not write"):
        npp.make("gestures", 1, artifact=tiny, smoothing_hz={"LeftFoot": 3.0})
    with pytest.raises(npp.NeuropuppetError, match="finite"):
        npp.make("gestures", 1, artifact=tiny, smoothing_hz=-1.0)


def test_performers_start_from_the_state_their_network_settles_into_on_silence(tiny):
    from neuropuppet.artifacts import load_artifact
    from neuropuppet.audio.features import FeatureExtractor
    module = load_artifact(tiny, controller="gestures", device="cpu").module
    c = npp.make("gestures", 3, artifact=tiny, settle_s=0.5)
    extractor = FeatureExtractor(1 / 60)
    for _ in range(8):
        silent = extractor.push(np.zeros(368, np.float32))
    h = torch.zeros_like(c.recurrent.h[:, :1])
    cell = torch.zeros_like(h)
    with torch.no_grad():
        for _ in range(30):                                               # 0.5 s at 60 ticks per second
            _, h, cell = module(torch.from_numpy(silent.copy()).view(1, -1), h, cell)
    assert h.abs().max() > 0
    for row in range(3):
        torch.testing.assert_close(c.recurrent.h[:, row], h[:, 0])
        torch.testing.assert_close(c.recurrent.c[:, row], cell[:, 0])
    c.step(TickInputs(1 / 60, audio_features=torch.randn(3, 28)))
    moved = c.recurrent.h[:, 2].clone()
    c.reset([0, 1])                                                       # back to the settled state
    torch.testing.assert_close(c.recurrent.h[:, 0], h[:, 0])
    assert torch.equal(c.recurrent.h[:, 2], moved)
    zero = npp.make("gestures", 2, artifact=tiny, settle_s=0)             # 0: the zero state, as in training
    assert zero.recurrent.h.abs().max() == 0 and zero.recurrent.c.abs().max() == 0
    for bad in (-1.0, float("nan"), "long", 1e4):
        with pytest.raises(npp.InputError, match="settle_s"):
            npp.make("gestures", 1, artifact=tiny, settle_s=bad)
