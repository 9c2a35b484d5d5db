"""Foot locking IK: two-bone IK geometry, FootLock on a synthetic walk (lock, release, terrain height,
teleport, reach, random input), and the shipped PFNN default's foot skating with and without it."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import neuropuppet.motion.rotations as R
from neuropuppet.errors import InputError
from neuropuppet.motion.foot_ik import FootLock, LegChain, biped_legs, leg_chain, two_bone_ik
from neuropuppet.motion.kinematics import forward_kinematics
from neuropuppet.motion.metrics import foot_skating
from neuropuppet.motion.synth.biped import biped_skeleton
from neuropuppet.terrain import HeightField

FPS = 60.0
SKELETON = biped_skeleton()
LEGS = biped_legs(SKELETON)
HIPS, ANKLES, TOES = [2, 7], [4, 9], [5, 10]   # LeftUpLeg/RightUpLeg, LeftFoot/RightFoot, LeftToeBase/RightToeBase
FEET = [4, 5, 9, 10]                          # PFNN's contact order: L heel, L toe, R heel, R toe
LEG_LENGTH = 0.43 + 0.42


# -- two-bone IK -------------------------------------------------------------------------------------------

CHAIN_PARENTS = [-1, 0, 1, 2]                 # pelvis -> hip -> knee -> ankle
CHAIN_OFFSETS = np.array([[0, 1.0, 0], [0.1, -0.05, 0], [0, -0.43, 0], [0, -0.42, 0]])


def _random_chains(rng: np.random.Generator, m: int) -> np.ndarray:
    """Local rotations [m, 4, 4] of random legs whose knee is a hinge about local X, bent backwards."""
    lr = R.quat_normalize(rng.normal(size=(m, 4, 4)))
    lr[:, 2] = R.quat_from_axis_angle(np.array([1.0, 0, 0]), rng.uniform(0.05, 2.5, m))
    lr[:, 3] = R.quat_identity((m,))
    return lr


def _solve(lr: np.ndarray, target: np.ndarray, **kw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pos, rot = forward_kinematics(CHAIN_PARENTS, CHAIN_OFFSETS, lr)
    hip_fix, knee_fix = two_bone_ik(pos[:, 1], pos[:, 2], pos[:, 3], target, rot[:, 1], rot[:, 2], **kw)
    out = lr.copy()
    out[:, 1] = R.quat_mul(lr[:, 1], hip_fix)
    out[:, 2] = R.quat_mul(lr[:, 2], knee_fix)
    new, _ = forward_kinematics(CHAIN_PARENTS, CHAIN_OFFSETS, out)
    return pos, new, out


def test_two_bone_ik_reaches_keeps_lengths_and_knee_side() -> None:
    rng = np.random.default_rng(0)
    lr = _random_chains(rng, 500)
    hip = forward_kinematics(CHAIN_PARENTS, CHAIN_OFFSETS, lr)[0][:, 1]
    direction = R.quat_rotate(R.quat_normalize(rng.normal(size=(500, 4))), np.array([0, 0, 1.0]))
    target = hip + direction * rng.uniform(0.05, 0.84, (500, 1))   # all inside |0.43 - 0.42| .. 0.85
    old, new, out = _solve(lr, target)
    assert np.isfinite(new).all()
    assert np.linalg.norm(new[:, 3] - target, axis=-1).max() < 1e-4
    assert np.allclose(np.linalg.norm(new[:, 2] - new[:, 1], axis=-1), 0.43, atol=1e-9)
    assert np.allclose(np.linalg.norm(new[:, 3] - new[:, 2], axis=-1), 0.42, atol=1e-9)
    # the knee stays a hinge about its local X axis, bent the same way (positive angle about +X)
    knee = R.quat_abs(R.quat_normalize(out[:, 2]))
    assert np.abs(knee[:, 2:]).max() < 1e-9 and (knee[:, 1] > 0).all()


def test_two_bone_ik_clamps_unreachable_targets_without_nan() -> None:
    rng = np.random.default_rng(1)
    lr = _random_chains(rng, 200)
    hip = forward_kinematics(CHAIN_PARENTS, CHAIN_OFFSETS, lr)[0][:, 1]
    direction = R.quat_rotate(R.quat_normalize(rng.normal(size=(200, 4))), np.array([0, 0, 1.0]))
    target = hip + direction * rng.uniform(0.9, 50.0, (200, 1))
    _, new, _ = _solve(lr, target, max_extension=0.9999)
    reach = new[:, 3] - new[:, 1]
    assert np.isfinite(new).all()
    assert np.allclose(np.linalg.norm(reach, axis=-1), LEG_LENGTH * 0.9999, atol=1e-9)   # full extension...
    assert np.allclose(reach / np.linalg.norm(reach, axis=-1, keepdims=True), direction, atol=1e-6)  # ...towards it
    # a target on the hip itself (too close) is clamped to |thigh - shin|, still finite
    _, new, _ = _solve(lr[:5], hip[:5])
    assert np.isfinite(new).all()
    assert np.allclose(np.linalg.norm(new[:, 3] - new[:, 1], axis=-1), 0.01, atol=1e-5)


def test_two_bone_ik_straight_leg_bends_towards_the_pole() -> None:
    lr = R.quat_identity((2, 4))                      # straight legs hanging down
    target = np.array([[0.1, 0.2, 0.0], [0.1, 0.2, 0.0]])   # 0.35 m below the hip: the knee must bend
    _, new, _ = _solve(lr, target, pole=np.array([[0, 0, 1.0], [0, 0, -1.0]]))
    assert np.linalg.norm(new[:, 3] - target, axis=-1).max() < 1e-6
    assert new[0, 2, 2] > 0.1 and new[1, 2, 2] < -0.1  # knee forward for a +Z pole, backward for -Z


# -- legs from a skeleton ------------------------------------------------------------------------------------

def test_leg_specs_from_names_and_clear_errors() -> None:
    left, right = LEGS
    assert (left.hip, left.knee, left.ankle, left.toe) == (2, 3, 4, 5)
    assert (right.hip, right.knee, right.ankle, right.toe) == (7, 8, 9, 10)
    assert (left.heel_contact, left.toe_contact, right.heel_contact, right.toe_contact) == (0, 1, 2, 3)
    assert left.ankle_height == pytest.approx(0.08) and left.toe_height == pytest.approx(0.02)  # 0.02 + 0.06 toe drop
    with pytest.raises(InputError, match="'LeftShin'"):
        leg_chain(SKELETON, "LeftUpLeg", "LeftShin", "LeftFoot", "LeftToeBase")
    with pytest.raises(InputError, match="not a child"):
        leg_chain(SKELETON, "LeftUpLeg", "LeftFoot", "LeftLeg", "LeftToeBase")
    with pytest.raises(InputError, match="chain"):
        FootLock(SKELETON, [LegChain(2, 3, 9, 10)])


# -- FootLock on a synthetic walk -----------------------------------------------------------------------------

def walk(frames: int = 300, speed: float = 1.2, slope: float = 0.0, n: int = 1, seed: int = 0,
         hips: float = 0.85, knee: float = 0.1):
    """A synthetic walk that skates: root along +Z at `speed` on the ground z * slope, hips `hips` above
    it, legs swinging at 1 Hz (thigh +-0.4 rad, knee bent `knee` rad, more in swing); each foot's contact
    is on while it moves back relative to the hips (heel and toe columns, the toe lagging a little so
    heel-off happens). Returns (root_position [T,n,3], root_rotation, local_positions, local_rotations,
    contacts [T,n,4])."""
    j = SKELETON.num_joints
    t = np.arange(frames) / FPS
    shift = np.random.default_rng(seed).uniform(0, 2 * np.pi, n)
    rp = np.zeros((frames, n, 3))
    rp[..., 2] = speed * t[:, None]
    rp[..., 1] = slope * rp[..., 2]
    rr = np.broadcast_to(R.quat_identity(), (frames, n, 4)).copy()
    lp = np.broadcast_to(SKELETON.offsets, (frames, n, j, 3)).copy()
    lp[..., 0, :] = (0.0, hips, 0.0)
    lr = np.broadcast_to(R.quat_identity(), (frames, n, j, 4)).copy()
    contacts = np.zeros((frames, n, 4))
    x = np.array([1.0, 0.0, 0.0])
    for side, (hip, shin, ankle) in enumerate(((2, 3, 4), (7, 8, 9))):
        phi = 2 * np.pi * t[:, None] + shift[None] + side * np.pi
        lr[..., hip, :] = R.quat_from_axis_angle(x, -0.4 * np.cos(phi))
        lr[..., shin, :] = R.quat_from_axis_angle(x, knee + 0.8 * np.maximum(0.0, -np.sin(phi)))
        lr[..., ankle, :] = R.quat_from_axis_angle(x, 0.15 * np.sin(phi))
        contacts[..., 2 * side] = np.clip(0.5 + 2 * np.sin(phi), 0, 1)
        contacts[..., 2 * side + 1] = np.clip(0.5 + 2 * np.sin(phi - 0.3), 0, 1)
    f32 = np.float32
    return rp.astype(f32), rr.astype(f32), lp.astype(f32), lr.astype(f32), contacts.astype(f32)


def run_lock(seq, height_at, lock: FootLock | None = None, **kw) -> tuple[np.ndarray, np.ndarray, FootLock]:
    """World joint positions [T,n,J,3] raw and after FootLock applied tick by tick."""
    rp, rr, lp, lr, contacts = seq
    lock = lock or FootLock(SKELETON, LEGS, rp.shape[1], **kw)
    out = lr.copy()
    for k in range(len(rp)):
        frame = np.ascontiguousarray(out[k])
        lock.apply(rp[k], rr[k], lp[k], frame, contacts[k], height_at)
        out[k] = frame
    raw, _ = forward_kinematics(SKELETON.parents, lp, lr, rp, rr)
    locked, _ = forward_kinematics(SKELETON.parents, lp, out, rp, rr)
    return raw, locked, lock


def _leg_extension(world: np.ndarray) -> np.ndarray:
    return np.linalg.norm(world[..., ANKLES, :] - world[..., HIPS, :], axis=-1)


def test_locked_feet_do_not_skate_on_a_walk() -> None:
    seq = walk()
    flat = HeightField.flat()
    raw, locked, _ = run_lock(seq, flat)
    contacts = seq[4][:, 0] > 0.5
    before = foot_skating(raw[:, 0, FEET], contacts, FPS)
    after = foot_skating(locked[:, 0, FEET], contacts, FPS)
    assert before > 0.3, before                       # the synthetic walk does skate...
    heels = foot_skating(locked[:, 0, ANKLES], contacts[:, [0, 2]], FPS)
    assert heels < 1e-3, heels                        # ...the locked ankles stand still,
    # and so do the toes, but for a toe locked while its heel is planted: it rolls flat onto the ground
    # over ground_frames (~1 cm here, the synthetic foot is pitched at toe contact)
    assert after < 0.03, after
    # bones keep their lengths, legs stay within reach, the rest of the body is untouched
    bones = SKELETON.parents[1:]
    assert np.allclose(np.linalg.norm(locked[..., 1:, :] - locked[..., bones, :], axis=-1),
                       np.linalg.norm(raw[..., 1:, :] - raw[..., bones, :], axis=-1), atol=1e-5)
    assert _leg_extension(locked).max() <= LEG_LENGTH * 0.999 + 1e-5
    others = [j for j in range(SKELETON.num_joints) if j not in (3, 4, 5, 8, 9, 10)]
    assert np.array_equal(locked[..., others, :], raw[..., others, :])


def test_release_blends_back_without_a_pop() -> None:
    seq = walk()
    flat = HeightField.flat()
    raw, smooth, _ = run_lock(seq, flat)
    _, snap, _ = run_lock(seq, flat, release_frames=1)
    step = lambda w: np.linalg.norm(np.diff(w[:, 0, ANKLES], axis=0), axis=-1).max()   # noqa: E731
    # a released foot catches up with the animation over release_frames: per tick it moves at most a little
    # more than the animation itself does (raw ~0.05 m/tick in swing), far less than a one-tick release
    assert step(smooth) < step(raw) + 0.03, (step(smooth), step(raw))
    assert step(snap) > step(smooth) + 0.03, (step(snap), step(smooth))
    # after the blend the foot is back on the animation's x/z exactly (swing, no lock weight left; its
    # height may be raised to the floor, the synthetic swing dips the ankle below its rest height)
    swing = (seq[4][:, 0, 0] == 0) & (np.roll(seq[4][:, 0, 0], 10) == 0)
    assert np.abs(smooth[swing, 0, 4, ::2] - raw[swing, 0, 4, ::2]).max() < 1e-5


def _paw_walk(**kw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The synthetic walk on paw-style legs (one contact at the toe, as a quadruped's): world joints raw and
    locked [T, J, 3] and the left toe's lock weight per tick [T]."""
    from neuropuppet.modifiers import legs_from_contacts
    rp, rr, lp, lr, contacts = walk()
    contacts = np.ascontiguousarray(contacts[..., [1, 3]])
    lock = FootLock(SKELETON, legs_from_contacts(SKELETON, ["LeftToeBase", "RightToeBase"]), 1, **kw)
    out, weights = lr.copy(), []
    for k in range(len(rp)):
        frame = np.ascontiguousarray(out[k])
        lock.apply(rp[k], rr[k], lp[k], frame, contacts[k], HeightField.flat())
        out[k] = frame
        weights.append(lock.lock_weights[0, 0, 1])
    raw, _ = forward_kinematics(SKELETON.parents, lp, lr, rp, rr)
    locked, _ = forward_kinematics(SKELETON.parents, lp, out, rp, rr)
    return raw[:, 0], locked[:, 0], np.asarray(weights)


