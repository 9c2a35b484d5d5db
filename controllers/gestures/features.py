"""What the gestures network reads and writes (one description for the trainer, the export and the controller).

Input: the full causal music feature vector of `neuropuppet.audio.features` (its layout lives there);
a *feature set* names the groups of that vector the network uses (`FEATURE_GROUPS` keys: pitch,
beat, rms, mfcc; "all" for every block). The six sets of the reference study are `STUDY_SETS`.
Output: the local rotations of the upper-body joints (`upper_body_joints`), as 6D vectors (the first
two columns of the rotation matrix, Zhou et al. 2019) while training, as quaternions in the artifact.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from neuropuppet.audio.features import FEATURE_GROUPS, FEATURE_LAYOUT, feature_columns
from neuropuppet.errors import ConfigError
from neuropuppet.features import Layout
from neuropuppet.motion.skeleton import Skeleton

STUDY_SETS: tuple[str, ...] = ("pitch", "pitch+beat", "pitch+rms", "pitch+beat+rms", "mfcc", "all")
"""The feature sets of the reference table, in its row order."""

STUDY_LABELS: dict[str, str] = {"pitch": "Pitch", "pitch+beat": "Pitch+Beat", "pitch+rms": "Pitch+RMS",
                                "pitch+beat+rms": "Pitch+Beat+RMS", "mfcc": "MFCC", "all": "All"}
"""The reference table's row names of `STUDY_SETS`."""

UPPER_BODY_ROOTS: tuple[str, ...] = ("LowerBack", "Spine", "Spine1")
"""The upper body is the subtree of the first of these joints the skeleton has."""

SIXD = 6


def feature_groups(text: str | Sequence[str]) -> tuple[str, ...]:
    """The groups of a feature set written "pitch,beat,rms", "pitch+beat" or ["pitch", "rms"] ("all" alone
    or among others means every group); ConfigError naming an unknown group."""
    parts = [text] if isinstance(text, str) else list(text)
    names = [p.strip().lower() for part in parts for p in part.replace("+", ",").split(",") if p.strip()]
    if not names:
        raise ConfigError("gestures: the feature set is empty (choose from "
                          f"{', '.join(FEATURE_GROUPS)}, all; e.g. pitch,beat,rms)")
    unknown = [n for n in names if n != "all" and n not in FEATURE_GROUPS]
    if unknown:
        raise ConfigError(f"gestures: unknown feature group(s) {', '.join(unknown)} "
                          f"(choose from {', '.join(FEATURE_GROUPS)}, all)")
    if "all" in names:
        return ("all",)
    return tuple(g for g in FEATURE_GROUPS if g in names)            # canonical order


def feature_set_name(groups: Sequence[str]) -> str:
    """The canonical name of a feature set ("pitch+beat+rms", "all")."""
    return "+".join(feature_groups(list(groups)))


def set_columns(groups: Sequence[str], layout: Layout = FEATURE_LAYOUT) -> np.ndarray:
    """Column indices of the full feature vector a feature set takes (sorted, int64)."""
    return np.sort(feature_columns(tuple(groups), layout)).astype(np.int64)


def upper_body_joints(skeleton: Skeleton) -> tuple[str, ...]:
    """Names of the joints the network writes: the subtree of the first of UPPER_BODY_ROOTS, in skeleton order."""
    root = next((n for n in UPPER_BODY_ROOTS if n in skeleton.names), None)
    if root is None:
        raise ConfigError(f"gestures: the skeleton has none of {', '.join(UPPER_BODY_ROOTS)} (its joints: "
                          f"{', '.join(skeleton.names[:12])}...)")
    keep = np.zeros(skeleton.num_joints, bool)
    keep[skeleton.index(root)] = True
    for j, p in enumerate(skeleton.parents):           # parents precede children
        if p >= 0 and keep[p]:
            keep[j] = True
    return tuple(n for n, k in zip(skeleton.names, keep) if k)


__all__ = ["STUDY_SETS", "STUDY_LABELS", "UPPER_BODY_ROOTS", "SIXD", "feature_groups", "feature_set_name",
           "set_columns", "upper_body_joints"]
