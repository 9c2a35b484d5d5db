"""Draw the props controllers declare (`neuropuppet.props`): lit boxes in each character's frame, instanced.

Every pose's outputs of kind "props" (a `PropsOutput` carrying its boxes) are drawn for the characters
whose [N, 1] value is above 0.5: each box's centre and orientation follow the character's root
(`root_position`, `root_rotation`), its size and colour are the declared ones. One instanced draw call
for all boxes of all characters.
"""
from __future__ import annotations

from typing import Sequence

import moderngl
import numpy as np

from ..motion.rotations import quat_rotate
from ..props import PropsOutput, box_arrays
from .outputs import outputs_of_kind

BOX_VS = """
#version 330 core
uniform mat4 view_proj;
in vec3 in_position;         // unit cube corners in [-0.5, 0.5]^3
in vec3 in_normal;
in vec3 box_centre;          // per instance, world
in vec4 box_rotation;        // w, x, y, z
in vec3 box_size;
in vec3 box_color;
out vec3 v_normal;
out vec3 v_color;
out vec3 v_world;
vec3 rotate(vec4 q, vec3 v) { vec3 t = 2.0 * cross(q.yzw, v); return v + q.x * t + cross(q.yzw, t); }
void main() {
    vec3 world = box_centre + rotate(box_rotation, in_position * box_size);
    v_normal = rotate(box_rotation, in_normal);
    v_color = box_color;
    v_world = world;
    gl_Position = view_proj * vec4(world, 1.0);
}
"""

INSTANCE_FLOATS = 13
"""centre 3, rotation 4, size 3, colour 3."""


def cube() -> tuple[np.ndarray, np.ndarray]:
    """A unit cube centred on the origin: 24 vertices (position, face normal) [24, 6], 36 indices, wound
    counter-clockwise seen from outside."""
    verts, idx = [], []
    for axis in range(3):
        for sign in (1.0, -1.0):
            n = np.zeros(3)
            n[axis] = sign
            u = np.zeros(3)
            u[(axis + 1) % 3] = 1.0
            v = np.cross(n, u)
            base = len(verts)
            for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                verts.append(np.concatenate([0.5 * (n + a * u + b * v), n]))
            idx += [base, base + 1, base + 2, base, base + 2, base + 3]
    return np.array(verts, np.float32), np.array(idx, np.uint32)


def prop_instances(poses: Sequence[object]) -> np.ndarray:
    """Instance rows [M, 13] (world centre, rotation, size, colour) of every shown prop of every pose."""
    rows = []
    for pose in poses:
        for out in outputs_of_kind(pose, "props", ndim=2):
            if not isinstance(out.spec, PropsOutput) or not out.spec.boxes:
                continue
            shown = np.nonzero(np.nan_to_num(np.asarray(out.values, np.float32)[:, 0]) > 0.5)[0]
            if not len(shown):
                continue
            centre, size, color = box_arrays(out.spec.boxes)                    # [B, 3] each
            root_p = np.asarray(pose.root_position, np.float64)[shown]         # [S, 3]
            root_q = np.asarray(pose.root_rotation, np.float64)[shown]         # [S, 4]
            s, b = len(shown), len(centre)
            world = root_p[:, None] + quat_rotate(np.repeat(root_q[:, None], b, 1),
                                                  np.broadcast_to(centre, (s, b, 3)))
            rows.append(np.concatenate([world, np.repeat(root_q[:, None], b, 1), np.broadcast_to(size, (s, b, 3)),
                                        np.broadcast_to(color, (s, b, 3))], -1).reshape(-1, INSTANCE_FLOATS))
    return np.concatenate(rows).astype(np.float32) if rows else np.zeros((0, INSTANCE_FLOATS), np.float32)


class PropRenderer:
    """GL resources for the boxes; `draw(poses)` renders them with the scene's lit fragment shader."""

    def __init__(self, ctx: moderngl.Context, fragment_shader: str) -> None:
        self.ctx = ctx
        self.program = ctx.program(vertex_shader=BOX_VS, fragment_shader=fragment_shader)
        verts, idx = cube()
        self._vbo, self._ibo = ctx.buffer(verts.tobytes()), ctx.buffer(idx.tobytes())
        self._inst = ctx.buffer(reserve=64 * INSTANCE_FLOATS * 4, dynamic=True)
        self._vao = ctx.vertex_array(self.program, [(self._vbo, "3f 3f", "in_position", "in_normal"),
                                                    (self._inst, "3f 4f 3f 3f/i", "box_centre", "box_rotation",
                                                     "box_size", "box_color")], self._ibo)
        self.last_count = 0

    def draw(self, poses: Sequence[object], view_proj: bytes, light_dir: tuple, ambient: tuple) -> int:
        """Draw every shown prop; returns how many boxes were drawn."""
        inst = prop_instances(poses)
        self.last_count = len(inst)
        if not len(inst):
            return 0
        raw = inst.tobytes()
        if len(raw) > self._inst.size:
            self._inst.orphan(max(len(raw), 2 * self._inst.size))
        self._inst.write(raw)
        self.program["view_proj"].write(view_proj)
        self.program["light_dir"].value = light_dir
        self.program["ambient"].value = ambient
        self._vao.render(instances=len(inst))
        return len(inst)

    def release(self) -> None:
        for r in (self._vao, self._vbo, self._ibo, self._inst, self.program):
            r.release()


__all__ = ["PropRenderer", "prop_instances", "cube"]
