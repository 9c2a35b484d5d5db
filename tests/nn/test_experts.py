"""Expert-blended layers, gating, precomputed tables and their numba twins."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from neuropuppet.artifacts import quiet_torchscript
from neuropuppet.kernels import network as kernels
from neuropuppet.nn import (ELUMLP, BucketedMLP, ExpertLinear, ExpertMLP, GatingNetwork, catmull_rom_coefficients,
                            coefficient_table, linear_coefficients, nearest_coefficients)


@pytest.mark.parametrize("k", [2, 4, 8])
def test_expert_layer_is_the_coefficient_weighted_sum_of_the_experts_outputs(k: int) -> None:
    torch.manual_seed(k)
    layer = ExpertLinear(13, 7, k)
    torch.nn.init.normal_(layer.bias)
    x = torch.randn(9, 13)
    coeff = torch.randn(9, k)                                  # any coefficients, not only convex ones
    each = torch.stack([x @ layer.expert_weight(e) + layer.bias[e] for e in range(k)], 1)   # [N, K, out]
    want = (coeff.unsqueeze(-1) * each).sum(1)
    assert torch.allclose(layer(x, coeff), want, atol=1e-5)
    assert torch.allclose(layer.forward_blended_weights(x, coeff), want, atol=1e-5)
    w, b = layer.blended_weight(coeff[3])
    assert torch.allclose(x[3] @ w + b, want[3], atol=1e-5)


def test_expert_mlp_with_one_hot_coefficients_is_that_experts_plain_mlp() -> None:
    torch.manual_seed(0)
    mlp = ExpertMLP(10, 6, hidden=16, num_experts=3, layers=3).eval()
    x = torch.randn(5, 10)
    for e in range(3):
        h = x
        for i, layer in enumerate(mlp.layers):
            h = h @ layer.expert_weight(e) + layer.bias[e]
            h = torch.nn.functional.elu(h) if i < 2 else h
        assert torch.allclose(mlp(x, torch.eye(3)[e].expand(5, 3)), h, atol=1e-5)


def test_gating_network_drives_experts_like_mann_and_scripts() -> None:
    """MANN's arrangement: a gating network's softmax over 8 experts blends the motion network."""
    torch.manual_seed(1)

    class Mann(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gate = GatingNetwork(12, 8, hidden=32)
            self.motion = ExpertMLP(40, 20, hidden=64, num_experts=8)

        def forward(self, x: torch.Tensor, gate_in: torch.Tensor) -> torch.Tensor:
            return self.motion(x, self.gate(gate_in))

    net = Mann().eval()
    x, g = torch.randn(6, 40), torch.randn(6, 12)
    coeff = net.gate(g)
    assert coeff.shape == (6, 8) and torch.allclose(coeff.sum(-1), torch.ones(6)) and (coeff > 0).all()
    with quiet_torchscript():
        scripted = torch.jit.script(net)
    assert torch.allclose(scripted(x, g), net(x, g), atol=1e-6)


def test_elu_mlp_matches_a_sequential_of_the_same_weights() -> None:
    torch.manual_seed(2)
    mlp = ELUMLP(8, 3, hidden=5, layers=3).eval()
    seq = torch.nn.Sequential(mlp.layers[0], torch.nn.ELU(), mlp.layers[1], torch.nn.ELU(), mlp.layers[2])
    x = torch.randn(4, 8)
    assert torch.allclose(mlp(x), seq(x))


def test_bucketed_tables_equal_the_expert_mlp_at_their_rows() -> None:
    torch.manual_seed(3)
    mlp = ExpertMLP(9, 4, hidden=12, num_experts=4).eval()
    table = coefficient_table(7)
    bucketed = BucketedMLP([(layer.weight, layer.bias) for layer in mlp.layers], table)
    x = torch.randn(30, 9)
    bucket = torch.randint(0, 7, (30,))
    with torch.no_grad():
        want = mlp(x, table[bucket])
        assert torch.allclose(bucketed(x, bucket), want, atol=1e-5)
        assert torch.allclose(bucketed(x[:1], bucket[:1]), want[:1], atol=1e-5)
        with quiet_torchscript():
            assert torch.allclose(torch.jit.script(bucketed)(x, bucket), want, atol=1e-5)


def test_phase_spline_is_catmull_rom_in_matrix_form() -> None:
    """An independent formulation: p(t) = [1 t t^2 t^3] M [P0 P1 P2 P3] with the Catmull-Rom matrix."""
    m = 0.5 * torch.tensor([[0, 2, 0, 0], [-1, 0, 1, 0], [2, -5, 4, -1], [-1, 3, -3, 1]], dtype=torch.float64)
    phases = torch.linspace(-0.5, 1.5, 401, dtype=torch.float64)
    for k in (4, 6):
        got = catmull_rom_coefficients(phases, k)
        for p, row in zip(phases, got):
            q = float(p % 1.0) * k
            base, t = int(q // 1), q % 1.0
            basis = torch.tensor([1.0, t, t * t, t ** 3], dtype=torch.float64) @ m
            want = torch.zeros(k, dtype=torch.float64)
            for i in range(4):
                want[(base - 1 + i) % k] += basis[i]
            assert torch.allclose(row, want, atol=1e-9), (k, float(p))


def test_precomputed_rows_quantise_the_phase() -> None:
    table = coefficient_table(10)
    p = torch.tensor([0.0, 0.04, 0.06, 0.95, 0.999, 1.27])
    assert torch.equal(nearest_coefficients(table, p), table[torch.tensor([0, 0, 1, 0, 0, 3])])
    lin = linear_coefficients(table, torch.tensor([0.05, 0.95]))
    assert torch.allclose(lin[0], 0.5 * (table[0] + table[1]))
    assert torch.allclose(lin[1], 0.5 * (table[9] + table[0]))            # wraps around


def test_numba_phase_coefficients_equal_the_torch_ones() -> None:
    nearest, linear = coefficient_table(50).numpy(), coefficient_table(10).numpy()
    phases = np.random.default_rng(0).uniform(-2, 3, 200)
    index, coeff = np.empty(4, np.int64), np.empty(4, np.float32)
    t = torch.from_numpy(phases)
    want = {kernels.PHASE_EXACT: catmull_rom_coefficients(t, 4).numpy(),
            kernels.PHASE_NEAREST: nearest_coefficients(coefficient_table(50), t).numpy(),
            kernels.PHASE_LINEAR: linear_coefficients(coefficient_table(10), t.float()).numpy()}
    for mode, rows in want.items():
        for p, row in zip(phases, rows):
            assert kernels.phase_coefficients(mode, p, 4, nearest, linear, index, coeff) == 4
            assert np.allclose(coeff, row, atol=1e-5), (mode, p)
            assert list(index) == [0, 1, 2, 3]
    assert kernels.phase_coefficients(kernels.PHASE_BUCKET, 0.51, 4, nearest, linear, index, coeff) == 1
    assert index[0] == 26 and coeff[0] == 1.0                            # round(0.51 * 50)


@pytest.mark.parametrize("count", [1, 8])
def test_numba_expert_mlp_equals_torch(count: int) -> None:
    """The kernels' matrix-vector network equals `ExpertMLP` (8 gated experts) / one table (count 1)."""
    torch.manual_seed(4)
    mlp = ExpertMLP(11, 5, hidden=9, num_experts=8, layers=3).eval()
    tables = mlp.expert_tables()
    weights = tuple(np.ascontiguousarray(w.detach().numpy()) for w, _ in tables)
    biases = tuple(np.ascontiguousarray(b.detach().numpy()) for _, b in tables)
    x = torch.randn(3, 11)
    coeff = torch.softmax(torch.randn(3, 8), -1) if count == 8 else torch.eye(8)[[2, 5, 7]]
    with torch.no_grad():
        want = mlp(x, coeff).numpy()
    buf = [np.empty(9, np.float32) for _ in range(3)]
    for i in range(3):
        y = np.empty(5, np.float32)
        if count == 8:
            index, c = np.arange(8), coeff[i].numpy()
        else:
            index, c = np.array([int(coeff[i].argmax())]), np.ones(1, np.float32)
        kernels.expert_mlp(x[i].numpy().copy(), weights, biases, index, c, count, *buf, y)
        assert np.allclose(y, want[i], atol=1e-5)