def test_smooth_blend_joins_the_animation_without_a_kink() -> None:
    frames = 10
    raw, linear, w_linear = _paw_walk(release_frames=frames)
    _, smooth, w_smooth = _paw_walk(release_frames=frames, smooth_blend=True)
    releases = np.nonzero((w_smooth[:-1] == 1.0) & (w_smooth[1:] < 1.0))[0] + 1
    assert len(releases) >= 3 and np.array_equal(releases, np.nonzero((w_linear[:-1] == 1.0) & (w_linear[1:] < 1.0))[0] + 1)
    ramp = 1.0 - np.arange(1, frames + 1) / frames
    for r in releases[:-1]:
        # the lock weight (how strongly the paw is held) falls as the square of the linear ramp
        assert np.allclose(w_linear[r:r + frames], ramp) and np.allclose(w_smooth[r:r + frames], ramp ** 2)
    toe = SKELETON.index("LeftToeBase")
    contacts = walk()[4][:, 0, 1] > 0.5
    for locked in (linear, smooth):                    # planted paws stand still either way
        assert foot_skating(locked[:, toe:toe + 1], contacts[:, None], FPS) < 1e-3

    def end_kink(locked: np.ndarray) -> float:
        """Largest change of the released paw's velocity relative to the animation's over a blend's end."""
        rel = np.diff((locked - raw)[:, toe, ::2], 2, axis=0)
        return max(float(np.linalg.norm(rel[r + frames - 3:r + frames + 1], axis=-1).max()) for r in releases[:-1])
    # the linear blend stops pulling at once (a kink in the paw's path); the smooth one fades its pull out
    assert end_kink(smooth) < 0.5 * end_kink(linear), (end_kink(smooth), end_kink(linear))
    assert np.array_equal(_paw_walk(release_frames=frames, smooth_blend=False)[1], linear)   # the default is linear


