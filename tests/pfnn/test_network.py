"""The phase function, the blended-expert layer, TorchScript export and the precomputed modes."""
from __future__ import annotations

import torch

from neuropuppet.artifacts import load_artifact, quiet_torchscript
from neuropuppet.controllers.pfnn.network import (PFNN, BlendedLinear, PhaseBucketedPFNN, catmull_rom_coefficients,
                                               coefficient_table)

# Stated tolerances of the precomputed modes (documented in controllers/pfnn/README.md):
# blend-coefficient error (exact, any weights) and mean output error relative to the range the
# output sweeps over one phase cycle (random weights: the worst case, trained nets do better).
NEAREST50_COEFF_TOL = 0.056
LINEAR10_COEFF_TOL = 0.089
NEAREST50_TOL = 0.03
LINEAR10_TOL = 0.05


def test_phase_function_equals_control_sets_at_knots() -> None:
    c = catmull_rom_coefficients(torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0], dtype=torch.float64))
    expect = torch.eye(4, dtype=torch.float64)
    assert torch.allclose(c[:4], expect, atol=1e-12)
    assert torch.allclose(c[4], expect[0], atol=1e-12)  # cyclic: phase 1 is phase 0


def test_phase_function_is_cyclic_partition_of_unity_and_c1() -> None:
    p = torch.linspace(-1.0, 2.0, 3001, dtype=torch.float64)
    c = catmull_rom_coefficients(p)
    assert torch.allclose(c.sum(-1), torch.ones_like(p), atol=1e-12)
    assert torch.allclose(catmull_rom_coefficients(p + 1.0), c, atol=1e-9)
    # C1: one-sided derivatives agree at the knots (and everywhere the finite differences are smooth)
    h = 1e-6
    for knot in (0.0, 0.25, 0.5, 0.75):
        k = torch.tensor([knot], dtype=torch.float64)
        left = (catmull_rom_coefficients(k) - catmull_rom_coefficients(k - h)) / h
        right = (catmull_rom_coefficients(k + h) - catmull_rom_coefficients(k)) / h
        assert torch.allclose(left, right, atol=1e-4), knot
    d = torch.diff(c, dim=0) / torch.diff(p)[:, None]
    assert torch.diff(d, dim=0).abs().max() < 0.2  # no jumps in the first derivative


def test_blended_linear_equals_blended_weights() -> None:
    torch.manual_seed(1)
    layer = BlendedLinear(7, 5)
    x = torch.randn(9, 7)
    coeff = torch.softmax(torch.randn(9, 4), -1)
    y = layer(x, coeff)
    for i in range(9):
        w, b = layer.blended_weight(coeff[i])
        assert torch.allclose(y[i], x[i] @ w + b, atol=1e-5)


def test_torchscript_artifact_equals_eager(random_artifact) -> None:
    art = load_artifact(random_artifact, controller="pfnn", device="cpu")
    torch.manual_seed(2)
    net = PFNN(342, 311, hidden=64)
    net.load_state_dict({k: v for k, v in art.module.state_dict().items()})
    net.eval()
    x, p = torch.randn(16, 342), torch.rand(16)
    with torch.no_grad():
        assert torch.allclose(art(x, p), net(x, p), atol=1e-5)
        assert torch.allclose(art.method("forward_nearest50")(x, p), net.forward_nearest50(x, p), atol=1e-5)
        assert torch.allclose(art.method("forward_linear10")(x, p), net.forward_linear10(x, p), atol=1e-5)


def test_precomputed_modes_within_tolerance() -> None:
    torch.manual_seed(3)
    net = PFNN(342, 311, hidden=64).eval()
    x, p = torch.randn(512, 342), torch.rand(512)
    with torch.no_grad():
        exact = net(x, p)
        sweep = torch.stack([net(x[:64], torch.full((64,), float(q))) for q in torch.linspace(0, 1, 101)])
        spread = (sweep.max(0).values - sweep.min(0).values).mean()
        near = (net.forward_nearest50(x, p) - exact).abs().mean() / spread
        lin = (net.forward_linear10(x, p) - exact).abs().mean() / spread
        dense = torch.linspace(0, 1, 20001)
        near_c = (net.coefficients(dense, 1) - net.coefficients(dense, 0)).abs().max()
        lin_c = (net.coefficients(dense, 2) - net.coefficients(dense, 0)).abs().max()
        knots = torch.arange(50) / 50.0
        at_knots = (net.forward_nearest50(x[:50], knots) - net(x[:50], knots)).abs().max()
    assert near_c < NEAREST50_COEFF_TOL and lin_c < LINEAR10_COEFF_TOL, (near_c, lin_c)
    assert near < NEAREST50_TOL, near
    assert lin < LINEAR10_TOL, lin
    assert at_knots < 1e-4  # the table holds the exact weights at its own phases
    assert near > 0 and lin > 0  # they are approximations, not the exact path


def test_coefficient_tables_match_spline() -> None:
    t = coefficient_table(10)
    assert t.shape == (10, 4)
    assert torch.allclose(t, catmull_rom_coefficients(torch.arange(10) / 10.0), atol=1e-6)
    with quiet_torchscript():
        scripted = torch.jit.script(PFNN(342, 311, hidden=16))
    assert scripted.coefficients(torch.tensor([0.3]), 0).shape == (1, 4)


def test_phase_bucketed_tables_equal_nearest50_mode() -> None:
    torch.manual_seed(4)
    net = PFNN(342, 311, hidden=32).eval()
    with quiet_torchscript():
        bucketed = torch.jit.script(PhaseBucketedPFNN(net.state_dict()))
    x, p = torch.randn(200, 342), torch.rand(200)
    with torch.no_grad():
        want = net.forward_nearest50(x, p)
        assert torch.allclose(bucketed(x, p), want, atol=1e-4)
        assert torch.allclose(bucketed(x[:1], p[:1]), want[:1], atol=1e-4)