@pytest.mark.parametrize("k", [4, 8])
def test_both_blend_strategies_give_equal_outputs_through_the_whole_mlp(k: int) -> None:
    """Blending weights per sample and blending the experts' outputs are the same function."""
    torch.manual_seed(10 + k)
    mlp = ExpertMLP(20, 9, hidden=24, num_experts=k).eval()
    for layer in mlp.layers:
        torch.nn.init.normal_(layer.bias)
    x = torch.randn(7, 20)
    coeff = torch.softmax(3 * torch.randn(7, k), -1)
    with torch.no_grad():
        mlp.set_crossover(0)                      # every batch blends outputs
        outputs = mlp(x, coeff)
        mlp.set_crossover(1 << 30)                # every batch blends weights
        weights = mlp(x, coeff)
    assert torch.allclose(outputs, weights, atol=1e-5)
    assert (outputs - mlp.layers[-1].bias.mean(0)).abs().max() > 0.1      # not a trivial output


def test_forward_chooses_the_strategy_by_batch_size_at_the_crossover() -> None:
    from neuropuppet.nn.experts import BLEND_WEIGHTS_BELOW
    layer = ExpertLinear(6, 5, 8)
    assert layer.strategy(1) == ("weights" if BLEND_WEIGHTS_BELOW["cpu"] > 1 else "outputs")
    layer.set_crossover(4)
    assert [layer.strategy(n) for n in (1, 3, 4, 64)] == ["weights", "weights", "outputs", "outputs"]
    assert layer.strategy(1, on_cuda=True) == ("weights" if BLEND_WEIGHTS_BELOW["cuda"] > 1 else "outputs")
    torch.manual_seed(5)
    x, coeff = torch.randn(6, 6), torch.softmax(torch.randn(6, 8), -1)
    with torch.no_grad():
        assert torch.allclose(layer(x[:3], coeff[:3]), layer.forward_blended_weights(x[:3], coeff[:3]))
        assert torch.equal(layer(x, coeff), layer.forward_blended_outputs(x, coeff))
    with pytest.raises(ValueError, match="weights_below"):
        layer.set_crossover(-1)
    with pytest.raises(ValueError, match="device_type"):
        layer.set_crossover(2, "tpu")