def test_smooth_ground_settle_and_relock_continue_the_height() -> None:
    """A new lock lands on the ground with no vertical speed (g (2 - g) of the ramp g); a re-lock during a
    release restarts the ramp where the settled share it had continues (the inverse), so the height does not pop."""
    from neuropuppet.motion.foot_ik import _ground_ramp, _grounded
    g = np.linspace(0.0, 1.0, 11)
    assert np.allclose([_grounded(x, 1.0) for x in g], g * (2 - g)) and np.allclose([_grounded(x, 0.0) for x in g], g)
    assert np.allclose([_grounded(_ground_ramp(y, 1.0), 1.0) for y in g], g, atol=1e-9)
    assert np.allclose([_ground_ramp(y, 0.0) for y in g], g)


def test_planted_feet_stand_on_a_slope() -> None:
    slope = 0.12
    z = np.arange(-2.0, 8.0, 0.5)
    field = HeightField(np.repeat((slope * z)[:, None], 4, axis=1).astype(np.float32), (-1.0, -2.0), 0.5)
    seq = walk(slope=slope, hips=0.9, knee=0.5)         # stance feet sink early and float late
    results = []
    for height_at in (field, lambda x, z: field.sample(x, z)):     # in-kernel grid and a plain callable
        raw, locked, _ = run_lock(seq, height_at)
        results.append(locked)
        contacts = seq[4][:, 0]
        settled = np.zeros_like(contacts, bool)       # in contact for 4+ ticks: the height ramp has finished
        for k in range(4, len(contacts)):
            settled[k] = (contacts[k - 4:k + 1] > 0.5).all(axis=0)
        for column, joint, rest in ((0, 4, 0.08), (1, 5, 0.02), (2, 9, 0.08), (3, 10, 0.02)):
            leg = column // 2
            extension = np.linalg.norm(locked[:, 0, ANKLES[leg]] - locked[:, 0, HIPS[leg]], axis=-1)
            reachable = extension < LEG_LENGTH * 0.998     # a clamped leg (end of stance) cannot reach
            m = settled[:, column] & reachable
            for world, exact in ((locked, True), (raw, False)):
                ground = field.sample(world[m, 0, joint, 0], world[m, 0, joint, 2])
                err = world[m, 0, joint, 1] - ground - rest
                if exact:
                    assert m.sum() > 30 and np.abs(err).max() < 1e-4, (column, np.abs(err).max())
                elif column == 0:                     # the raw heel both floats and sinks: the test means something
                    assert err.max() > 0.02 and err.min() < -0.02, (err.min(), err.max())
        # feet never sink below their rest height, in swing either
        ground = field.sample(locked[:, 0, ANKLES, 0], locked[:, 0, ANKLES, 2])
        assert (locked[:, 0, ANKLES, 1] - ground > 0.08 - 1e-4).all()
    assert np.allclose(results[0], results[1], atol=1e-4)


