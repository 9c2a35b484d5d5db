"""Draw characters from the shared pose: instanced lit capsules (bones) and spheres (joints, eyes) on a
checkered ground or height field, plus the declared outputs the renderer knows (`outputs.py`):
contacts at the joints they name (a green sphere in contact, a red cross not), gaze rays and a ball at the
`gaze_target` output (the point looked at), eyelids over
the eyes; and debug overlays (trajectory). Expert weights and phase go to the HUD (`hud.py`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import moderngl
import numpy as np

from ..motion.kinematics import forward_kinematics
from ..motion.rotations import quat_rotate
from ..motion.skeleton import Skeleton
from ..pose import PoseArrays
from ..ports import OutputSpec
from ..terrain import HeightField
from . import meshes, shaders
from .camera import FollowCamera, gl_bytes
from .outputs import (contact_joints, eye_joints, eyelid_columns, eyelid_joints, first_output, guessed_feet,
                      outputs_of_kind)
from .props import PropRenderer

PALETTE = np.array([[0.90, 0.45, 0.15], [0.20, 0.50, 0.90], [0.25, 0.75, 0.35], [0.85, 0.25, 0.55],
                    [0.90, 0.80, 0.20], [0.55, 0.35, 0.85]], np.float32)
"""Linear-space character colours, cycled per group."""

BACKGROUND = (0.62, 0.72, 0.82)
"""Sky colour (also the fog colour), display space."""

CONTACT_ON = (0.10, 1.00, 0.20)
CONTACT_OFF = (0.90, 0.10, 0.10)
GAZE_COLOR = (0.10, 0.90, 1.00)
EYE_WHITE = (0.95, 0.95, 0.92)
IRIS_COLOR = (0.04, 0.04, 0.07)


@dataclass
class DrawStyle:
    bone_radius: float = 0.045
    joint_radius: float = 0.05
    head_radius: float = 0.11
    eye_radius: float = 0.028
    contact_marker_scale: float = 1.6       # contact marker sphere radius / the joint's radius
    gaze_length: float = 2.0                # metres
    gaze_target_radius: float = 0.07        # metres: the ball drawn at a `gaze_target` output
    light_dir: tuple[float, float, float] = (-0.4, -1.0, 0.3)      # from above, behind the default camera
    ambient: tuple[float, float, float] = (0.28, 0.30, 0.36)
    ground_colors: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0.55, 0.55, 0.52),
                                                                                   (0.40, 0.40, 0.38))
    fog_distance: float = 60.0


@dataclass
class Overlays:
    """Which debug overlays are drawn (F2 / O toggles all in the app). Eyes and lids are always drawn."""

    trajectory: bool = True
    contacts: bool = True
    gaze: bool = True

    @property
    def any(self) -> bool:
        return self.trajectory or self.contacts or self.gaze

    def set_all(self, on: bool) -> None:
        self.trajectory = self.contacts = self.gaze = on


def _is_head(name: str) -> bool:
    return "head" in name.lower()


@dataclass
class _SkeletonLayout:
    """Per-skeleton index arrays: bones (parent, child), joint radii, guessed feet, eyes and their heads.

    Eyes are drawn as eyeballs, not as joint spheres or bones (`sphere_joints` / `children` leave them out);
    eyelid joints not at all (the lids over the eyes follow the eyelid_closure output).
    """

    skeleton: Skeleton
    parents: np.ndarray
    children: np.ndarray
    joint_radius: np.ndarray
    sphere_joints: np.ndarray
    feet: np.ndarray
    eyes: np.ndarray
    eye_heads: np.ndarray               # per eye: its nearest head ancestor (-1: none)
    head: int                           # the first head joint (-1: none)
    _columns: dict = field(default_factory=dict)

    @classmethod
    def build(cls, skeleton: Skeleton, style: DrawStyle) -> "_SkeletonLayout":
        eyes = eye_joints(skeleton)
        not_eye = ~np.isin(np.arange(skeleton.num_joints), np.concatenate([eyes, eyelid_joints(skeleton)]))
        children = np.nonzero((skeleton.parents >= 0) & not_eye)[0]
        radius = np.full(skeleton.num_joints, style.joint_radius, np.float32)
        heads = [i for i, n in enumerate(skeleton.names) if _is_head(n) and not_eye[i]]
        radius[heads] = style.head_radius
        radius[eyes] = style.eye_radius
        eye_heads = []
        for e in eyes:
            p = int(skeleton.parents[e])
            while p >= 0 and not _is_head(skeleton.names[p]):
                p = int(skeleton.parents[p])
            eye_heads.append(p)
        return cls(skeleton, skeleton.parents[children], children, radius, np.nonzero(not_eye)[0],
                   guessed_feet(skeleton), eyes,
                   np.array(eye_heads, np.int64), heads[0] if heads else -1)

    def contact_columns(self, spec: OutputSpec | None, columns: int) -> np.ndarray:
        key = ("contacts", spec.joints if spec is not None else (), columns)
        if key not in self._columns:
            self._columns[key] = contact_joints(self.skeleton, spec, columns, self.feet)
        return self._columns[key]

    def eyelid_columns(self, spec: OutputSpec | None, columns: int) -> np.ndarray:
        key = ("eyelids", spec.joints if spec is not None else (), columns)
        if key not in self._columns:
            self._columns[key] = eyelid_columns(self.skeleton, self.eyes, spec, columns)
        return self._columns[key]


@dataclass
class FrameStats:
    characters: int = 0
    bones: int = 0
    overlay_vertices: int = 0
    contact_markers: int = 0            # contact spheres drawn (joints in contact)
    eyes: int = 0                       # eyeballs drawn
    gaze_targets: int = 0               # balls drawn at gaze_target outputs
    bounds: list[np.ndarray] = field(default_factory=list)


def _spheres(centres: np.ndarray, radius: np.ndarray | float, color: Sequence[float] | np.ndarray) -> np.ndarray:
    """Instance rows [M, 10] (start = end = centre, radius, colour) for sphere centres [..., 3]."""
    c = np.asarray(centres, np.float32).reshape(-1, 3)
    r = np.broadcast_to(np.asarray(radius, np.float32).reshape(-1, 1), (len(c), 1))
    col = np.broadcast_to(np.asarray(color, np.float32).reshape(-1, 3), (len(c), 3))
    return np.concatenate([c, c, r, col], -1)


class SceneRenderer:
    """GL resources for one context; `draw(poses, camera)` renders into the bound framebuffer."""

    def __init__(self, ctx: moderngl.Context, terrain: HeightField | None = None, style: DrawStyle | None = None) -> None:
        self.ctx = ctx
        self.style = style or DrawStyle()
        self.overlays = Overlays()
        self.lit = shaders.program(ctx, shaders.BONE_VS, shaders.LIT_FS)
        self.ground = shaders.program(ctx, shaders.GROUND_VS, shaders.GROUND_FS)
        self.lines = shaders.program(ctx, shaders.LINE_VS, shaders.LINE_FS)
        self._capsule = self._instanced(*meshes.capsule(3, 10))
        self._sphere = self._instanced(*meshes.sphere(6, 10))
        self._ground_vao = self._static_mesh(*(meshes.height_field_mesh(terrain) if terrain is not None
                                               else meshes.ground_plane()))
        self._line_vbo = ctx.buffer(reserve=64 * 24, dynamic=True)
        self._line_vao = ctx.vertex_array(self.lines, [(self._line_vbo, "3f 3f", "in_position", "in_color")])
        self._layouts: dict[int, _SkeletonLayout] = {}
        self.props = PropRenderer(ctx, shaders.LIT_FS)       # the boxes controllers declare (neuropuppet.props)
        self.last = FrameStats()

    # -- resources -------------------------------------------------------------------------------
    def _instanced(self, verts: np.ndarray, idx: np.ndarray) -> dict:
        vbo, ibo = self.ctx.buffer(verts.tobytes()), self.ctx.buffer(idx.tobytes())
        inst = self.ctx.buffer(reserve=1024 * 40, dynamic=True)
        vao = self.ctx.vertex_array(self.lit, [(vbo, "3f 3f", "in_position", "in_normal"),
                                               (inst, "3f 3f 1f 3f/i", "bone_start", "bone_end", "bone_radius",
                                                "bone_color")], ibo)
        return {"vao": vao, "inst": inst, "vbo": vbo, "ibo": ibo}

    def _static_mesh(self, verts: np.ndarray, idx: np.ndarray) -> moderngl.VertexArray:
        vbo, ibo = self.ctx.buffer(verts.tobytes()), self.ctx.buffer(idx.tobytes())
        return self.ctx.vertex_array(self.ground, [(vbo, "3f 3f", "in_position", "in_normal")], ibo)

    def _layout(self, skeleton: Skeleton) -> _SkeletonLayout:
        lay = self._layouts.get(id(skeleton))
        if lay is None or lay.skeleton is not skeleton:
            lay = self._layouts[id(skeleton)] = _SkeletonLayout.build(skeleton, self.style)
        return lay

    @staticmethod
    def _upload(buf: moderngl.Buffer, data: np.ndarray) -> None:
        raw = np.ascontiguousarray(data, np.float32).tobytes()
        if len(raw) > buf.size:
            buf.orphan(max(len(raw), buf.size * 2))
        buf.write(raw)

    # -- drawing ---------------------------------------------------------------------------------
    def _uniforms(self, camera: FollowCamera) -> None:
        vp = gl_bytes(camera.view_projection())
        light = np.asarray(self.style.light_dir, np.float64)
        light = tuple(light / np.linalg.norm(light))
        for prog in (self.lit, self.ground, self.lines):
            prog["view_proj"].write(vp)
        for prog in (self.lit, self.ground):
            prog["light_dir"].value = light
            prog["ambient"].value = self.style.ambient
        self.ground["color_a"].value, self.ground["color_b"].value = self.style.ground_colors
        self.ground["fog_color"].value = tuple(c ** 2.2 for c in BACKGROUND)
        self.ground["eye"].value = tuple(camera.eye)
        self.ground["fog_distance"].value = self.style.fog_distance

    def draw(self, poses: Sequence[PoseArrays], camera: FollowCamera, clear: bool = True) -> FrameStats:
        """Render every character of every pose batch (one colour per batch) into the bound framebuffer."""
        ctx = self.ctx
        if clear:
            ctx.clear(*BACKGROUND, 1.0, depth=1.0)
        ctx.enable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        self._uniforms(camera)
        self._ground_vao.render()
        bones, spheres, lines = [], [], []
        stats = FrameStats()
        for g, pose in enumerate(poses):
            pos, rot = forward_kinematics(pose.skeleton.parents, pose.local_positions, pose.local_rotations,
                                          pose.root_position, pose.root_rotation)
            world = pos.astype(np.float32)                          # [N, J, 3]
            lay = self._layout(pose.skeleton)
            n = world.shape[0]
            color = PALETTE[g % len(PALETTE)]
            bones.append(np.concatenate([world[:, lay.parents], world[:, lay.children],
                                         np.full((n, len(lay.children), 1), self.style.bone_radius, np.float32),
                                         np.broadcast_to(color, (n, len(lay.children), 3))], -1).reshape(-1, 10))
            js = lay.sphere_joints
            spheres.append(_spheres(world[:, js], np.broadcast_to(lay.joint_radius[js], (n, len(js))), color * 0.6))
            if len(lay.eyes):
                eyes = self._eyes(pose, world, rot, lay, color)
                spheres.append(eyes)
                stats.eyes += n * len(lay.eyes)
            if self.overlays.contacts:
                markers = self._contact_markers(pose, world, lay)
                spheres.append(markers)
                stats.contact_markers += len(markers)
            if self.overlays.gaze:
                target = first_output(pose, "gaze_target", ndim=2)
                if target is not None and np.shape(target.values)[1:] == (3,):
                    at = np.asarray(target.values, np.float32)
                    at = at[np.isfinite(at).all(-1)]
                    spheres.append(_spheres(at, self.style.gaze_target_radius, GAZE_COLOR))
                    stats.gaze_targets += len(at)
            if self.overlays.any:
                lines.append(self._overlay_lines(pose, world, lay))
            stats.characters += n
            stats.bones += n * len(lay.children)
            stats.bounds.append(world)
        if bones:
            for mesh, inst in ((self._capsule, np.concatenate(bones)), (self._sphere, np.concatenate(spheres))):
                if len(inst):
                    self._upload(mesh["inst"], inst)
                    mesh["vao"].render(instances=len(inst))
        self.props.draw(poses, gl_bytes(camera.view_projection()), self.lit["light_dir"].value, self.style.ambient)
        ctx.disable(moderngl.CULL_FACE)
        line_data = np.concatenate(lines) if lines else np.zeros((0, 6), np.float32)
        if len(line_data):
            ctx.disable(moderngl.DEPTH_TEST)
            self._upload(self._line_vbo, line_data)
            self._line_vao.render(moderngl.LINES, vertices=len(line_data))
            ctx.enable(moderngl.DEPTH_TEST)
        stats.overlay_vertices = len(line_data)
        self.last = stats
        return stats

    def _eyes(self, pose: PoseArrays, world: np.ndarray, rot: np.ndarray, lay: _SkeletonLayout,
              skin: np.ndarray) -> np.ndarray:
        """Sphere rows for each eye: a white eyeball, a dark iris along the eye's +Z and, when the pose
        has an `eyelid_closure` output (0 open .. 1 closed), a lid sphere that slides down over the eye.

        An eye joint buried in the head sphere is drawn pushed out to the head's surface along the
        head-to-eye direction, so the eyes of any skeleton show.
        """
        r = self.style.eye_radius
        centre = world[:, lay.eyes].astype(np.float64)                     # [N, E, 3]
        has_head = lay.eye_heads >= 0
        if has_head.any():
            head = world[:, np.where(has_head, lay.eye_heads, 0)].astype(np.float64)
            off = centre - head
            dist = np.linalg.norm(off, axis=-1, keepdims=True)
            inner = self.style.head_radius - 0.4 * r
            push = has_head[None, :, None] & (dist < inner) & (dist > 1e-6)
            centre = np.where(push, head + off / np.maximum(dist, 1e-6) * inner, centre)
        q = rot[:, lay.eyes]
        forward = quat_rotate(q, np.broadcast_to([0.0, 0.0, 1.0], centre.shape))
        up = quat_rotate(q, np.broadcast_to([0.0, 1.0, 0.0], centre.shape))
        rows = [_spheres(centre, r, EYE_WHITE), _spheres(centre + forward * (0.72 * r), 0.42 * r, IRIS_COLOR)]
        lids = first_output(pose, "eyelid_closure", ndim=2)
        if lids is not None:
            cols = lay.eyelid_columns(lids.spec, lids.values.shape[1])
            have = cols >= 0
            closure = np.clip(np.nan_to_num(np.asarray(lids.values, np.float64)[:, np.where(have, cols, 0)]), 0, 1)
            lid_r = 1.2 * r
            lid = centre + up * ((1.0 - closure) * (lid_r + 0.6 * r))[..., None]   # open: covers the top 0.4 r
            rows.append(_spheres(lid[:, have], lid_r, skin * 0.85))
        return np.concatenate(rows)

    def _contact_markers(self, pose: PoseArrays, world: np.ndarray, lay: _SkeletonLayout) -> np.ndarray:
        """A green sphere around each joint whose contact column is on (> 0.5)."""
        rows = []
        for out in outputs_of_kind(pose, "contacts", ndim=2):
            cols = lay.contact_columns(out.spec, out.values.shape[1])
            valid = np.nonzero(cols >= 0)[0]
            on = np.asarray(out.values)[:, valid] > 0.5                       # [N, c]
            joints = cols[valid]
            at = world[:, joints][on]
            radius = np.broadcast_to(lay.joint_radius[joints], on.shape)[on] * self.style.contact_marker_scale
            rows.append(_spheres(at, radius, CONTACT_ON))
        return np.concatenate(rows) if rows else np.zeros((0, 10), np.float32)

    def _overlay_lines(self, pose: PoseArrays, world: np.ndarray, lay: _SkeletonLayout) -> np.ndarray:
        """Line-segment vertices [V, 6] (position, colour) for the enabled overlays."""
        segs: list[np.ndarray] = []

        def add(a: np.ndarray, b: np.ndarray, color: Sequence[float]) -> None:
            a, b = np.asarray(a, np.float32).reshape(-1, 3), np.asarray(b, np.float32).reshape(-1, 3)
            c = np.broadcast_to(np.asarray(color, np.float32), a.shape)
            segs.append(np.stack([np.concatenate([a, c], -1), np.concatenate([b, c], -1)], 1).reshape(-1, 6))

        traj = first_output(pose, "trajectory", ndim=3)
        if self.overlays.trajectory and traj is not None and traj.values.shape[1] >= 2 \
                and traj.values.shape[2] == 3:
            t = np.asarray(traj.values, np.float32)
            add(t[:, :-1], t[:, 1:], (1.0, 0.9, 0.1))
            add(t, t + np.array([0.0, 0.08, 0.0], np.float32), (1.0, 0.5, 0.0))   # ticks mark each sample
        if self.overlays.contacts:
            for out in outputs_of_kind(pose, "contacts", ndim=2):        # a red cross at each joint not in contact
                cols = lay.contact_columns(out.spec, out.values.shape[1])
                valid = np.nonzero(cols >= 0)[0]
                off = ~(np.asarray(out.values)[:, valid] > 0.5)
                at = world[:, cols[valid]][off]
                for d in (np.array([0.06, 0, 0], np.float32), np.array([0, 0, 0.06], np.float32)):
                    add(at - d, at + d, CONTACT_OFF)
        if self.overlays.gaze:
            ray = self._gaze_ray(pose, world, lay)
            if ray is not None:
                add(ray[0], ray[0] + self.style.gaze_length * ray[1], GAZE_COLOR)
        return np.concatenate(segs) if segs else np.zeros((0, 6), np.float32)

    @staticmethod
    def _gaze_ray(pose: PoseArrays, world: np.ndarray, lay: _SkeletonLayout) -> tuple[np.ndarray, np.ndarray] | None:
        """(origin [N, 3], unit direction [N, 3]) of the gaze outputs; origin defaults to the eyes or head."""
        direction = first_output(pose, "gaze_direction", ndim=2)
        if direction is None or direction.values.shape[1] != 3:
            return None
        origin = first_output(pose, "gaze_origin", ndim=2)
        if origin is not None and origin.values.shape[1] == 3:
            o = np.asarray(origin.values, np.float32)
        elif len(lay.eyes):
            o = world[:, lay.eyes].mean(1)
        elif lay.head >= 0:
            o = world[:, lay.head]
        else:
            return None
        d = np.nan_to_num(np.asarray(direction.values, np.float32))
        return o, d / np.maximum(np.linalg.norm(d, axis=-1, keepdims=True), 1e-6)

    def release(self) -> None:
        for mesh in (self._capsule, self._sphere):
            for k in ("vao", "inst", "vbo", "ibo"):
                mesh[k].release()
        self._ground_vao.release()
        self.props.release()
        self._line_vao.release()
        self._line_vbo.release()
        for p in (self.lit, self.ground, self.lines):
            p.release()