def test_torchscript_keeps_the_crossover_and_equals_eager_both_ways() -> None:
    torch.manual_seed(6)
    mlp = ExpertMLP(12, 5, hidden=16, num_experts=8).eval()
    mlp.set_crossover(3)
    with quiet_torchscript():
        scripted = torch.jit.script(mlp)
    assert scripted.layers[0].strategy(2) == "weights" and scripted.layers[0].strategy(3) == "outputs"
    coeff = torch.softmax(torch.randn(9, 8), -1)
    x = torch.randn(9, 12)
    with torch.no_grad():
        for n in (1, 2, 9):                       # below and above the crossover
            assert torch.allclose(scripted(x[:n], coeff[:n]), mlp(x[:n], coeff[:n]), atol=1e-6)


def test_crossover_is_read_from_measured_times() -> None:
    from neuropuppet.nn.benchmark import ALWAYS_WEIGHTS, crossover
    nan = float("nan")
    assert crossover({1: (1.0, 2.0), 16: (2.0, 9.0)}) == 0                 # outputs faster everywhere
    assert crossover({1: (1.0, 0.5), 4: (1.0, 0.9), 16: (2.0, 3.0), 64: (5.0, nan)}) == 16
    assert crossover({1: (1.0, 0.5), 4: (2.0, 1.0)}) == ALWAYS_WEIGHTS      # weights faster everywhere


def test_measure_crossover_runs_on_a_tiny_mlp() -> None:
    from neuropuppet.nn.benchmark import measure_crossover
    mlp = ExpertMLP(8, 4, hidden=8, num_experts=2).eval()
    mlp.set_crossover(7)
    found = measure_crossover(mlp, batches=(1, 4), reps=3)
    assert found in (0, 4, 1 << 30)
    assert mlp.layers[0].strategy(6) == "weights"                           # its own crossover kept
