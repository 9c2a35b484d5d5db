"""Input sources by kind, as scenes and the CLI name them: `{kind: circle, radius: 2}`.

Built-in kinds:
  gamepad, keyboard   the live pad + keyboard in a window; headless, the built-in stick pattern
  pattern             the built-in walk / turn / stop stick pattern
  none                a resting pad
  replay              an input recording: {file: rec.npz}
  circle              a point circling {center, radius, height, period, bob} or {around: GROUP or self}
  path                a point moving along {points: [[x, y, z], ...], speed, loop}
  script              the headless gaze script around each character ({around: self}): fixations, jumps,
                      slow and fast pursuit, near and far (neuropuppet.input.scripted_target)
  camera              the camera (look at the player)
  pointer             the point under the mouse (window), else a circle around the character
  head                another character's joint: {of: GROUP, joint: Head, index: 0}
  constant            a fixed value: {value: [x, y, z]}
  audio               a music file's samples on the simulation clock: {file: song.ogg}
  audio_features      causal music features of a file (neuropuppet.audio.features): {file: song.ogg, n_mfcc: 20}
Third-party kinds: the entry-point group `neuropuppet.sources`, name -> a factory called as
`factory(input_name, context, **params)` returning a source (see `SourceContext`).
"""
from __future__ import annotations

import importlib.metadata as md
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..errors import ConfigError, NeuropuppetError
from .source import ConstantInput, InputSource, NoInput

if TYPE_CHECKING:
    from ..runtime import CharacterGroup, Runtime

GROUP = "neuropuppet.sources"


@dataclass
class SourceContext:
    """What a source factory may use: the runtime, the groups built so far by name, the live pad source
    (None headless), and `later` callbacks run with the group once it exists (for `around: self`)."""

    runtime: "Runtime"
    groups: dict[str, "CharacterGroup"] = field(default_factory=dict)
    live: InputSource | None = None
    later: list[Callable[["CharacterGroup"], None]] = field(default_factory=list)


def _group(ctx: SourceContext, name: str, where: str) -> "CharacterGroup":
    if name not in ctx.groups:
        raise ConfigError(f"{where}: no character group named {name!r} before this one "
                          f"(named so far: {', '.join(ctx.groups) or 'none'}; give groups a 'name:')")
    return ctx.groups[name]


def _pattern(input_name: str, ctx: SourceContext, **p: Any) -> InputSource:
    from .patterns import demo_input
    return demo_input()


def _live(input_name: str, ctx: SourceContext, **p: Any) -> InputSource:
    return ctx.live if ctx.live is not None else _pattern(input_name, ctx)


def _none(input_name: str, ctx: SourceContext, **p: Any) -> InputSource:
    return NoInput()


def _replay(input_name: str, ctx: SourceContext, file: str | None = None, hold: bool = False) -> InputSource:
    from .recording import Replay
    if not file:
        raise ConfigError("a replay input needs a file")
    return Replay(file, hold=hold)


def _circle(input_name: str, ctx: SourceContext, around: str | None = None, **p: Any) -> InputSource:
    from .targets import CircleTarget
    src = CircleTarget(name=input_name, **p)
    if around == "self":
        ctx.later.append(lambda g: setattr(src, "around", g))
    elif around is not None:
        src.around = _group(ctx, around, f"circle target around {around!r}")
    return src


def _script(input_name: str, ctx: SourceContext, around: str | None = "self") -> InputSource:
    from .scripted_target import ScriptedGazeTarget
    src = ScriptedGazeTarget(name=input_name)
    if around == "self":
        ctx.later.append(lambda g: setattr(src, "around", g))
    elif around is not None:
        src.around = _group(ctx, around, f"script target around {around!r}")
    return src


def _path(input_name: str, ctx: SourceContext, **p: Any) -> InputSource:
    from .targets import PathTarget
    return PathTarget(name=input_name, **p)


def _camera(input_name: str, ctx: SourceContext, **p: Any) -> InputSource:
    from .targets import CameraTarget
    return CameraTarget(ctx.runtime, name=input_name)


def _pointer(input_name: str, ctx: SourceContext, **p: Any) -> InputSource:
    from .targets import PointerTarget
    fallback = _circle(input_name, ctx, around="self", **p)
    return PointerTarget(ctx.runtime, fallback, name=input_name)   # type: ignore[arg-type]


def _head(input_name: str, ctx: SourceContext, of: str | None = None, joint: str = "Head",
          index: int | None = 0) -> InputSource:
    from .targets import JointTarget
    if of is None:
        raise ConfigError("a head target needs 'of: GROUP' (the group whose character to look at)")
    return JointTarget(_group(ctx, of, f"head target of {of!r}"), joint, index, name=input_name)


def _constant(input_name: str, ctx: SourceContext, value: Any = 0.0) -> InputSource:
    return ConstantInput(input_name, value)


def _audio(input_name: str, ctx: SourceContext, file: str | None = None, **p: Any) -> InputSource:
    if not file:
        raise ConfigError("an audio input needs a file")
    from ..audio import AudioSource, load_audio
    return AudioSource(load_audio(file, **p))


def _audio_features(input_name: str, ctx: SourceContext, file: str | None = None, **p: Any) -> InputSource:
    if not file:
        raise ConfigError("an audio_features input needs a file")
    from ..audio import load_audio
    from ..audio.features import AudioFeatureSource
    return AudioFeatureSource(load_audio(file), name=input_name, **p)


BUILT_IN: dict[str, Callable[..., InputSource]] = {
    "gamepad": _live, "keyboard": _live, "pattern": _pattern, "none": _none, "replay": _replay, "circle": _circle,
    "path": _path, "script": _script, "camera": _camera, "pointer": _pointer, "mouse": _pointer, "head": _head,
    "constant": _constant, "audio": _audio, "audio_features": _audio_features,
}


def source_kinds() -> list[str]:
    return sorted(set(BUILT_IN) | {ep.name for ep in md.entry_points(group=GROUP)})


def build_source(config: dict[str, Any], input_name: str, ctx: SourceContext, where: str = "input") -> InputSource:
    """The source a config mapping describes ({kind: ..., params}); ConfigError naming `where` otherwise."""
    if not isinstance(config, dict) or "kind" not in config:
        raise ConfigError(f"{where}: an input source is a mapping with a 'kind' ({', '.join(source_kinds())})")
    params = {k: v for k, v in config.items() if k != "kind"}
    kind = config["kind"]
    factory = BUILT_IN.get(kind)
    if factory is None:
        for ep in md.entry_points(group=GROUP):
            if ep.name == kind:
                factory = ep.load()
                break
    if factory is None:
        raise ConfigError(f"{where}: unknown source kind {kind!r} (kinds: {', '.join(source_kinds())})")
    try:
        return factory(input_name, ctx, **params)
    except TypeError as e:
        raise ConfigError(f"{where}: bad parameters for a {kind!r} source ({e})") from None
    except NeuropuppetError as e:
        raise type(e)(f"{where}: {e}") from None


__all__ = ["SourceContext", "build_source", "source_kinds", "BUILT_IN"]
