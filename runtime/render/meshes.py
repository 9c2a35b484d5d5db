"""Geometry as numpy arrays: a capsule for bones, a sphere for joints, ground and height-field meshes.

Each builder returns (vertices [V, 6] float32 position+normal, indices [I] uint32 triangles), wound
counter-clockwise seen from outside (GL's front faces: the renderer culls the others).
"""
from __future__ import annotations

import numpy as np

from ..terrain import HeightField


def _sphere_rows(rings: int, segments: int, lat0: float, lat1: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit-sphere points and normals on a latitude band [lat0, lat1] (radians, -pi/2 = bottom)."""
    lat = np.linspace(lat0, lat1, rings + 1)
    lon = np.linspace(0.0, 2 * np.pi, segments + 1)
    la, lo = np.meshgrid(lat, lon, indexing="ij")
    n = np.stack([np.cos(la) * np.cos(lo), np.sin(la), np.cos(la) * np.sin(lo)], -1)
    return n.reshape(-1, 3), n.reshape(-1, 3)


def _grid_indices(rows: int, cols: int, start: int = 0) -> np.ndarray:
    """Two triangles per cell of a (rows+1) x (cols+1) vertex grid, row-major."""
    r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    i0 = start + r * (cols + 1) + c
    i1, i2, i3 = i0 + 1, i0 + cols + 1, i0 + cols + 2
    return np.stack([i0, i2, i1, i1, i2, i3], -1).reshape(-1).astype(np.uint32)


def sphere(rings: int = 8, segments: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """A unit sphere centred on the origin."""
    p, n = _sphere_rows(rings, segments, -np.pi / 2, np.pi / 2)
    return np.hstack([p, n]).astype(np.float32), _grid_indices(rings, segments)


def capsule(rings: int = 4, segments: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """A unit capsule along +Y: shaft y in [0, 1], hemispherical caps below 0 and above 1 (radius 1).

    The bone shader scales the shaft to the bone length and the caps by the radius.
    """
    bottom_p, bottom_n = _sphere_rows(rings, segments, -np.pi / 2, 0.0)
    top_p, top_n = _sphere_rows(rings, segments, 0.0, np.pi / 2)
    top_p = top_p + np.array([0.0, 1.0, 0.0])
    p = np.vstack([bottom_p, top_p])
    n = np.vstack([bottom_n, top_n])
    per_band = (rings + 1) * (segments + 1)
    idx = [_grid_indices(rings, segments), _grid_indices(rings, segments, per_band)]
    # shaft: join the bottom band's top row to the top band's bottom row
    last, first = per_band - (segments + 1), per_band
    s = np.arange(segments)
    a, b, c, d = last + s, last + s + 1, first + s, first + s + 1
    idx.append(np.stack([a, c, b, b, c, d], -1).reshape(-1).astype(np.uint32))
    return np.hstack([p, n]).astype(np.float32), np.concatenate(idx)


def ground_plane(size: float = 400.0, height: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A flat square centred on the origin, normal +Y."""
    h = size / 2
    p = np.array([[-h, height, -h], [h, height, -h], [-h, height, h], [h, height, h]], np.float32)
    n = np.tile(np.array([0.0, 1.0, 0.0], np.float32), (4, 1))
    return np.hstack([p, n]), np.array([0, 2, 1, 1, 2, 3], np.uint32)


def height_field_mesh(field: HeightField) -> tuple[np.ndarray, np.ndarray]:
    """The height field as a triangle grid with per-vertex normals from central differences."""
    h = field.heights.astype(np.float32)
    rows, cols = h.shape
    x0, z0 = field.origin
    xs = x0 + np.arange(cols, dtype=np.float32) * field.cell_size
    zs = z0 + np.arange(rows, dtype=np.float32) * field.cell_size
    x, z = np.meshgrid(xs, zs)
    dhdz, dhdx = np.gradient(h, field.cell_size)
    n = np.stack([-dhdx, np.ones_like(h), -dhdz], -1)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    p = np.stack([x, h, z], -1)
    verts = np.concatenate([p, n], -1).reshape(-1, 6).astype(np.float32)
    return verts, _grid_indices(rows - 1, cols - 1)
