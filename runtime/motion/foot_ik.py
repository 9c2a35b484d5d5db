"""Foot locking IK: planted feet stay where they landed and stand on the terrain under them.

A post-process on any controller's pose (PFNN's biped today, a 4-legged MANN tomorrow), after the
original PFNN demo. Per leg (hip -> knee -> ankle -> toe, each the parent of the next) and tick:

  1. FK of the joints on the chain from the character root to the toe only.
  2. Contacts with hysteresis: a part (heel = the ankle joint, toe = the toe joint) locks when its
     contact column rises above `threshold` and unlocks when it falls below `release_threshold`.
     A lock starts where the part was drawn last tick (no pop) and holds that world x/z; its height
     ramps over `ground_frames` ticks onto terrain + the part's rest height (`LegChain.ankle_height`,
     `toe_height`). On release the x/z target blends back to the animation over `release_frames`.
     Both blends are linear ramps, or with `smooth_blend` eased at their ends: a released part is held
     with the square of the ramp (it leaves at once and joins the animation at its velocity, no kink),
     a new lock settles by g (2 - g) of its ramp g (it lands with no vertical speed).
  3. Targets: heel = lerp(animated ankle, heel lock, w_heel); free toe = ankle target + the animated
     ankle->toe vector (the foot keeps its drawn shape); toe = lerp(free toe, toe lock, w_toe). Both
     stay at least their rest height above the terrain (feet never sink into bumps). Heel and toe
     both locked: the toe lock settles where the foot lies flat from the heel to the ground. Toe held,
     heel not (heel-off): the ankle pivots about the toe target at the foot's length.
  4. Two-bone IK puts the ankle on its target (knee kept in its current bend plane), then the ankle
     turns so the foot points at the toe target. Only hip, knee and ankle local rotations change.
  5. Reach: the IK clamps at `max_extension` of the leg's length, so a leg is never stretched (a lock
     a little out of reach lifts the heel towards the hip). A lock farther than (1 + `reach_slack`) x
     the leg's length is dragged along the ground back to that distance while its total drag stays
     within `max_drag` metres (the animation holds a contact a little long while the hip moves on), else
     dropped: it blends out and re-plants where the animation is. A root that jumps more than `teleport_distance` in one
     tick (teleport, `place`) drops that character's locks at once. Non-finite input: the leg is left
     as drawn.

Everything per tick is two numba kernels over characters and legs in scalar float64 math (one when
heights come from a `HeightField`, sampled inside the kernel); a Python `height_at(x, z)` callable is
called once per tick with all the query points in between. Counts are in ticks (the caller's rate).
Compiled once and cached on disk by `neuropuppet.kernels`' cache policy (an edit of this file or of the
shared kernel helpers recompiles).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence, Union

import numpy as np

from ..errors import InputError
from ..kernels import KernelCompiler
from ..kernels.quaternion import qconj as _qconj, qmul as _qmul, qrot as _qrot
from ..terrain import HeightField
from .skeleton import Skeleton

_log = logging.getLogger(__name__)
_compiler = KernelCompiler(__file__)   # numba's disk cache, keyed on this file and the shared kernel helpers

if TYPE_CHECKING:
    from ..pose import PoseArrays

HeightSource = Union[Callable[[np.ndarray, np.ndarray], np.ndarray], HeightField]

# per (character, leg, part) state columns; part 0 = heel (ankle joint), 1 = toe
# locked flag, lock weight, ground weight, lock x/z, hold (dropped: wait before re-locking), x/z where the
# part was drawn last tick and whether that is known, how far the lock has been dragged
_LOCKED, _W, _G, _X, _Z, _HOLD, _DX, _DZ, _DRAWN, _DRAGGED = range(10)
_STATE = 10
# params vector
_P_ON, _P_OFF, _P_FADE, _P_GROUND, _P_EXT, _P_SLACK, _P_TELEPORT, _P_DRAG, _P_SMOOTH = range(9)


# -- quaternion / vector scalar helpers (w, x, y, z tuples; LLVM inlines them) ------------------------
# the Hamilton product, conjugate and rotation are the shared kernels' (neuropuppet.kernels.quaternion)

@_compiler.jit
def _qnormalize(q):
    n = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    if not n > 1e-12:
        return (1.0, 0.0, 0.0, 0.0)
    return (q[0] / n, q[1] / n, q[2] / n, q[3] / n)


@_compiler.jit
def _qaxis(n, angle):
    """Rotation by `angle` about unit axis n."""
    s = math.sin(0.5 * angle)
    return (math.cos(0.5 * angle), n[0] * s, n[1] * s, n[2] * s)


@_compiler.jit
def _sandwich(g, d):
    """g^-1 d g: a world-frame rotation d expressed in the frame of world rotation g."""
    return _qmul(_qconj(g), _qmul(d, g))


@_compiler.jit
def _sub(a, b):
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


@_compiler.jit
def _add(a, b):
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


@_compiler.jit
def _scale(a, s):
    return (a[0] * s, a[1] * s, a[2] * s)


@_compiler.jit
def _dot(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


@_compiler.jit
def _cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


@_compiler.jit
def _norm(a):
    return math.sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2])


@_compiler.jit
def _perpendicular(u):
    """A unit vector perpendicular to unit u."""
    other = (1.0, 0.0, 0.0) if abs(u[0]) < 0.9 else (0.0, 1.0, 0.0)
    p = _cross(u, other)
    return _scale(p, 1.0 / _norm(p))


@_compiler.jit
def _arc(u, v, fallback_axis):
    """Shortest rotation taking direction u to direction v (any lengths; identity if one is ~0);
    about `fallback_axis` (unit, perpendicular to u) when they are opposite."""
    lu, lv = _norm(u), _norm(v)
    if not (lu > 1e-12 and lv > 1e-12):
        return (1.0, 0.0, 0.0, 0.0)
    c = _cross(u, v)
    w = lu * lv + _dot(u, v)
    if w < 1e-9 * lu * lv:
        return (0.0, fallback_axis[0], fallback_axis[1], fallback_axis[2])
    return _qnormalize((w, c[0], c[1], c[2]))


@_compiler.jit
def _two_bone(a, b, c, t, pole, max_extension):
    """Analytic two-bone IK on world positions: hip a, knee b, ankle c, target t.

    Returns (da, db, ok): world-frame rotations to pre-multiply onto the thigh's and the shin's world
    rotations (new world rotation = d * old), ok False when the chain is degenerate (nothing done).
    The knee stays in the current bend plane (the side it bends to; `pole` only when the leg is
    straight), swung rigidly onto the target direction; the hip-ankle distance is clamped to
    [|l1 - l2|, (l1 + l2) * max_extension], so bone lengths are untouched and nothing is NaN.
    """
    ident = (1.0, 0.0, 0.0, 0.0)
    ab, bc, ac, at = _sub(b, a), _sub(c, b), _sub(c, a), _sub(t, a)
    l1, l2, lac = _norm(ab), _norm(bc), _norm(ac)
    if not (l1 > 1e-9 and l2 > 1e-9 and lac > 1e-9) or not _norm(at) < 1e30:
        return ident, ident, False
    e = _scale(ac, 1.0 / lac)
    # bend direction: the knee's offset from the hip-ankle line, else the pole, else anything
    k = _sub(ab, _scale(e, _dot(ab, e)))
    lk = _norm(k)
    if lk < 1e-5 * l1:
        k = _sub(pole, _scale(e, _dot(pole, e)))
        lk = _norm(k)
        if lk < 1e-9:
            k = _perpendicular(e)
            lk = 1.0
    w = _scale(k, 1.0 / lk)
    n = _cross(e, w)                                   # bend-plane normal (unit: e is perpendicular to w)
    # current angles in the plane (measured from e towards w)
    thigh0 = math.atan2(_dot(ab, w), _dot(ab, e))
    shin0 = math.atan2(_dot(bc, w), _dot(bc, e))
    # wanted hip-ankle distance and the triangle's angles
    lat = _norm(at)
    d = min(max(lat, abs(l1 - l2) + 1e-6), (l1 + l2) * max_extension)
    cos_a = min(max((l1 * l1 + d * d - l2 * l2) / (2.0 * l1 * d), -1.0), 1.0)
    sin_a = math.sqrt(max(1.0 - cos_a * cos_a, 0.0))
    thigh1 = math.atan2(sin_a, cos_a)
    shin1 = math.atan2(-l1 * sin_a, d - l1 * cos_a)
    turn = shin1 - shin0
    if turn > math.pi:
        turn -= 2.0 * math.pi
    elif turn < -math.pi:
        turn += 2.0 * math.pi
    swing = _arc(e, at, n) if lat > 1e-9 else ident     # the bent leg's hip->ankle line onto the target
    da = _qmul(swing, _qaxis(n, thigh1 - thigh0))
    db = _qmul(swing, _qaxis(n, turn))
    return da, db, True


@_compiler.jit
def _two_bone_many(a, b, c, t, ga, gb, pole, max_extension, out_hip, out_knee):
    """`_two_bone` over rows, written as local corrections (see `two_bone_ik`)."""
    for i in range(a.shape[0]):
        pa = (a[i, 0], a[i, 1], a[i, 2])
        pb = (b[i, 0], b[i, 1], b[i, 2])
        pc = (c[i, 0], c[i, 1], c[i, 2])
        pt = (t[i, 0], t[i, 1], t[i, 2])
        qa = _qnormalize((ga[i, 0], ga[i, 1], ga[i, 2], ga[i, 3]))
        qb = _qnormalize((gb[i, 0], gb[i, 1], gb[i, 2], gb[i, 3]))
        da, db, ok = _two_bone(pa, pb, pc, pt, (pole[i, 0], pole[i, 1], pole[i, 2]), max_extension)
        hip = _sandwich(qa, da)
        knee = _sandwich(qb, _qmul(_qconj(da), db))
        for k in range(4):
            out_hip[i, k] = hip[k]
            out_knee[i, k] = knee[k]


def two_bone_ik(hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray, target: np.ndarray,
                hip_rotation: np.ndarray, knee_rotation: np.ndarray, pole: np.ndarray | None = None,
                max_extension: float = 0.9999) -> tuple[np.ndarray, np.ndarray]:
    """Local-rotation corrections that put the ankle on `target`, batched over leading dimensions.

    hip, knee, ankle, target [..., 3]: world positions; hip_rotation, knee_rotation [..., 4]: the hip's
    and knee's world rotations (w, x, y, z). pole [..., 3] (default +Z): the side the knee bends to, used
    only when the leg is straight; otherwise the knee keeps its current bend plane and side.
    Returns (hip_correction, knee_correction) [..., 4], float64, to right-multiply onto the joints' LOCAL
    rotations: `local[hip] = quat_mul(local[hip], hip_correction)`, same for the knee. Bone lengths are
    kept exactly (only rotations change); a target out of reach is clamped to `max_extension` of the
    leg's length along the target direction (too close: to |thigh - shin|).
    """
    arrays = [np.asarray(x, np.float64) for x in (hip, knee, ankle, target)]
    rots = [np.asarray(x, np.float64) for x in (hip_rotation, knee_rotation)]
    pole_arr = np.asarray((0.0, 0.0, 1.0) if pole is None else pole, np.float64)
    shape = np.broadcast_shapes(*(x.shape[:-1] for x in arrays + rots + [pole_arr]))
    flat = [np.ascontiguousarray(np.broadcast_to(x, shape + (3,)).reshape(-1, 3)) for x in arrays + [pole_arr]]
    flat_rot = [np.ascontiguousarray(np.broadcast_to(x, shape + (4,)).reshape(-1, 4)) for x in rots]
    m = flat[0].shape[0]
    out_hip, out_knee = np.empty((m, 4)), np.empty((m, 4))
    _two_bone_many(flat[0], flat[1], flat[2], flat[3], flat_rot[0], flat_rot[1], flat[4], float(max_extension),
                   out_hip, out_knee)
    return out_hip.reshape(shape + (4,)), out_knee.reshape(shape + (4,))


# -- legs ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LegChain:
    """One leg for `FootLock`: joint indices and the contact columns that plant it.

    hip, knee, ankle, toe: joint indices, each the parent of the next. heel_contact / toe_contact: the
    contact column that locks the ankle joint / the toe joint (-1: none; a leg with one contact column,
    e.g. a quadruped's paw, sets one of them). ankle_height / toe_height: the joint's height above the
    ground when the foot stands flat (metres). pole: where the knee points when the leg is straight,
    in the character root's frame (the character faces +Z).
    """

    hip: int
    knee: int
    ankle: int
    toe: int
    heel_contact: int = -1
    toe_contact: int = -1
    ankle_height: float = 0.08
    toe_height: float = 0.02
    pole: tuple[float, float, float] = (0.0, 0.0, 1.0)
    name: str = ""


JointRef = Union[int, str, Sequence[str]]


def _joint(skeleton: Skeleton, ref: JointRef, role: str) -> int:
    if isinstance(ref, (int, np.integer)):
        if not 0 <= int(ref) < skeleton.num_joints:
            raise InputError(f"foot IK: {role} joint index {ref} is outside the {skeleton.num_joints}-joint skeleton")
        return int(ref)
    names = (ref,) if isinstance(ref, str) else tuple(ref)
    for name in names:
        if name in skeleton.names:
            return skeleton.names.index(name)
    raise InputError(f"foot IK: the skeleton has no {role} joint {' or '.join(map(repr, names))} "
                     f"(joints: {', '.join(skeleton.names)})")


def leg_chain(skeleton: Skeleton, hip: JointRef, knee: JointRef, ankle: JointRef, toe: JointRef, *,
              heel_contact: int = -1, toe_contact: int = -1, toe_height: float = 0.02,
              ankle_height: float | None = None, pole: tuple[float, float, float] = (0.0, 0.0, 1.0),
              name: str = "") -> LegChain:
    """A `LegChain` from joint names (a name, or a sequence of candidate names, or an index).

    ankle_height defaults to toe_height plus the ankle's height above the toe in the skeleton's rest
    pose (the foot standing flat): 0.02 + 0.06 = 0.08 m on the PFNN skeleton, its training data's value.
    Raises InputError naming a missing joint or a chain whose joints are not parent and child.
    """
    idx = [_joint(skeleton, ref, role) for ref, role in ((hip, "hip"), (knee, "knee"), (ankle, "ankle"), (toe, "toe"))]
    roles = ("hip", "knee", "ankle", "toe")
    for k in range(1, 4):
        if skeleton.parents[idx[k]] != idx[k - 1]:
            raise InputError(f"foot IK: {roles[k]} joint {skeleton.names[idx[k]]!r} is not a child of the "
                             f"{roles[k - 1]} joint {skeleton.names[idx[k - 1]]!r}")
    if ankle_height is None:
        ankle_height = max(float(toe_height) - float(skeleton.offsets[idx[3], 1]), 0.0)
    return LegChain(*idx, heel_contact=int(heel_contact), toe_contact=int(toe_contact),
                    ankle_height=float(ankle_height), toe_height=float(toe_height),
                    pole=tuple(float(v) for v in pole), name=name or skeleton.names[idx[2]])


def biped_legs(skeleton: Skeleton, contacts: Sequence[int] = (0, 1, 2, 3),
               toe_height: float = 0.02) -> tuple[LegChain, LegChain]:
    """Left and right legs of a CMU-named biped (PFNN's skeleton) with PFNN's contact layout
    [L heel, L toe, R heel, R toe]: LeftUpLeg, LeftLeg, LeftFoot (or LeftAnkle), LeftToeBase (or LeftToe),
    and the same on the right."""
    left = leg_chain(skeleton, "LeftUpLeg", "LeftLeg", ("LeftFoot", "LeftAnkle"), ("LeftToeBase", "LeftToe"),
                     heel_contact=contacts[0], toe_contact=contacts[1], toe_height=toe_height, name="left")
    right = leg_chain(skeleton, "RightUpLeg", "RightLeg", ("RightFoot", "RightAnkle"), ("RightToeBase", "RightToe"),
                      heel_contact=contacts[2], toe_contact=contacts[3], toe_height=toe_height, name="right")
    return left, right


# -- the per-tick kernels --------------------------------------------------------------------------------

@_compiler.jit
def _bilinear(heights, origin_x, origin_z, inv_cell, x, z):
    """`HeightField.sample` for one point: bilinear, clamped to the grid's border."""
    rows, cols = heights.shape
    u = (x - origin_x) * inv_cell
    v = (z - origin_z) * inv_cell
    u = 0.0 if not u >= 0.0 else min(u, cols - 1.0)
    v = 0.0 if not v >= 0.0 else min(v, rows - 1.0)
    c0 = min(math.floor(u), cols - 2.0)
    r0 = min(math.floor(v), rows - 2.0)
    fu, fv = u - c0, v - r0
    c, r = int(c0), int(r0)
    top = heights[r, c] * (1.0 - fu) + heights[r, c + 1] * fu
    bottom = heights[r + 1, c] * (1.0 - fu) + heights[r + 1, c + 1] * fu
    return top * (1.0 - fv) + bottom * fv


@_compiler.jit
def _held(w, smooth):
    """How strongly a part is held at its lock for lock weight w (1 locked -> 0 released, a linear ramp):
    w, or w^2 when `smooth` > 0 (a released part leaves its lock at once and joins the animation with its
    velocity: no kink at the blend's end)."""
    return w * w if smooth > 0.0 else w


@_compiler.jit
def _grounded(g, smooth):
    """How far a new lock has settled onto the ground for ground weight g (0 -> 1, a linear ramp): g, or
    g (2 - g) when `smooth` > 0 (it lands with no vertical speed)."""
    return g * (2.0 - g) if smooth > 0.0 else g


@_compiler.jit
def _ground_ramp(y, smooth):
    """The inverse of `_grounded`: the ramp value whose settled share is y (0..1)."""
    return 1.0 - math.sqrt(max(1.0 - y, 0.0)) if smooth > 0.0 else y


@_compiler.jit
def _update_part(s, c, on, off, fade, ground, smooth, ax, az):
    """Advance one part's lock state for contact c; returns its x/z target given animated (ax, az)."""
    w = _held(s[_W], smooth)
    if s[_DRAWN] > 0.0:                               # a new lock starts where the part was last drawn
        bx, bz = s[_DX], s[_DZ]
    elif w > 0.0:
        bx, bz = ax + (s[_X] - ax) * w, az + (s[_Z] - az) * w
    else:
        bx, bz = ax, az
    if s[_LOCKED] > 0.0:
        if not c >= off:                              # NaN contact releases too
            s[_LOCKED] = 0.0
    else:
        if s[_HOLD] > 0.0 and (not c >= off or w <= 0.0):
            s[_HOLD] = 0.0
        if c > on and s[_HOLD] == 0.0 and math.isfinite(bx) and math.isfinite(bz):
            s[_LOCKED] = 1.0
            s[_G] = _ground_ramp(w * _grounded(s[_G], smooth), smooth)   # its height continues
            s[_X], s[_Z] = bx, bz
            s[_W] = 1.0
            s[_DRAGGED] = 0.0
    if s[_LOCKED] > 0.0:
        s[_G] = min(s[_G] + ground, 1.0)
    else:
        s[_W] = max(s[_W] - fade, 0.0)
    w = _held(s[_W], smooth)
    if w > 0.0:
        return ax + (s[_X] - ax) * w, az + (s[_Z] - az) * w
    return ax, az


@_compiler.jit
def _pivot(ankle, toe, length, floor):
    """The point at `length` from `toe` towards `ankle`, raised along that sphere to height >= floor."""
    back = _sub(ankle, toe)
    lb = _norm(back)
    if not lb > 1e-9:
        return ankle
    p = _add(toe, _scale(back, length / lb))
    if p[1] >= floor:
        return p
    dy = min(floor - toe[1], length)
    hx, hz = back[0], back[2]
    lh = math.sqrt(hx * hx + hz * hz)
    if not lh > 1e-9:
        return (toe[0], toe[1] + dy, toe[2])
    r = math.sqrt(max(length * length - dy * dy, 0.0)) / lh
    return (toe[0] + hx * r, toe[1] + dy, toe[2] + hz * r)


@_compiler.jit
def _along(p, a, b, ha, hb):
    """Ground height at p's x/z by linear inter/extrapolation of heights ha at a and hb at b (x/z)."""
    dx, dz = b[0] - a[0], b[2] - a[2]
    dd = dx * dx + dz * dz
    if not dd > 1e-12:
        return ha
    s = ((p[0] - a[0]) * dx + (p[2] - a[2]) * dz) / dd
    return ha + (hb - ha) * min(max(s, -2.0), 3.0)


@_compiler.jit
def _flat_toe(ankle, toe, length):
    """The point at `toe`'s height, `length` from `ankle`, horizontally towards `toe`."""
    dy = toe[1] - ankle[1]
    hx, hz = toe[0] - ankle[0], toe[2] - ankle[2]
    lh = math.sqrt(hx * hx + hz * hz)
    if not (lh > 1e-9 and abs(dy) < length):
        return toe
    r = math.sqrt(length * length - dy * dy) / lh
    return (ankle[0] + hx * r, toe[1], ankle[2] + hz * r)


@_compiler.jit
def _prepare(root_position, root_rotation, local_positions, local_rotations, contacts, paths, depths, cols,
             params, state, roots, chain, xz, qx, qz):
    """Stage 1: chain FK, teleport check, lock states, the heel/toe x/z targets (also the height queries)."""
    n_chars, n_legs = state.shape[0], state.shape[1]
    for n in range(n_chars):
        rp = (float(root_position[n, 0]), float(root_position[n, 1]), float(root_position[n, 2]))
        jump = _norm(_sub(rp, (roots[n, 0], roots[n, 1], roots[n, 2])))
        if roots[n, 3] == 0.0 or not jump <= params[_P_TELEPORT]:
            state[n, :, :, :] = 0.0                   # teleport, reset or first tick: drop every lock
        roots[n, 0], roots[n, 1], roots[n, 2], roots[n, 3] = rp[0], rp[1], rp[2], 1.0
        rq = (float(root_rotation[n, 0]), float(root_rotation[n, 1]), float(root_rotation[n, 2]),
              float(root_rotation[n, 3]))
        if not math.isfinite(rq[0] + rq[1] + rq[2] + rq[3]):
            rp = (math.nan, math.nan, math.nan)
        rq = _qnormalize(rq)
        for leg in range(n_legs):
            p, q = rp, rq
            depth = depths[leg]
            for k in range(depth):                     # FK of the chain root -> toe only
                j = paths[leg, k]
                lp = (float(local_positions[n, j, 0]), float(local_positions[n, j, 1]), float(local_positions[n, j, 2]))
                lq = (float(local_rotations[n, j, 0]), float(local_rotations[n, j, 1]),
                      float(local_rotations[n, j, 2]), float(local_rotations[n, j, 3]))
                if not math.isfinite(lp[0] + lp[1] + lp[2] + lq[0] + lq[1] + lq[2] + lq[3]):
                    p = (math.nan, math.nan, math.nan)  # marks the leg: `_solve_leg` leaves it as drawn
                lq = _qnormalize(lq)
                p = _add(p, _qrot(q, lp))
                q = _qmul(q, lq)
                slot = k - (depth - 4)
                if slot >= 0:                          # hip, knee, ankle, toe
                    for m in range(3):
                        chain[n, leg, slot, m] = p[m]
                    for m in range(4):
                        chain[n, leg, slot, 3 + m] = q[m]
            ankle_x, ankle_z = chain[n, leg, 2, 0], chain[n, leg, 2, 2]
            foot_x, foot_z = chain[n, leg, 3, 0] - ankle_x, chain[n, leg, 3, 2] - ankle_z
            for part in range(2):
                col = cols[leg, part]
                c = float(contacts[n, col]) if col >= 0 else 0.0
                if part == 0:
                    ax, az = ankle_x, ankle_z
                else:                                  # the free toe follows the heel target
                    ax, az = xz[n, leg, 0, 0] + foot_x, xz[n, leg, 0, 1] + foot_z
                tx, tz = _update_part(state[n, leg, part], c, params[_P_ON], params[_P_OFF], params[_P_FADE],
                                      params[_P_GROUND], params[_P_SMOOTH], ax, az)
                xz[n, leg, part, 0], xz[n, leg, part, 1] = tx, tz
                qx[n, leg, part], qz[n, leg, part] = tx, tz


@_compiler.jit
def _sample_grid(grid, origin_x, origin_z, inv_cell, qx, qz, heights):
    for n in range(qx.shape[0]):
        for leg in range(qx.shape[1]):
            for part in range(2):
                heights[n, leg, part] = _bilinear(grid, origin_x, origin_z, inv_cell, qx[n, leg, part],
                                                  qz[n, leg, part])


@_compiler.jit
def _solve_leg(ch, sh, st, heel_xz, toe_xz, h_heel, h_toe, ankle_h, toe_h, pole, params, local_rotations, n, joints):
    """Targets, heel-off pivot, reach check, two-bone IK and foot aim of one leg; writes its rotations.

    Returns the ankle and toe positions as now drawn."""
    a = (ch[0, 0], ch[0, 1], ch[0, 2])
    b = (ch[1, 0], ch[1, 1], ch[1, 2])
    c = (ch[2, 0], ch[2, 1], ch[2, 2])
    toe = (ch[3, 0], ch[3, 1], ch[3, 2])
    foot = _sub(toe, c)
    length = _norm(foot)
    # heel (ankle) target: never below its rest height, on the ground as much as it is locked
    floor = h_heel + ankle_h
    y = max(c[1], floor)
    sm = params[_P_SMOOTH]
    y += (floor - y) * _held(sh[_W], sm) * _grounded(sh[_G], sm)
    t_ankle = (heel_xz[0], y, heel_xz[1])
    # toe target: the free toe keeps the drawn foot's shape; same rule with the toe's rest height
    ground = h_toe + toe_h
    y = max(y + foot[1], ground)
    y += (ground - y) * _held(st[_W], sm) * _grounded(st[_G], sm)
    t_toe = (toe_xz[0], y, toe_xz[1])
    if sh[_LOCKED] > 0.0 and st[_LOCKED] > 0.0:
        # both planted: the toe lock settles (as its height does) where a foot of this length lies flat from
        # the heel target to the ground under the toe, so that heel-off pivots about a toe the heel agrees with
        flat = _flat_toe(t_ankle, t_toe, length)
        if _norm(flat) < 1e30:
            g = _grounded(st[_G], sm)
            st[_X] += (flat[0] - st[_X]) * g
            st[_Z] += (flat[2] - st[_Z]) * g
            t_toe = (st[_X], y, st[_Z])
    elif st[_W] > 0.0:
        # heel not locked, toe held: the ankle pivots about the toe target at the foot's length, no lower
        # than its rest height (continuous: a settled heel lock already lies on that sphere). The ground
        # under the pivoted ankle is interpolated along the heel -> toe line from the two heights sampled.
        around = _pivot(t_ankle, t_toe, length, floor)
        for _ in range(3):                              # converges fast: the error shrinks by ~slope x pitch
            around = _pivot(t_ankle, t_toe, length, _along(around, t_ankle, t_toe, h_heel, h_toe) + ankle_h)
        t_ankle = _add(t_ankle, _scale(_sub(around, t_ankle), _held(st[_W], sm)))
    if not (_norm(t_ankle) < 1e30 and _norm(t_toe) < 1e30 and _norm(a) < 1e30 and _norm(toe) < 1e30):
        sh[:] = 0.0                                     # non-finite pose or heights: leave the leg as drawn
        st[:] = 0.0
        return c, toe
    if _norm(_sub(t_ankle, c)) < 1e-7 and _norm(_sub(t_toe, toe)) < 1e-7:
        return c, toe                                   # nothing to do: the leg stays exactly as drawn
    leg = _norm(_sub(b, a)) + _norm(_sub(c, b))
    reach = leg * (1.0 + params[_P_SLACK])
    out = _sub(t_ankle, a)
    if _norm(out) > reach and (sh[_LOCKED] > 0.0 or st[_LOCKED] > 0.0):
        # a lock out of reach (the IK clamps up to reach_slack beyond the leg's length: the heel lifts):
        # drag it along the ground back to that distance while its total drag stays small (the animation
        # holds a contact a little long while the hip moves on), else drop it (blend back, re-plant)
        horizontal = math.sqrt(out[0] * out[0] + out[2] * out[2])
        room = reach * reach - out[1] * out[1]
        step = horizontal - math.sqrt(room) if room > 0.0 else math.inf
        dragged = max(sh[_DRAGGED] * sh[_LOCKED], st[_DRAGGED] * st[_LOCKED])
        if dragged + step <= params[_P_DRAG] and horizontal > 1e-9:
            dx, dz = -out[0] * step / horizontal, -out[2] * step / horizontal
            t_ankle = (t_ankle[0] + dx, t_ankle[1], t_ankle[2] + dz)
            t_toe = (t_toe[0] + dx, t_toe[1], t_toe[2] + dz)
            for s in (sh, st):
                if s[_LOCKED] > 0.0:
                    s[_X] += dx
                    s[_Z] += dz
                    s[_DRAGGED] = dragged + step
        else:
            for s in (sh, st):
                if s[_LOCKED] > 0.0:
                    s[_LOCKED] = 0.0
                    s[_HOLD] = 1.0
    da, db, ok = _two_bone(a, b, c, t_ankle, pole, params[_P_EXT])
    if not ok:
        return c, toe
    new_knee = _add(a, _qrot(da, _sub(b, a)))
    new_ankle = _add(new_knee, _qrot(db, _sub(c, b)))
    # the foot keeps its drawn world orientation, turned so that the toe points at its target
    aim = (1.0, 0.0, 0.0, 0.0)
    if length > 1e-9:
        aim = _arc(foot, _sub(t_toe, new_ankle), _perpendicular(_scale(foot, 1.0 / length)))
    ga = (ch[0, 3], ch[0, 4], ch[0, 5], ch[0, 6])
    gb = (ch[1, 3], ch[1, 4], ch[1, 5], ch[1, 6])
    gc = (ch[2, 3], ch[2, 4], ch[2, 5], ch[2, 6])
    fixes = (_sandwich(ga, da), _sandwich(gb, _qmul(_qconj(da), db)), _sandwich(gc, _qmul(_qconj(db), aim)))
    for m in range(3):
        j = joints[m]
        old = (float(local_rotations[n, j, 0]), float(local_rotations[n, j, 1]),
               float(local_rotations[n, j, 2]), float(local_rotations[n, j, 3]))
        new = _qnormalize(_qmul(_qnormalize(old), fixes[m]))
        for k in range(4):
            local_rotations[n, j, k] = new[k]
    return new_ankle, _add(new_ankle, _qrot(aim, foot))


@_compiler.jit
def _solve(root_rotation, local_rotations, joints, legf, params, state, chain, xz, heights):
    """Stage 2: per leg `_solve_leg`; remembers where each heel and toe is drawn (a new lock starts there)."""
    for n in range(state.shape[0]):
        rq = _qnormalize((float(root_rotation[n, 0]), float(root_rotation[n, 1]), float(root_rotation[n, 2]),
                          float(root_rotation[n, 3])))
        for leg in range(state.shape[1]):
            pole = _qrot(rq, (legf[leg, 2], legf[leg, 3], legf[leg, 4]))
            ankle, toe = _solve_leg(chain[n, leg], state[n, leg, 0], state[n, leg, 1], xz[n, leg, 0], xz[n, leg, 1],
                                    heights[n, leg, 0], heights[n, leg, 1], legf[leg, 0], legf[leg, 1], pole, params,
                                    local_rotations, n, joints[leg])
            for part, p in ((0, ankle), (1, toe)):
                s = state[n, leg, part]
                s[_DX], s[_DZ] = p[0], p[2]
                s[_DRAWN] = 1.0 if math.isfinite(p[0]) and math.isfinite(p[2]) else 0.0


@_compiler.jit
def _apply_grid(root_position, root_rotation, local_positions, local_rotations, contacts, paths, depths, cols,
                joints, legf, params, state, roots, chain, xz, qx, qz, heights, grid, origin_x, origin_z, inv_cell):
    """One call per tick when heights come from a height field grid."""
    _prepare(root_position, root_rotation, local_positions, local_rotations, contacts, paths, depths, cols,
             params, state, roots, chain, xz, qx, qz)
    _sample_grid(grid, origin_x, origin_z, inv_cell, qx, qz, heights)
    _solve(root_rotation, local_rotations, joints, legf, params, state, chain, xz, heights)


# -- the per-character object ---------------------------------------------------------------------------

def _grid_of(height_at: HeightSource) -> HeightField | None:
    """The HeightField behind `height_at` when it is one (or its bound `sample`), else None."""
    if isinstance(height_at, HeightField):
        return height_at
    owner = getattr(height_at, "__self__", None)
    if isinstance(owner, HeightField) and getattr(height_at, "__func__", None) is HeightField.sample:
        return owner
    return None


class FootLock:
    """Foot locking IK for a batch of N characters on one skeleton (state per character and leg).

    legs: the `LegChain`s (`biped_legs(skeleton)` for PFNN). threshold / release_threshold: contact
    hysteresis (lock above the first, release below the second). release_frames: ticks a released lock
    takes to blend back to the animation. ground_frames: ticks a new lock takes to settle its height on
    the terrain. max_extension: share of a leg's length the IK may use (it clamps there). reach_slack:
    how far beyond the leg's length (share of it) a lock may lie before it is dragged along the ground
    (at most max_drag metres in all per lock) or dropped; the animation's own legs are often straight at
    heel strike and late in stance, so locks routinely sit just out of the IK's reach.
    teleport_distance: a root moving farther in one tick drops the character's locks (metres).
    smooth_blend: ease the release and ground blends' ends (module docstring) instead of linear ramps
    (off by default; MANN declares it with release_frames=10).
    """

    def __init__(self, skeleton: Skeleton, legs: Sequence[LegChain], batch_size: int = 1, *,
                 threshold: float = 0.5, release_threshold: float = 0.3, release_frames: int = 6,
                 ground_frames: int = 4, max_extension: float = 0.999, reach_slack: float = 0.03,
                 teleport_distance: float = 1.0, max_drag: float = 0.2, smooth_blend: bool = False) -> None:
        if batch_size < 1:
            raise InputError(f"foot IK: batch_size must be at least 1, got {batch_size}")
        if not legs:
            raise InputError("foot IK: no legs given")
        if not 0.0 <= release_threshold <= threshold:
            raise InputError(f"foot IK: need 0 <= release_threshold <= threshold, got {release_threshold}, {threshold}")
        if (release_frames < 1 or ground_frames < 1 or not 0.5 < max_extension <= 1.0 or not 0.0 <= reach_slack < 1.0
                or not teleport_distance > 0 or not max_drag >= 0):
            raise InputError("foot IK: release_frames and ground_frames must be >= 1, max_extension in (0.5, 1], "
                             "reach_slack in [0, 1), teleport_distance > 0, max_drag >= 0")
        self.skeleton = skeleton
        self.legs = tuple(legs)
        self.batch_size = int(batch_size)
        parents = skeleton.parents
        paths, legf = [], []
        for leg in self.legs:
            chain = [leg.hip, leg.knee, leg.ankle, leg.toe]
            for k in range(1, 4):
                if not 0 <= chain[k] < skeleton.num_joints or parents[chain[k]] != chain[k - 1]:
                    raise InputError(f"foot IK: leg {leg.name or chain}: joints {chain} are not a hip -> knee -> "
                                     "ankle -> toe chain of parent and child")
            path = [leg.hip]
            while parents[path[0]] >= 0:
                path.insert(0, int(parents[path[0]]))
            paths.append(path + chain[1:])
            legf.append([leg.ankle_height, leg.toe_height, *leg.pole, 0.0])
        depth = max(len(p) for p in paths)
        self._paths = np.array([p + [0] * (depth - len(p)) for p in paths], np.int64)
        self._depths = np.array([len(p) for p in paths], np.int64)
        self._cols = np.array([[leg.heel_contact, leg.toe_contact] for leg in self.legs], np.int64)
        self._joints = np.array([[leg.hip, leg.knee, leg.ankle] for leg in self.legs], np.int64)
        self._legf = np.array(legf, np.float64)
        self._max_col = int(self._cols.max())
        self._params = np.array([threshold, release_threshold, 1.0 / release_frames, 1.0 / ground_frames,
                                 max_extension, reach_slack, teleport_distance, max_drag, float(bool(smooth_blend))],
                                np.float64)
        n, m = self.batch_size, len(self.legs)
        self._state = np.zeros((n, m, 2, _STATE))
        self._roots = np.zeros((n, 4))
        self._chain = np.zeros((n, m, 4, 7))
        self._xz = np.zeros((n, m, 2, 2))
        self._qx = np.zeros((n, m, 2))
        self._qz = np.zeros((n, m, 2))
        self._heights = np.zeros((n, m, 2))
        self._bound: dict[int, tuple] = {}
        self._seen: dict[int, tuple] = {}
        self._warm_up()

    def _bind(self, args: tuple, given: tuple, height_at: HeightSource) -> None:
        """Remember the compiled overload numba chose for `args` (checked, converted arrays of one call), so
        that the next calls with the very same array objects and height field skip the checks and numba's
        argument typing: `apply`'s fast path (binding only arrays passed in as the kernel reads them). One
        binding per local_rotations array (the runtime alternates two pose buffers), made on the second call
        with the same arrays (a caller handing fresh arrays every call pays no typing)."""
        key = id(given[3])
        seen = self._seen.get(key)
        if seen is None or any(a is not b for a, b in zip(seen, given)):
            if len(self._seen) > 8:                     # fresh arrays every call (host copies): no binding
                self._seen.clear()
            self._seen[key] = given                     # bind on the second call with these arrays
            return
        overload = _apply_grid.overloads.get(tuple(_apply_grid.typeof_pyval(a) for a in args))
        if len(self._bound) > 8:                        # pose buffers come and go: forget old ones
            self._bound.clear()
        if overload is None or not isinstance(height_at, HeightField) or any(a is not g for a, g in zip(args, given)):
            self._bound.pop(id(given[3]), None)
            return
        self._bound[id(given[3])] = (*given, height_at, height_at.heights, overload.entry_point, args)

    def _warm_up(self) -> None:
        """Compile the kernels (first run; numba's disk cache after) now, not in the first tick of a game."""
        if _apply_grid.signatures:
            return
        _log.info("foot IK: preparing the compiled kernels (from the disk cache; the first run compiles them, ~8 s)")
        n, j = self.batch_size, self.skeleton.num_joints
        rotations = np.zeros((n, j, 4), np.float32)
        rotations[..., 0] = 1.0
        rest = np.broadcast_to(np.asarray(self.skeleton.offsets, np.float32), (n, j, 3)).copy()
        identity = np.tile(np.array([1.0, 0.0, 0.0, 0.0], np.float32), (n, 1))
        self.apply(np.zeros((n, 3), np.float32), identity, rest, rotations,
                   np.zeros((n, self._max_col + 1), np.float32), HeightField.flat())
        self._bound.clear()
        self._seen.clear()
        self.reset()

    def reset(self, indices: Sequence[int] | None = None) -> None:
        """Forget the locks of all characters (or of `indices`); the next tick re-plants them."""
        if indices is None:
            self._state[:] = 0.0
            self._roots[:] = 0.0
        else:
            idx = np.asarray(list(indices), np.int64)
            self._state[idx] = 0.0
            self._roots[idx] = 0.0

    @property
    def lock_weights(self) -> np.ndarray:
        """[N, legs, 2] how strongly each heel / toe is held at its lock this tick (0..1), a copy."""
        w = self._state[..., _W]
        return w * w if self._params[_P_SMOOTH] > 0.0 else w.copy()

    @property
    def locked(self) -> np.ndarray:
        """[N, legs, 2] bool: heel / toe currently locked."""
        return self._state[..., _LOCKED] > 0.0

    def apply(self, root_position: np.ndarray, root_rotation: np.ndarray, local_positions: np.ndarray,
              local_rotations: np.ndarray, contacts: np.ndarray, height_at: HeightSource) -> np.ndarray:
        """Lock and ground the feet of one tick's poses; modifies `local_rotations` IN PLACE and returns it.

        root_position [N, 3], root_rotation [N, 4] (w, x, y, z), local_positions [N, J, 3],
        local_rotations [N, J, 4] (float32, C-contiguous), contacts [N, C] in 0..1.
        height_at(x, z) -> y: terrain heights at arrays of world x/z (e.g. `HeightField.sample`, or the
        HeightField itself; a HeightField is sampled inside the compiled kernel, anything else is
        called once per tick with [N, legs, 2] arrays).
        """
        bound = self._bound.get(id(local_rotations))
        if (bound is not None and root_position is bound[0] and root_rotation is bound[1] and local_positions is bound[2]
                and local_rotations is bound[3] and contacts is bound[4] and height_at is bound[5]
                and height_at.heights is bound[6] and local_rotations.flags.writeable):
            bound[7](*bound[8])                         # the same arrays and height field as the last call
            return local_rotations
        n = self.batch_size
        lr = local_rotations
        if (not isinstance(lr, np.ndarray) or lr.dtype != np.float32 or not lr.flags.c_contiguous
                or not lr.flags.writeable or lr.ndim != 3 or lr.shape[0] != n or lr.shape[2] != 4
                or lr.shape[1] != self.skeleton.num_joints):
            raise InputError(f"foot IK: local_rotations must be a writeable C-contiguous float32 array of shape "
                             f"({n}, {self.skeleton.num_joints}, 4), got "
                             f"{getattr(lr, 'dtype', type(lr).__name__)} {getattr(lr, 'shape', '')}")
        rp, rr, lp, c = (np.asarray(x, np.float32) for x in (root_position, root_rotation, local_positions, contacts))
        if (rp.shape != (n, 3) or rr.shape != (n, 4) or lp.shape != (n, lr.shape[1], 3) or c.ndim != 2
                or c.shape[0] != n or c.shape[1] <= self._max_col):
            raise InputError(f"foot IK: expected root_position ({n}, 3), root_rotation ({n}, 4), local_positions "
                             f"({n}, {lr.shape[1]}, 3), contacts ({n}, >{self._max_col}); got {rp.shape}, {rr.shape}, "
                             f"{lp.shape}, {c.shape}")
        grid = _grid_of(height_at)
        if grid is not None:
            args = (rp, rr, lp, lr, c, self._paths, self._depths, self._cols, self._joints, self._legf,
                    self._params, self._state, self._roots, self._chain, self._xz, self._qx, self._qz,
                    self._heights, grid.heights, float(grid.origin[0]), float(grid.origin[1]),
                    1.0 / float(grid.cell_size))
            _apply_grid(*args)
            self._bind(args, (root_position, root_rotation, local_positions, local_rotations, contacts), height_at)
            return lr
        self._bound.pop(id(local_rotations), None)
        _prepare(rp, rr, lp, lr, c, self._paths, self._depths, self._cols, self._params, self._state,
                 self._roots, self._chain, self._xz, self._qx, self._qz)
        h = np.asarray(height_at(self._qx, self._qz), np.float64)
        if h.size != self._heights.size:
            raise InputError(f"foot IK: height_at returned {h.size} heights for {self._heights.size} points")
        self._heights[...] = h.reshape(self._heights.shape)
        _solve(rr, lr, self._joints, self._legf, self._params, self._state, self._chain, self._xz, self._heights)
        return lr

    def apply_pose(self, pose: "PoseArrays", height_at: HeightSource,
                   contacts: np.ndarray | None = None) -> "PoseArrays":
        """`apply` on a host pose (`PoseBatch.to_numpy()`); contacts default to pose.extras["contacts"]."""
        if contacts is None:
            if "contacts" not in pose.extras:
                raise InputError("foot IK: the pose carries no 'contacts' extra; pass contacts explicitly")
            contacts = pose.extras["contacts"]
        self.apply(pose.root_position, pose.root_rotation, pose.local_positions, pose.local_rotations, contacts,
                   height_at)
        return pose

