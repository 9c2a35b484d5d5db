"""Stick to desired motion and the trajectory blend for numba kernels, one character at a time.

The torch twins are `neuropuppet.locomotion.stick.DesiredMotion` and `.trajectory.blend_future`;
both read the same `GaitTable.arrays()` (a `GaitArrays` named tuple) and `StickResponse`.
`third_person_pads` is the CPU twin of `neuropuppet.locomotion.third_person.third_person_pads_`
(numpy ufuncs cost ~14 us per tick for one character, this ~0.5 us; tests/locomotion checks they agree).
"""
from __future__ import annotations

import math

from . import scalar
from .cache import KernelCompiler

_compiler = KernelCompiler(__file__)


@_compiler.jit
def desired_motion(pad, facing_x, facing_z, stick, gaits, gait, speed_w):
    """Desired velocity (m/s, world x, z) and facing (unit x, z) from one clamped pad [21]; gait weights
    are written to gait [G] (speed_w [G]: scratch). stick: a `StickResponse`, gaits: `GaitArrays`."""
    stick_x, stick_z = -pad[0], pad[1]
    length = math.sqrt(stick_x * stick_x + stick_z * stick_z)
    live = scalar.clamp((min(length, 1.0) - stick.dead_zone) / (1.0 - stick.dead_zone), 0.0, 1.0)
    moving = min(live * stick.move_ramp, 1.0)
    drive = moving * (stick.min_drive + (1.0 - stick.min_drive) * live)
    dir_x, dir_z = scalar.normalised_or(stick_x, stick_z, facing_x, facing_z, 1e-4)
    g_count = gait.shape[0]
    for g in range(g_count):
        gait[g] = 0.0
        speed_w[g] = 0.0
    gait[gaits.idle] += 1.0 - moving
    gait[gaits.moving] += moving
    speed_w[gaits.moving] = 1.0
    for m in range(gaits.targets.shape[0]):
        a = 0.0
        for k in range(gaits.selectors.shape[1]):
            a = max(a, pad[k] * gaits.selectors[m, k])
        a = scalar.clamp(a, 0.0, 1.0)
        moved, moved_speed = 0.0, 0.0
        for g in range(g_count):
            take = gait[g] * gaits.sources[m, g] * a
            gait[g] -= take
            moved += take
            take = speed_w[g] * gaits.sources[m, g] * a
            speed_w[g] -= take
            moved_speed += take
        gait[gaits.targets[m]] += moved
        speed_w[gaits.targets[m]] += moved_speed
    top = 0.0
    for g in range(g_count):
        top += speed_w[g] * gaits.speeds[g]
    vel_x, vel_z = dir_x * drive * top, dir_z * drive * top
    look_x, look_z = -pad[2], pad[3]
    if math.sqrt(look_x * look_x + look_z * look_z) > stick.look_threshold:
        face_x, face_z = scalar.normalised_or(look_x, look_z, facing_x, facing_z, 1e-4)
    else:
        face_x, face_z = scalar.normalised_or(vel_x, vel_z, facing_x, facing_z, 1e-3)
    return vel_x, vel_z, face_x, face_z


@_compiler.jit
def blend_future(future, root_x, root_z, vel_x, vel_z, face_x, face_z, w_pos, w_dir, step_seconds, out):
    """Blend the predicted future samples future [S, 4+] (world x, z, facing x, z, ...) toward the
    desired velocity and facing (`trajectory.blend_future`) into out [S, 4+] columns 0-3."""
    prev_x, prev_z, acc_x, acc_z = root_x, root_z, root_x, root_z
    for s in range(future.shape[0]):
        step_x, step_z = future[s, 0] - prev_x, future[s, 1] - prev_z
        prev_x, prev_z = future[s, 0], future[s, 1]
        acc_x += step_x + (vel_x * step_seconds - step_x) * w_pos[s]
        acc_z += step_z + (vel_z * step_seconds - step_z) * w_pos[s]
        out[s, 0], out[s, 1] = acc_x, acc_z
        mixed_x = future[s, 2] + (face_x - future[s, 2]) * w_dir[s]
        mixed_z = future[s, 3] + (face_z - future[s, 3]) * w_dir[s]
        out[s, 2], out[s, 3] = scalar.normalised_or(mixed_x, mixed_z, face_x, face_z, 1e-4)


@_compiler.jit
def third_person_pads(pads, camera_yaw, strafe_column):
    """In place, pads [N, 21] float32 and camera_yaw [N]: the left stick rotated by the camera's yaw, the
    right stick the camera's forward while the strafe column is held, else zero (see locomotion.third_person)."""
    for i in range(pads.shape[0]):
        s, c = math.sin(camera_yaw[i]), math.cos(camera_yaw[i])
        lx, ly = pads[i, 0], pads[i, 1]
        pads[i, 0] = lx * c - ly * s
        pads[i, 1] = lx * s + ly * c
        if pads[i, strafe_column] > 0.5:
            pads[i, 2], pads[i, 3] = -s, c
        else:
            pads[i, 2], pads[i, 3] = 0.0, 0.0


__all__ = ["blend_future", "desired_motion", "third_person_pads"]
