"""Which of a pose's extras mean what, for drawing: the declared `OutputSpec`s looked up by kind.

A pose's `output_specs` (name -> `neuropuppet.ports.OutputSpec`) says what each extra is. An extra
nobody declared is still recognised under its well-known name ("contacts", "gaze_direction", ...),
so controllers written before declared outputs keep their overlays.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..motion.skeleton import Skeleton
from ..ports import OutputSpec

log = logging.getLogger(__name__)
_warned: set[tuple[str, tuple[int, ...]]] = set()


@dataclass(frozen=True)
class DrawnOutput:
    """One extra the renderer knows how to draw: its name, host values [N, *shape] and its spec (None if undeclared)."""

    name: str
    values: np.ndarray
    spec: OutputSpec | None


def output_specs(pose: object) -> dict[str, OutputSpec]:
    """The pose's declared outputs (an empty dict for poses that carry none)."""
    return getattr(pose, "output_specs", None) or {}


def outputs_of_kind(pose: object, kind: str, ndim: int | None = None) -> list[DrawnOutput]:
    """Every extra of `kind` in the pose: the declared ones, else the undeclared extra named `kind`.

    ndim: the number of dimensions the values must have, batch included (others are skipped with one
    warning per name and shape: a debug overlay never stops the window).
    """
    extras = getattr(pose, "extras", {})
    specs = output_specs(pose)
    found = [DrawnOutput(name, extras[name], spec) for name, spec in specs.items()
             if spec.kind == kind and name in extras]
    if not found and kind in extras and kind not in specs:
        found.append(DrawnOutput(kind, extras[kind], None))
    if ndim is None:
        return found
    good = []
    for out in found:
        values = np.asarray(out.values)
        if values.ndim == ndim:
            good.append(out)
            continue
        key = (out.name, tuple(values.shape))
        if key not in _warned:
            _warned.add(key)
            log.warning("output %r has shape %s; a %r output needs %d dimensions (batch first): not drawn",
                        out.name, tuple(values.shape), kind, ndim)
    return good


def first_output(pose: object, kind: str, ndim: int | None = None) -> DrawnOutput | None:
    """The first extra of `kind` (see `outputs_of_kind`), or None."""
    found = outputs_of_kind(pose, kind, ndim)
    return found[0] if found else None


def joint_indices(skeleton: Skeleton, names: tuple[str, ...]) -> np.ndarray:
    """Index of each named joint in `skeleton` (exact name, else case-insensitive), -1 where it has none."""
    exact = {n: i for i, n in enumerate(skeleton.names)}
    folded = {n.lower(): i for i, n in enumerate(skeleton.names)}
    return np.array([exact.get(n, folded.get(n.lower(), -1)) for n in names], np.int64)


def guessed_feet(skeleton: Skeleton) -> np.ndarray:
    """Joints whose names say foot, toe or ankle: where an undeclared `contacts` extra is drawn."""
    return np.array([i for i, n in enumerate(skeleton.names)
                     if any(k in n.lower() for k in ("foot", "toe", "ankle"))], np.int64)


def contact_joints(skeleton: Skeleton, spec: OutputSpec | None, columns: int,
                   fallback: np.ndarray | None = None) -> np.ndarray:
    """The joint each of a contacts output's `columns` belongs to (-1: none in this skeleton).

    Declared joints (`spec.joints`) by name; without them, the feet guessed from joint names, in order.
    """
    if spec is not None and spec.joints:
        idx = joint_indices(skeleton, spec.joints)
        return np.pad(idx, (0, max(columns - len(idx), 0)), constant_values=-1)[:columns]
    feet = guessed_feet(skeleton) if fallback is None else fallback
    out = np.full(columns, -1, np.int64)
    k = min(columns, len(feet))
    out[:k] = feet[:k]
    return out


_NOT_EYES = ("lid", "brow", "lash", "end", "target", "socket")


def eye_joints(skeleton: Skeleton) -> np.ndarray:
    """Joints that are eyes: names containing "eye" (LeftEye, r_eye, ...), not lids, brows or end sites."""
    return np.array([i for i, n in enumerate(skeleton.names)
                     if "eye" in n.lower() and not any(k in n.lower() for k in _NOT_EYES)], np.int64)


def eyelid_joints(skeleton: Skeleton) -> np.ndarray:
    """Joints that are eyelids (names containing "eye" and "lid"): drawn as the lids over the eyes (from the
    eyelid_closure output), not as joint spheres or bones that would cover the eyeballs."""
    return np.array([i for i, n in enumerate(skeleton.names) if "eye" in n.lower() and "lid" in n.lower()], np.int64)


def eye_side(name: str, order: int) -> int:
    """0 for a left eye, 1 for a right eye (by name; `order` decides when the name does not say)."""
    n = name.lower()
    if "left" in n or n.startswith(("l_", "l.", "l-")) or n.endswith(("_l", ".l", "-l")):
        return 0
    if "right" in n or n.startswith(("r_", "r.", "r-")) or n.endswith(("_r", ".r", "-r")):
        return 1
    return order % 2


def eyelid_columns(skeleton: Skeleton, eyes: np.ndarray, spec: OutputSpec | None, columns: int) -> np.ndarray:
    """For each eye joint, the column of an eyelid-closure output that drives its lid (-1: none).

    Declared joints name the eye of each column; otherwise column 0 is the left eye, 1 the right
    (a single column closes both).
    """
    if columns == 1 and not (spec is not None and spec.joints):
        return np.zeros(len(eyes), np.int64)
    if spec is not None and spec.joints:
        declared = list(joint_indices(skeleton, spec.joints))
        cols = [declared.index(e) if e in declared else -1 for e in eyes]
    else:
        cols = [eye_side(skeleton.names[e], k) for k, e in enumerate(eyes)]
    return np.array([c if c < columns else -1 for c in cols], np.int64)


__all__ = ["DrawnOutput", "output_specs", "outputs_of_kind", "first_output", "joint_indices", "guessed_feet",
           "contact_joints", "eye_joints", "eyelid_joints", "eye_side", "eyelid_columns"]