def test_teleport_and_lurch_replant_without_stretching() -> None:
    seq = walk(frames=240)
    rp = seq[0].copy()
    rp[120:, 0, 0] += 5.0                              # teleport: 5 m sideways in one tick
    rp[180:, 0, 2] += 0.6                              # a lurch under teleport_distance: locks out of reach
    seq = (rp,) + seq[1:]
    raw, locked, lock = run_lock(seq, HeightField.flat())
    assert np.isfinite(locked).all()
    assert _leg_extension(locked).max() <= LEG_LENGTH * 0.999 + 1e-5
    # right after the teleport the feet are where the animation puts them (re-planted, no drag from 5 m away)
    assert np.linalg.norm(locked[120, 0, ANKLES, ::2] - raw[120, 0, ANKLES, ::2], axis=-1).max() < 0.1
    # and they lock again: after either event most contact frames are planted (a lock the lurch left
    # out of reach is dragged a little, then dropped and re-planted)
    contacts = seq[4][:, 0] > 0.5
    speed = lambda w: np.linalg.norm(np.gradient(w[:, 0, FEET][..., ::2], axis=0), axis=-1) * FPS   # noqa: E731
    for window in (slice(122, 180), slice(185, 240)):
        planted = np.median(speed(locked[window])[contacts[window]])
        assert planted < 1e-3 and np.median(speed(raw[window])[contacts[window]]) > 0.3, planted
    lock.reset([0])
    assert not lock.locked.any() and lock.lock_weights.max() == 0


