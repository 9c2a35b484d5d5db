"""Trajectory window and blend, terrain probes: torch and numba versions, and their meaning."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuropuppet.kernels import locomotion as loco_kernels, terrain as terrain_kernels
from neuropuppet.locomotion.terrain_probes import probe_heights, probe_points, sample_heights
from neuropuppet.locomotion.trajectory import TrajectoryWindow, bias_weights, blend_future
from neuropuppet.terrain import HeightField


def test_window_counts() -> None:
    w = TrajectoryWindow(samples=12, step=10, past=6, predicted=6)
    assert (w.history, w.future_kept, w.history_frames[-1], len(w.history_frames)) == (61, 5, 60, 7)
    with pytest.raises(ValueError):
        TrajectoryWindow(samples=4, step=10, past=1, predicted=1)


def test_blend_reaches_the_desired_trajectory_at_full_weight_and_keeps_it_at_zero() -> None:
    root = torch.tensor([[1.0, 2.0]])
    pred = torch.tensor([[[1.1, 2.0], [1.3, 2.1], [1.2, 2.5]]])
    pred_dir = torch.nn.functional.normalize(torch.tensor([[[1.0, 0.2], [0.3, 1.0], [0.0, 1.0]]]), dim=-1)
    vel, face = torch.tensor([[0.0, 3.0]]), torch.tensor([[0.0, 1.0]])
    pos, d = blend_future(pred, pred_dir, root, vel, face, torch.ones(3), torch.ones(3), 0.5)
    assert torch.allclose(pos, torch.tensor([[[1.0, 3.5], [1.0, 5.0], [1.0, 6.5]]]))
    assert torch.allclose(d, face.expand(3, 2).unsqueeze(0))
    pos, d = blend_future(pred, pred_dir, root, vel, face, torch.zeros(3), torch.zeros(3), 0.5)
    assert torch.allclose(pos, pred) and torch.allclose(d, pred_dir)
    w = bias_weights(5, 3.0, torch.device("cpu"))
    assert float(w[-1]) == 1.0 and bool((torch.diff(w) > 0).all())


def test_numba_blend_equals_torch() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        fut = rng.normal(size=(5, 10)).astype(np.float32)
        root = rng.normal(size=2).astype(np.float32)
        vel, face = rng.normal(size=2), rng.normal(size=2)
        face = face / np.linalg.norm(face)
        wp, wd = rng.uniform(0, 1, 5).astype(np.float32), rng.uniform(0, 1, 5).astype(np.float32)
        out = np.zeros((5, 10), np.float32)
        loco_kernels.blend_future(fut, root[0], root[1], vel[0], vel[1], face[0], face[1], wp, wd, 1 / 6, out)
        t = lambda a: torch.tensor(np.asarray(a, np.float32))  # noqa: E731
        pos, d = blend_future(t(fut[None, :, 0:2]), t(fut[None, :, 2:4]), t(root[None]), t(vel[None]), t(face[None]),
                              t(wp), t(wd), 1 / 6)
        assert np.allclose(out[:, 0:2], pos[0].numpy(), atol=1e-5) and np.allclose(out[:, 2:4], d[0].numpy(), atol=1e-5)


def test_probes_sit_right_centre_left_of_the_facing() -> None:
    """Facing +Z the character's right is -X (Y up): probes at x - side, x, x + side."""
    px, pz = probe_points(torch.tensor([[2.0, 3.0]]), torch.tensor([[0.0, 1.0]]), 0.25)
    assert torch.allclose(px, torch.tensor([[1.75, 2.0, 2.25]])) and torch.allclose(pz, torch.full((1, 3), 3.0))


def test_heights_equal_the_height_field_and_numba_probes_equal_torch() -> None:
    rng = np.random.default_rng(2)
    field = HeightField(rng.uniform(0, 1, (9, 11)).astype(np.float32), (-3.0, -2.0), 0.5)
    heights = torch.from_numpy(field.heights)
    terrain = torch.tensor([-3.0, -2.0, 2.0])
    x, z = rng.uniform(-5, 5, 200), rng.uniform(-5, 5, 200)       # inside and outside the grid
    got = sample_heights(heights, terrain, torch.tensor(x, dtype=torch.float32), torch.tensor(z, dtype=torch.float32))
    assert np.allclose(got.numpy(), field.sample(x, z), atol=1e-5)
    points = torch.tensor(rng.uniform(-2, 2, (4, 12, 2)), dtype=torch.float32)
    dirs = torch.nn.functional.normalize(torch.tensor(rng.normal(size=(4, 12, 2)), dtype=torch.float32), dim=-1)
    roots = torch.tensor(rng.uniform(-2, 2, (4, 2)), dtype=torch.float32)
    rel, absolute = probe_heights(heights, terrain, points, dirs, 0.25, roots)
    out = np.empty(3, np.float32)
    for n in range(4):
        root_h = terrain_kernels.height(field.heights, -3.0, -2.0, 2.0, float(roots[n, 0]), float(roots[n, 1]))
        for s in range(12):
            terrain_kernels.probe_heights(field.heights, -3.0, -2.0, 2.0, float(points[n, s, 0]), float(points[n, s, 1]),
                                          float(dirs[n, s, 0]), float(dirs[n, s, 1]), 0.25, out)
            assert np.allclose(out, absolute[n, s].numpy(), atol=1e-5)
            assert np.allclose(out - root_h, rel[n, s].numpy(), atol=1e-5)
