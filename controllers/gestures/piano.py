"""The piano and bench a seated performer plays at, as props (`neuropuppet.props.Box`) from a `Keyboard`.

Everything is read from the keyboard's one description (`neuropuppet.keyboard`): the key surface (a
white slab of the keys' extent and depth, its top at `surface_y`), a dark stripe per black key (pitch
classes C#, D#, F#, G#, A#) on the back part of the keys, the key bed under the keys (the knees fit below it), the upright's body
behind them, and the
bench (a box from the floor to `bench_height`). In the performer's root frame, as the keyboard is.
"""
from __future__ import annotations

from neuropuppet.keyboard import DEFAULT_KEYBOARD, Keyboard
from neuropuppet.props import Box

BLACK_PITCH_CLASSES = (1, 3, 6, 8, 10)
WHITE = (0.92, 0.91, 0.86)
BLACK = (0.05, 0.05, 0.06)
CABINET = (0.12, 0.08, 0.06)
BENCH = (0.30, 0.18, 0.10)
KEY_THICKNESS = 0.02
BLACK_KEY_HEIGHT = 0.012
KEY_BED = 0.06
BODY_ABOVE_KEYS = 0.35
BODY_DEPTH = 0.30


def piano_props(keyboard: Keyboard = DEFAULT_KEYBOARD, black_keys: bool = True) -> tuple[Box, ...]:
    """Boxes of the keyboard (white surface, black-key stripes, cabinet) and the bench."""
    kb = keyboard
    width = kb.left_x - kb.right_x
    mid_x = 0.5 * (kb.left_x + kb.right_x)
    boxes = [Box((width, KEY_THICKNESS, kb.depth), (mid_x, kb.surface_y - 0.5 * KEY_THICKNESS,
                                                    kb.front_z + 0.5 * kb.depth), WHITE, "keys"),
             Box((width + 0.08, KEY_BED, kb.depth + 0.04),            # under the keys; the knees fit below
                 (mid_x, kb.surface_y - KEY_THICKNESS - 0.5 * KEY_BED, kb.front_z + 0.5 * kb.depth), CABINET, "keybed"),
             Box((width + 0.08, kb.surface_y + BODY_ABOVE_KEYS, BODY_DEPTH),   # the upright's body behind the keys
                 (mid_x, 0.5 * (kb.surface_y + BODY_ABOVE_KEYS), kb.back_z + 0.5 * BODY_DEPTH), CABINET, "body"),
             Box((kb.bench_width, kb.bench_height, kb.bench_depth),
                 (kb.bench_x, 0.5 * kb.bench_height, kb.bench_z), BENCH, "bench")]
    if black_keys:
        length = 0.6 * kb.depth
        for midi in range(kb.lowest, kb.highest + 1):
            if midi % 12 in BLACK_PITCH_CLASSES:
                boxes.append(Box((0.75 * kb.semitone_width, BLACK_KEY_HEIGHT, length),
                                 (kb.key_x(midi), kb.surface_y + 0.5 * BLACK_KEY_HEIGHT, kb.back_z - 0.5 * length),
                                 BLACK, f"key {midi}"))
    return tuple(boxes)


__all__ = ["piano_props"]