def test_batch_matches_single_characters_and_reset_indices() -> None:
    seq = walk(frames=120, n=3, seed=2)
    _, batch, lock = run_lock(seq, HeightField.flat())
    for i in range(3):
        single = tuple(np.ascontiguousarray(a[:, i:i + 1]) for a in seq)
        _, alone, _ = run_lock(single, HeightField.flat())
        assert np.allclose(batch[:, i], alone[:, 0], atol=1e-6)
    assert lock.locked[1:].any()
    lock.reset([0])
    assert not lock.locked[0].any() and lock.locked[1:].any() and lock.lock_weights[0].max() == 0


def test_random_input_stays_finite_and_within_reach() -> None:
    rng = np.random.default_rng(3)
    n, frames = 6, 200
    field = HeightField(rng.uniform(-0.3, 0.3, (30, 30)).astype(np.float32), (-15, -15), 1.0)
    lock = FootLock(SKELETON, LEGS, n)
    j = SKELETON.num_joints
    root = np.zeros((n, 3), np.float32)
    for k in range(frames):
        root += rng.normal(0, 0.2, (n, 3)).astype(np.float32) * (rng.uniform(size=(n, 1)) < 0.9)
        if k % 50 == 25:
            root[0] += 30.0                            # also teleports off the grid (heights clamp)
        rr = R.quat_normalize(rng.normal(size=(n, 4))).astype(np.float32)
        lp = np.broadcast_to(SKELETON.offsets, (n, j, 3)).astype(np.float32).copy()
        lp[:, 0] = rng.uniform(-1, 1, (n, 3))
        lr = R.quat_normalize(rng.normal(size=(n, j, 4))).astype(np.float32)
        contacts = (rng.uniform(size=(n, 4)) < 0.5).astype(np.float32) * rng.uniform(size=(n, 4)).astype(np.float32)
        before = lr.copy()
        lock.apply(root, rr, lp, lr, contacts, field.sample)
        assert np.isfinite(lr).all()
        assert np.allclose(np.linalg.norm(lr, axis=-1), 1.0, atol=1e-5)
        world, _ = forward_kinematics(SKELETON.parents, lp, lr, root, rr)
        assert np.isfinite(world).all()
        assert _leg_extension(world).max() <= LEG_LENGTH * 0.999 + 1e-4
        changed = np.nonzero(np.abs(lr - before).max(axis=(0, 2)) > 0)[0]
        assert set(changed.tolist()) <= {2, 3, 4, 7, 8, 9}
    # non-finite input: that tick's legs are left alone, the next tick is normal again
    lr = R.quat_normalize(rng.normal(size=(n, j, 4))).astype(np.float32)
    lr[0, 3] = np.nan
    lock.apply(root, rr, lp, lr, np.ones((n, 4), np.float32), field.sample)
    assert np.isnan(lr[0, 3]).all() and np.isfinite(np.delete(lr, 3, axis=1)).all()
    lr = R.quat_normalize(rng.normal(size=(n, j, 4))).astype(np.float32)
    lock.apply(root, rr, lp, lr, np.ones((n, 4), np.float32), field.sample)
    assert np.isfinite(lr).all()


