"""BVH motion-capture files: read, write, resample.

Reading accepts files as they come: any channel order per joint, 0-6 channels per joint (position
channels on non-root joints are read into `Motion.positions`), End Sites (kept in
`Skeleton.end_sites`), CRLF / CR / LF line endings, very long lines, zero-length offsets.
The MOTION block is parsed in one vectorised call; a malformed file raises
`MotionDataError` with "file:line: reason".

Units. BVH has none; `scale` multiplies every offset and position channel. The CMU database as
converted by cgspeed (the 31-joint "Hips, LHipJoint, LeftUpLeg, ..." files) stores lengths in
the ASF unit of 1/0.45 inch, so metres = value * `CMU_SCALE` (= 2.54 / 0.45 / 100 = 0.056444):
`read_bvh(path, scale=CMU_SCALE)`. Files written by neuropuppet are in metres (scale 1).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from ..errors import MotionDataError
from .motion import Motion
from .rotations import quat_from_euler, quat_slerp, quat_to_euler
from .skeleton import Skeleton

CMU_SCALE = 2.54 / 0.45 / 100.0  # metres per CMU cgspeed BVH unit (ASF length unit of 1/0.45 inch)

_POSITION = {"xposition": 0, "yposition": 1, "zposition": 2}
_ROTATION = {"xrotation": "X", "yrotation": "Y", "zrotation": "Z"}
_CHUNK = 4096  # frames per Euler-conversion chunk
_CANONICAL = {"xposition": "Xposition", "yposition": "Yposition", "zposition": "Zposition",
              "xrotation": "Xrotation", "yrotation": "Yrotation", "zrotation": "Zrotation"}


@dataclass
class _Joint:
    name: str
    parent: int
    offset: np.ndarray
    channels: tuple[str, ...] = ()
    line: int = 0


def _fail(path: str, line: int | None, reason: str) -> MotionDataError:
    where = f"{path}:{line}" if line is not None else str(path)
    return MotionDataError(f"{where}: {reason}")


class _Tokens:
    """Whitespace tokens of the HIERARCHY header, each with its 1-based line number."""

    def __init__(self, lines: list[str], path: str):
        self.items: list[tuple[str, int]] = []
        self.path = path
        self.pos = 0
        self.end_line = 1
        for n, line in enumerate(lines, start=1):
            self.end_line = n
            for tok in line.split():
                self.items.append((tok, n))

    def next(self, what: str) -> tuple[str, int]:
        if self.pos >= len(self.items):
            raise _fail(self.path, self.end_line, f"file ends inside HIERARCHY while expecting {what}")
        tok = self.items[self.pos]
        self.pos += 1
        return tok

    def peek(self) -> str | None:
        return self.items[self.pos][0] if self.pos < len(self.items) else None

    def expect(self, word: str) -> int:
        tok, line = self.next(repr(word))
        if tok.upper() != word.upper():
            raise _fail(self.path, line, f"expected {word!r}, found {tok!r}")
        return line

    def number(self, what: str, kind: type = float) -> float:
        tok, line = self.next(what)
        try:
            return kind(tok)
        except ValueError:
            raise _fail(self.path, line, f"{what} must be a number, found {tok!r}") from None


def _parse_joint(tok: _Tokens, name: str, parent: int, joints: list[_Joint],
                 end_sites: dict[int, np.ndarray], line: int) -> None:
    index = len(joints)
    tok.expect("{")
    tok.expect("OFFSET")
    offset = np.array([tok.number(f"OFFSET of joint {name!r}") for _ in range(3)])
    joint = _Joint(name, parent, offset, (), line)
    joints.append(joint)
    if (tok.peek() or "").upper() == "CHANNELS":
        _, cline = tok.next("CHANNELS")
        count = int(tok.number(f"CHANNELS count of joint {name!r}", int))
        if not 0 <= count <= 6:
            raise _fail(tok.path, cline, f"joint {name!r} declares {count} channels; expected 0 to 6")
        chans = []
        for _ in range(count):
            c, ln = tok.next(f"a channel name of joint {name!r}")
            if c.lower() not in _CANONICAL:
                raise _fail(tok.path, ln, f"unknown channel {c!r} of joint {name!r} "
                                          "(expected X/Y/Z position or rotation)")
            chans.append(c.lower())
        rot = [c for c in chans if c in _ROTATION]
        pos = [c for c in chans if c in _POSITION]
        order = "".join(_ROTATION[c] for c in rot)
        if rot and sorted(order) != ["X", "Y", "Z"]:
            raise _fail(tok.path, cline, f"unknown rotation order {order!r} for joint {name!r}: "
                                         "need one each of Xrotation, Yrotation, Zrotation")
        if len(set(pos)) != len(pos):
            raise _fail(tok.path, cline, f"joint {name!r} repeats a position channel")
        joint.channels = tuple(chans)
    while True:
        word, wline = tok.next(f"JOINT, End Site or '}}' in joint {name!r}")
        key = word.upper()
        if key == "}":
            return
        if key == "JOINT":
            child, cl = tok.next("a joint name")
            _parse_joint(tok, child, index, joints, end_sites, cl)
        elif key == "END":
            tok.expect("Site")
            tok.expect("{")
            tok.expect("OFFSET")
            end_sites[index] = np.array([tok.number(f"End Site OFFSET of joint {name!r}") for _ in range(3)])
            tok.expect("}")
        else:
            raise _fail(tok.path, wline, f"unexpected {word!r} in joint {name!r}; expected JOINT, End Site or '}}'")


def _split_header(lines: list[str], path: str) -> tuple[int, int, float, int]:
    """Line indices: (MOTION line, declared frames, frame time, first frame-data line index)."""
    motion_at = next((i for i, l in enumerate(lines) if l.strip().upper() == "MOTION"), None)
    if motion_at is None:
        raise _fail(path, len(lines), "no MOTION section")
    i = motion_at + 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    parts = lines[i].split() if i < len(lines) else []
    if len(parts) != 2 or parts[0].lower() != "frames:":
        raise _fail(path, i + 1, "expected 'Frames: N' after MOTION")
    try:
        frames = int(parts[1])
    except ValueError:
        raise _fail(path, i + 1, f"frame count must be an integer, found {parts[1]!r}") from None
    if frames < 0:
        raise _fail(path, i + 1, f"negative frame count {frames}")
    i += 1
    parts = lines[i].split() if i < len(lines) else []
    if len(parts) != 3 or parts[0].lower() != "frame" or parts[1].lower() != "time:":
        raise _fail(path, i + 1, "expected 'Frame Time: SECONDS' after 'Frames:'")
    try:
        frame_time = float(parts[2])
    except ValueError:
        raise _fail(path, i + 1, f"frame time must be a number, found {parts[2]!r}") from None
    if not frame_time > 0 or not np.isfinite(frame_time):
        raise _fail(path, i + 1, f"frame time must be positive, found {parts[2]}")
    return motion_at, frames, frame_time, i + 1


def _locate_frame_error(lines: list[str], first: int, frames: int, width: int, path: str) -> MotionDataError:
    """Scan frame lines one by one to name the first bad line (slow path, only on error)."""
    seen = 0
    for i in range(first, len(lines)):
        if seen == frames:
            break
        values = lines[i].split()
        if not values:
            continue
        if len(values) != width:
            return _fail(path, i + 1, f"frame {seen} has {len(values)} values, expected {width} "
                                      "(the channel count declared in HIERARCHY)")
        for col, v in enumerate(values):
            try:
                x = float(v)
            except ValueError:
                return _fail(path, i + 1, f"non-numeric value {v!r} in frame {seen}, column {col + 1}")
            if not np.isfinite(x):
                return _fail(path, i + 1, f"non-finite value {v!r} in frame {seen}, column {col + 1}")
        seen += 1
    return _fail(path, len(lines) + 1, f"truncated MOTION block: 'Frames: {frames}' declared but only "
                                       f"{seen} frame lines present")


def _read_all_lines(path: str) -> list[str]:
    return Path(path).read_bytes().decode("utf-8", errors="replace").splitlines()


def _read_frames(stream: TextIO, frames: int, width: int, path: str, first: int) -> np.ndarray:
    """The frame block as [frames, width], read straight from the open file (no copy of the text).

    On any problem the file is scanned line by line to name the offending line.
    """
    if frames == 0 or width == 0:
        return np.zeros((frames, width))
    try:
        data = np.loadtxt(stream, dtype=np.float64, ndmin=2, comments=None, max_rows=frames)
    except ValueError:
        data = None
    if data is None or data.shape != (frames, width) or not np.isfinite(data).all():
        raise _locate_frame_error(_read_all_lines(path), first, frames, width, path)
    return data


def _read_header(stream: TextIO) -> list[str]:
    """Lines up to and including 'Frame Time:' (or all lines if the file has none)."""
    lines = []
    for line in stream:
        lines.append(line.rstrip("\n"))
        if line.lstrip().lower().startswith("frame time"):
            break
    return lines


def read_bvh(path: str | Path, scale: float = 1.0) -> Motion:
    """Read a BVH file into a Motion (lengths multiplied by `scale`; see `CMU_SCALE`).

    The per-joint channel layout is kept in `Motion.channels` so `write_bvh(..., order=None)`
    reproduces it. Raises MotionDataError naming the file, line and reason for malformed input.
    """
    path = str(path)
    try:
        # Universal newlines: \r\n, \r and \n all end a line.
        stream = open(path, "r", encoding="utf-8", errors="replace", newline=None)
    except OSError as e:
        raise MotionDataError(f"{path}: cannot read BVH file ({e.strerror or e})") from None
    with stream:
        lines = _read_header(stream)
        motion_at, frames, frame_time, first = _split_header(lines, path)
        joints, end_sites = _parse_hierarchy(lines[:motion_at], path)
        width = sum(len(j.channels) for j in joints)
        data = _read_frames(stream, frames, width, path, first)
    return _build_motion(joints, end_sites, data, frame_time, scale)


def _parse_hierarchy(lines: list[str], path: str) -> tuple[list[_Joint], dict[int, np.ndarray]]:
    tok = _Tokens(lines, path)
    tok.expect("HIERARCHY")
    word, line = tok.next("ROOT")
    if word.upper() != "ROOT":
        raise _fail(path, line, f"expected ROOT, found {word!r}")
    root_name, line = tok.next("the root joint's name")
    joints: list[_Joint] = []
    end_sites: dict[int, np.ndarray] = {}
    _parse_joint(tok, root_name, -1, joints, end_sites, line)
    if tok.peek() is not None:
        extra, eline = tok.next("")
        reason = "a second ROOT (multiple skeletons in one file) is not supported" if extra.upper() == "ROOT" \
            else f"unexpected {extra!r} after the root joint's closing '}}'"
        raise _fail(path, eline, reason)
    names = [j.name for j in joints]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise _fail(path, None, f"bad hierarchy: duplicate joint names {', '.join(dupes)}")
    return joints, end_sites


def _build_motion(joints: list[_Joint], end_sites: dict[int, np.ndarray], data: np.ndarray, frame_time: float,
                  scale: float) -> Motion:
    frames = len(data)
    names = [j.name for j in joints]
    offsets = np.stack([j.offset for j in joints]) * scale
    skeleton = Skeleton(tuple(names), np.array([j.parent for j in joints]), offsets,
                        {k: (v * scale).astype(np.float32) for k, v in end_sites.items()})
    positions = np.repeat(offsets[None], frames, axis=0)
    rotations = np.zeros((frames, len(joints), 4))
    rotations[..., 0] = 1.0
    by_order: dict[str, tuple[list[int], list[list[int]]]] = {}
    col = 0
    for j, joint in enumerate(joints):
        rot_cols, order = [], ""
        for c in joint.channels:
            if c in _POSITION:
                positions[:, j, _POSITION[c]] = data[:, col] * scale
            else:
                rot_cols.append(col)
                order += _ROTATION[c]
            col += 1
        if order:
            js, cols = by_order.setdefault(order, ([], []))
            js.append(j)
            cols.append(rot_cols)
    for order, (js, cols) in by_order.items():
        cols_arr = np.array(cols)
        for start in range(0, frames, _CHUNK):  # chunks keep the temporaries small
            stop = min(start + _CHUNK, frames)
            rotations[start:stop, js] = quat_from_euler(np.deg2rad(data[start:stop, cols_arr]), order)
    channels = tuple(tuple(_CANONICAL[c] for c in j.channels) for j in joints)
    return Motion(skeleton, positions, rotations, frame_time, channels)


def _layout(motion: Motion, order: str | None, scale: float) -> list[tuple[str, ...]]:
    """Channel names per joint for writing."""
    offsets = motion.skeleton.offsets.astype(np.float64)
    moving = np.abs(motion.positions - offsets[None]).max(axis=0).max(axis=-1) > 1e-6 * max(1.0, scale) \
        if motion.num_frames else np.zeros(motion.num_joints, bool)
    layout = []
    for j in range(motion.num_joints):
        if order is None and motion.channels is not None:
            chans = motion.channels[j]
            if moving[j] and not any(c.endswith("position") for c in chans):
                chans = ("Xposition", "Yposition", "Zposition") + tuple(chans)
            if not any(c.endswith("rotation") for c in chans):
                chans = tuple(chans) + ("Zrotation", "Yrotation", "Xrotation")
        else:
            rot = tuple(f"{a}rotation" for a in (order or "ZYX").upper())
            pos = ("Xposition", "Yposition", "Zposition") if j == 0 or moving[j] else ()
            chans = pos + rot
        layout.append(tuple(chans))
    return layout


def write_bvh(path: str | Path, motion: Motion, order: str | None = "ZYX", scale: float = 1.0) -> Path:
    """Write `motion` as BVH; lengths are divided by `scale` (so `read_bvh(path, scale)` round-trips).

    order: rotation channel order for every joint ("ZYX" as in CMU files); None reuses the layout
    the motion was read with (`motion.channels`). The root, and any joint whose translation
    differs from its skeleton offset, get position channels.
    """
    if order is not None:
        order = order.upper()
        if len(order) != 3 or sorted(order) != ["X", "Y", "Z"]:
            raise MotionDataError(f"{path}: unknown rotation order {order!r}; use a permutation of XYZ")
    path = Path(path)
    skel = motion.skeleton
    layout = _layout(motion, order, scale)
    out: list[str] = ["HIERARCHY"]

    def vec(v: np.ndarray) -> str:
        return " ".join(f"{x / scale:.6f}" for x in v)

    visit: list[int] = []  # joints in the depth-first order the hierarchy is written, and so the columns

    def emit(j: int, depth: int) -> None:
        visit.append(j)
        ind = "\t" * depth
        out.append(f"{ind}{'ROOT' if j == 0 else 'JOINT'} {skel.names[j]}")
        out.append(f"{ind}{{")
        out.append(f"{ind}\tOFFSET {vec(skel.offsets[j])}")
        out.append(f"{ind}\tCHANNELS {len(layout[j])} {' '.join(layout[j])}")
        for c in skel.children(j):
            emit(c, depth + 1)
        if j in skel.end_sites:
            out.extend([f"{ind}\tEnd Site", f"{ind}\t{{", f"{ind}\t\tOFFSET {vec(skel.end_sites[j])}", f"{ind}\t}}"])
        out.append(f"{ind}}}")

    emit(0, 0)
    out += ["MOTION", f"Frames: {motion.num_frames}", f"Frame Time: {motion.frame_time:.10g}"]

    columns = []
    for j in visit:
        chans = layout[j]
        rot = "".join(c[0] for c in chans if c.endswith("rotation"))
        euler = np.rad2deg(quat_to_euler(motion.rotations[:, j], rot)) if rot else None
        k = 0
        for c in chans:
            if c.endswith("position"):
                columns.append(motion.positions[:, j, "XYZ".index(c[0])] / scale)
            else:
                columns.append(euler[:, k])
                k += 1
    data = np.stack(columns, axis=1) if columns else np.zeros((motion.num_frames, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(out) + "\n")
        if len(data):
            np.savetxt(f, data, fmt="%.6f", delimiter=" ")
    return path


def _snap_fps(fps: float) -> float:
    """Frame rates within 0.05% of a whole number are taken as it (BVH rounds 1/120 s to 0.008333)."""
    r = round(fps)
    return float(r) if r > 0 and abs(fps - r) < 5e-4 * r else fps


def resample(motion: Motion, fps: float) -> Motion:
    """The same motion sampled at `fps` frames per second (positions linear, rotations slerp).

    Output frame k is at time k / fps, for every such time within the clip. An integer ratio
    (120 -> 60 fps) picks exactly every other source frame.
    """
    if not fps > 0:
        raise ValueError(f"target fps must be positive, got {fps}")
    src_fps = _snap_fps(motion.fps)
    t = motion.num_frames
    if t == 0:
        return Motion(motion.skeleton, motion.positions.copy(), motion.rotations.copy(), 1.0 / fps, motion.channels)
    count = int(np.floor((t - 1) / src_fps * fps + 1e-6)) + 1
    src = np.arange(count) * (src_fps / fps)
    i0 = np.clip(np.floor(src + 1e-9).astype(int), 0, t - 1)
    i1 = np.minimum(i0 + 1, t - 1)
    alpha = np.clip(src - i0, 0.0, 1.0)
    a = alpha[:, None, None]
    positions = (1.0 - a) * motion.positions[i0] + a * motion.positions[i1]
    rotations = quat_slerp(motion.rotations[i0], motion.rotations[i1], np.broadcast_to(alpha[:, None], i0.shape + (motion.num_joints,)))
    return Motion(motion.skeleton, positions, rotations, 1.0 / fps, motion.channels)
