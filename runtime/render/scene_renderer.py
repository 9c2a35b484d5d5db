"""Draw characters from the shared pose: instanced lit capsules (bones) and spheres (joints) on a
checkered ground or height field, plus optional debug overlays (trajectory, foot contacts, gaze rays).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import moderngl
import numpy as np

from ..motion.kinematics import pose_world_positions
from ..motion.skeleton import Skeleton
from ..pose import PoseArrays
from ..terrain import HeightField
from . import meshes, shaders
from .camera import FollowCamera, gl_bytes

PALETTE = np.array([[0.90, 0.45, 0.15], [0.20, 0.50, 0.90], [0.25, 0.75, 0.35], [0.85, 0.25, 0.55],
                    [0.90, 0.80, 0.20], [0.55, 0.35, 0.85]], np.float32)
"""Linear-space character colours, cycled per group."""

BACKGROUND = (0.62, 0.72, 0.82)
"""Sky colour (also the fog colour), display space."""


@dataclass
class DrawStyle:
    bone_radius: float = 0.045
    joint_radius: float = 0.05
    head_radius: float = 0.11
    light_dir: tuple[float, float, float] = (-0.4, -1.0, -0.3)
    ambient: tuple[float, float, float] = (0.28, 0.30, 0.36)
    ground_colors: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0.55, 0.55, 0.52),
                                                                                   (0.40, 0.40, 0.38))
    fog_distance: float = 60.0


@dataclass
class Overlays:
    """Which debug overlays are drawn (F1 toggles all in the app)."""

    trajectory: bool = True
    contacts: bool = True
    gaze: bool = True

    @property
    def any(self) -> bool:
        return self.trajectory or self.contacts or self.gaze

    def set_all(self, on: bool) -> None:
        self.trajectory = self.contacts = self.gaze = on


@dataclass
class _SkeletonLayout:
    """Per-skeleton index arrays: bone (parent, child) pairs, per-joint radius, contact joints."""

    parents: np.ndarray
    children: np.ndarray
    joint_radius: np.ndarray
    feet: np.ndarray

    @classmethod
    def build(cls, skeleton: Skeleton, style: DrawStyle) -> "_SkeletonLayout":
        children = np.nonzero(skeleton.parents >= 0)[0]
        names = [n.lower() for n in skeleton.names]
        radius = np.full(skeleton.num_joints, style.joint_radius, np.float32)
        radius[[i for i, n in enumerate(names) if "head" in n]] = style.head_radius
        feet = np.array([i for i, n in enumerate(names) if any(k in n for k in ("foot", "toe", "ankle"))], np.int64)
        return cls(skeleton.parents[children], children, radius, feet)


@dataclass
class FrameStats:
    characters: int = 0
    bones: int = 0
    overlay_vertices: int = 0
    bounds: list[np.ndarray] = field(default_factory=list)


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
        key = id(skeleton)
        if key not in self._layouts:
            self._layouts[key] = _SkeletonLayout.build(skeleton, self.style)
        return self._layouts[key]

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
        bones, joints, lines = [], [], []
        stats = FrameStats()
        for g, pose in enumerate(poses):
            world = pose_world_positions(pose)                      # [N, J, 3]
            lay = self._layout(pose.skeleton)
            n, j = world.shape[:2]
            color = np.broadcast_to(PALETTE[g % len(PALETTE)], (n, len(lay.children), 3))
            bones.append(np.concatenate([world[:, lay.parents], world[:, lay.children],
                                         np.full((n, len(lay.children), 1), self.style.bone_radius, np.float32),
                                         color], -1).reshape(-1, 10))
            jcolor = np.broadcast_to(PALETTE[g % len(PALETTE)] * 0.6, (n, j, 3))
            joints.append(np.concatenate([world, world, np.broadcast_to(lay.joint_radius[None, :, None], (n, j, 1)),
                                          jcolor], -1).reshape(-1, 10))
            if self.overlays.any:
                lines.append(self._overlay_lines(pose, world, lay))
            stats.characters += n
            stats.bones += n * len(lay.children)
            stats.bounds.append(world)
        if bones:
            for mesh, inst in ((self._capsule, np.concatenate(bones)), (self._sphere, np.concatenate(joints))):
                self._upload(mesh["inst"], inst)
                mesh["vao"].render(instances=len(inst))
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

    def _overlay_lines(self, pose: PoseArrays, world: np.ndarray, lay: _SkeletonLayout) -> np.ndarray:
        """Line-segment vertices [V, 6] (position, colour) for the enabled overlays."""
        segs: list[np.ndarray] = []

        def add(a: np.ndarray, b: np.ndarray, color: Sequence[float]) -> None:
            a, b = a.reshape(-1, 3), b.reshape(-1, 3)
            c = np.broadcast_to(np.asarray(color, np.float32), a.shape)
            segs.append(np.stack([np.concatenate([a, c], -1), np.concatenate([b, c], -1)], 1).reshape(-1, 6))

        ex = pose.extras
        traj = ex.get("trajectory")
        if self.overlays.trajectory and traj is not None and traj.ndim == 3 and traj.shape[1] >= 2:
            add(traj[:, :-1], traj[:, 1:], (1.0, 0.9, 0.1))
            up = traj + np.array([0.0, 0.08, 0.0], np.float32)        # ticks mark each sample
            add(traj, up, (1.0, 0.5, 0.0))
        contacts = ex.get("contacts")
        if self.overlays.contacts and contacts is not None and len(lay.feet):
            c = min(contacts.shape[1], len(lay.feet))
            feet = world[:, lay.feet[:c]]                            # [N, c, 3]
            on = contacts[:, :c, None] > 0.5
            base = feet * np.array([1.0, 0.0, 1.0], np.float32) + np.array([0.0, 0.01, 0.0], np.float32)
            for dx in ((0.08, 0, 0), (0, 0, 0.08)):
                d = np.asarray(dx, np.float32)
                a, b = base - d, base + d
                add(a[on[..., 0]], b[on[..., 0]], (0.1, 1.0, 0.2))
                add(a[~on[..., 0]], b[~on[..., 0]], (0.6, 0.1, 0.1))
        origin, direction = ex.get("gaze_origin"), ex.get("gaze_direction")
        if self.overlays.gaze and origin is not None and direction is not None:
            d = direction / np.maximum(np.linalg.norm(direction, axis=-1, keepdims=True), 1e-6)
            add(origin, origin + 2.0 * d, (0.1, 0.9, 1.0))
        return np.concatenate(segs) if segs else np.zeros((0, 6), np.float32)

    def release(self) -> None:
        for mesh in (self._capsule, self._sphere):
            for k in ("vao", "inst", "vbo", "ibo"):
                mesh[k].release()
        self._ground_vao.release()
        self._line_vao.release()
        self._line_vbo.release()
        for p in (self.lit, self.ground, self.lines):
            p.release()