def test_bad_arrays_are_refused() -> None:
    lock = FootLock(SKELETON, LEGS, 2)
    rp, rr, lp, lr, c = (np.ascontiguousarray(a[0]) for a in walk(frames=1, n=2))
    with pytest.raises(InputError, match="float32"):
        lock.apply(rp, rr, lp, lr.astype(np.float64), c, HeightField.flat())
    with pytest.raises(InputError, match="contacts"):
        lock.apply(rp, rr, lp, lr, c[:, :2], HeightField.flat())


# -- the shipped PFNN default ----------------------------------------------------------------------------------

def test_pfnn_default_skates_far_less_with_foot_lock() -> None:
    """PFNN's default pose modifier, the foot lock, against the same stack with modifiers=[]."""
    import neuropuppet as npp
    from neuropuppet.input.source import PerCharacterGamepads
    from neuropuppet.modifiers import FootLockModifier
    from neuropuppet.motion.kinematics import pose_world_positions

    terrain = HeightField(np.random.default_rng(0).uniform(0, 0.15, (40, 40)).astype(np.float32), (-40, -40), 2.0)
    sticks = [(0.0, 1.0), (1.0, 0.0), (-0.7, -0.7), (0.0, 1.0)]
    runtime = npp.Runtime(terrain=terrain)
    pad = np.zeros((1, 21), np.float32)
    plain = runtime.spawn("pfnn", input=PerCharacterGamepads(lambda: pad), modifiers=[])
    locked_group = runtime.spawn("pfnn", input=PerCharacterGamepads(lambda: pad))
    assert not plain.modifiers and isinstance(locked_group.modifiers[0], FootLockModifier)
    c = locked_group
    raw, locked, contacts = [], [], []
    for tick in range(600):                            # 10 s: forward, sideways, diagonal back, forward
        pad[0, :2] = sticks[tick // 150]
        runtime.tick()
        raw.append(pose_world_positions(plain.pose.to_numpy())[0])
        pose = locked_group.pose.to_numpy()
        locked.append(pose_world_positions(pose)[0])
        contacts.append(pose.extras["contacts"][0] > 0.5)
    raw, locked, contacts = np.array(raw), np.array(locked), np.array(contacts)
    feet = [c.skeleton.index(n) for n in ("LeftFoot", "LeftToeBase", "RightFoot", "RightToeBase")]
    before = foot_skating(raw[:, feet], contacts, FPS)
    after = foot_skating(locked[:, feet], contacts, FPS)
    print(f"PFNN default, 10 s of stick: foot skating raw {before:.3f} m/s, with FootLock {after:.4f} m/s")
    assert after < 0.05 and after < before / 3, (before, after)
    assert np.isfinite(locked).all()
    hips = [c.skeleton.index(n) for n in ("LeftUpLeg", "RightUpLeg")]
    assert np.linalg.norm(locked[:, feet[::2]] - locked[:, hips], axis=-1).max() <= LEG_LENGTH * 0.999 + 1e-4


def test_reused_arrays_take_the_bound_path_and_match_fresh_arrays() -> None:
    """The same array objects every tick (as the runtime's pose buffers, two alternating) go through the bound
    kernel; results equal fresh arrays through the checked path, also after the height field is swapped."""
    seq = walk(frames=160, n=2, seed=4)
    bumpy = HeightField(np.random.default_rng(1).uniform(-0.1, 0.1, (20, 20)).astype(np.float32), (-10, -10), 1.0)
    fresh, reused = FootLock(SKELETON, LEGS, 2), FootLock(SKELETON, LEGS, 2)
    buffers = [tuple(np.empty_like(a[0]) for a in seq) for _ in range(2)]
    for k in range(len(seq[0])):
        field = HeightField.flat() if k < 80 else bumpy
        frame = tuple(a[k].copy() for a in seq)
        fresh.apply(*frame, field if k % 3 else field.sample)   # fresh arrays: the checked path, never bound
        buf = buffers[k % 2]
        for dst, src in zip(buf, frame):
            dst[...] = src if dst is not buf[3] else seq[3][k]
        reused.apply(*buf, field)
        assert np.array_equal(buf[3], frame[3])
    assert len(reused._bound) == 2 and not fresh._bound
    assert reused.locked.any() and np.array_equal(reused._state, fresh._state)
    with pytest.raises(InputError, match="float32"):    # other arrays are checked again
        reused.apply(*buffers[0][:3], buffers[0][3].astype(np.float64), buffers[0][4], bumpy)
