"""`neuropuppet bench mann`: one dog's tick and the crowd within a 60 Hz tick, beside a plain MLP floor.

Figures (CPU; CUDA too when present), the shipped artifact (else a random-weight hidden-512 MANN):
  tick_1        one dog's full tick as the runtime runs it (`Runtime.tick`: input, the MANN tick of engine
                "auto": the compiled one on the CPU, the `foot_lock` modifier), p50/p99, and without the foot
                lock; the same with engine "torch" (the TorchScript tick, tick_1_torch); all seven figures here
                are timed in blocks of BLOCK calls in a row (warm caches, as PFNN's bench times its tick), the
                blocks of the seven in turn (so that load falls on all alike)
  in_turn       the tick, the MLP and the torch tick called once each in turn instead (each call finds the
                caches the others left: the cost when other work runs between a game's ticks)
  mlp_1         one forward of a plain 480-512-512-363 ELU MLP (the floor), p50/p99
  net_1, gate_1 the torch MANN network alone (normalisation, gating, 8 experts) and its gating network alone:
                the gating's share of the network and of the torch tick
  native_1      (CPU) the compiled tick alone for one dog, the network and the gating inside it; per batch size
                every dog's network in the compiled call vs the batched torch network between two compiled
                calls, and the crossover measured there beside the one the controller uses
  blend         the shipped motion network (`ExpertMLP`) blending outputs vs blending weights per batch size,
                the crossover measured there and the one `ExpertLinear.forward` uses
  ops_1         where one dog's tick spends its time: the eager tick under torch.profiler, aten calls per
                tick and the share of self time in matrix products (the network) against the rest
  crowd         the most dogs whose tick median stays within 16.7 ms (doubling, then bisection; engine "auto" and
                "torch"), beside the most plain-MLP forwards; the gating's share at that size; the tick of 500
                dogs (both engines)
Threads: min(2, torch's), the 2-core budget the goals are stated for (OMP_NUM_THREADS=1 for one).
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from neuropuppet.artifacts import load_artifact, quiet_torchscript
from neuropuppet.benchmarks import largest_count_within, percentiles_ms
from neuropuppet.channels import GamepadState
from neuropuppet.input.source import ScriptedGamepad
from neuropuppet.nn import ELUMLP
from neuropuppet.nn.benchmark import crossover, paired_times, print_times, strategy_times
from neuropuppet.nn.experts import BLEND_WEIGHTS_BELOW
from neuropuppet.runtime import Runtime

from . import native
from .controller import MANNController
from .network import MANN, mann_from_state

TICK_BUDGET_S = 1.0 / 60.0
GOAL_TICK_1_MS, GOAL_CROWD = 0.2, 500
BLOCK = 50                 # calls in a row per function and repetition (tick_1 ... gate_1)
MATRIX_OPS = ("aten::addmm", "aten::mm", "aten::bmm", "aten::matmul", "aten::linear")
BLEND_BATCHES = (1, 4, 16, 64, 256, 512)
NATIVE_BATCHES = (1, 2, 4, 8, 16, 32, 64)


def _artifact_path(tmp: Path) -> Path:
    """The shipped default, else a random-weight paper-sized MANN for the generator's dog."""
    default = MANNController.default_artifact()
    if default is not None:
        return default
    from neuropuppet.motion.synth.quadruped import GAIT_NAMES, quadruped_skeleton
    from neuropuppet.trainers.mann.config import QUADRUPED_FEET as feet

    from .export import export_mann
    from .features import MANNFeatures
    sk = quadruped_skeleton()
    f = MANNFeatures.build(sk.num_joints, tuple(GAIT_NAMES), tuple(sk.index(n) for n in feet))
    net = MANN(f.x_size, f.y_size, f.gate_columns(), hidden=512)
    rest = np.zeros((sk.num_joints, 12), np.float32)
    rest[:, 5], rest[:, 7] = 1.0, 1.0
    return export_mann(net, sk, tmp / "mann.pt", gaits=GAIT_NAMES, feet=feet, rest_joints=rest,
                       gait_speeds={g: 1.0 for g in GAIT_NAMES})


def trotting_runtime(artifact: Path, dogs: int, device: torch.device, foot_lock: bool = True,
                     script: bool = True, engine: str = "auto") -> Runtime:
    """A runtime with `dogs` MANN dogs trotting forward (stick up), as `neuropuppet play` runs them."""
    pad = GamepadState()
    pad.axes[1] = 1.0
    rt = Runtime(60)
    rt.spawn("mann", dogs, artifact=str(artifact), device=device, input=ScriptedGamepad(lambda t: pad),
             modifiers=None if foot_lock else [], script=script, engine=engine)
    for _ in range(30):                      # past the start-up transient
        rt.tick()
    return rt


def _net(artifact: Path, device: torch.device) -> MANN:
    net = mann_from_state(load_artifact(artifact, controller="mann").module.state_dict()).to(device)
    return net


def op_breakdown(artifact: Path, ticks: int = 30) -> dict[str, Any]:
    """The eager one-dog tick under torch.profiler: aten calls per tick (nested ones included), the share of
    self CPU time in matrix products and the five ops with the most self time."""
    from torch.profiler import ProfilerActivity, profile
    rt = trotting_runtime(artifact, 1, torch.device("cpu"), foot_lock=False, script=False, engine="torch")
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(ticks):
            rt.tick()
    events = [e for e in prof.key_averages() if e.key.startswith("aten::")]
    total = sum(e.self_cpu_time_total for e in events)
    matrix = sum(e.self_cpu_time_total for e in events if e.key in MATRIX_OPS)
    top = sorted(events, key=lambda e: -e.self_cpu_time_total)[:5]
    return {"aten_calls_per_tick": sum(e.count for e in events) / ticks,
            "matrix_share": matrix / total if total else float("nan"),
            "profiled_us_per_tick": total / ticks,
            "top": [(e.key, e.self_cpu_time_total / ticks, e.count / ticks) for e in top]}


def native_figures(artifact: Path, reps: int = 200) -> dict[str, Any]:
    """The compiled tick alone for one dog (`NativeMANN` call, p50 us) and, inside it, the network and the
    gating (`native.network_kernel`, `reps` runs per timing); and per batch size the tick with every dog's
    network in the call beside the batched torch network between two calls (p50 ms), the crossover measured
    (the smallest batch from which batched is never slower) beside the stored `native.NETWORK_BELOW`."""
    from neuropuppet.artifacts import load_artifact
    art = load_artifact(artifact, controller="mann")

    def engine(n: int, batched: bool) -> tuple[Callable[[], Any], native.NativeMANN]:
        ctrl = MANNController.from_artifact(art, batch_size=n, device="cpu", engine="torch", script=False)
        tick = native.NativeMANN(ctrl._core, ctrl._core.net, n, batched=batched)
        pads = np.zeros((n, 21), np.float32)
        pads[:, 1] = 1.0
        views = tuple(ctrl.state[k].numpy() for k in native.STATE_KEYS)
        return (lambda: tick(pads, *views)), tick

    call, tick = engine(1, False)
    c = tick.constants
    timed = paired_times([call, lambda: native.network_kernel(reps, False, *c),
                          lambda: native.network_kernel(reps, True, *c)], 12, warmup=30, block=5)
    med = np.median(timed, axis=0)
    out: dict[str, Any] = {"tick_us": float(med[0] * 1e6), "network_us": float(med[1] / reps * 1e6),
                           "gating_us": float(med[2] / reps * 1e6)}
    times = {}
    for n in NATIVE_BATCHES:
        inside, _ = engine(n, False)
        batched, _ = engine(n, True)
        t = paired_times([inside, batched], max(10, 400 // n), warmup=5)
        times[n] = tuple(float(v) for v in np.median(t, axis=0) * 1e3)
    wins = [b <= i for i, b in (times[n] for n in NATIVE_BATCHES)]
    found = next((n for k, n in enumerate(NATIVE_BATCHES) if all(wins[k:])), 1 << 30)
    out["batches"] = {"times": times, "crossover_measured": found, "crossover_stored": native.NETWORK_BELOW}
    return out


def _device_figures(artifact: Path, device: torch.device, max_dogs: int, ticks: int) -> dict[str, Any]:
    sync: Callable[[], None] = (lambda: torch.cuda.synchronize(device)) if device.type == "cuda" else (lambda: None)
    out: dict[str, Any] = {}
    with_lock = device.type == "cpu"          # the foot lock modifier works on CPU poses
    rt = trotting_runtime(artifact, 1, device, foot_lock=with_lock)
    bare = trotting_runtime(artifact, 1, device, foot_lock=False)
    out["engine"] = rt.groups[0].controller.engine
    rt_t = trotting_runtime(artifact, 1, device, foot_lock=with_lock, engine="torch")
    bare_t = trotting_runtime(artifact, 1, device, foot_lock=False, engine="torch")
    mlp = ELUMLP(480, 363, 512).to(device).eval()
    x_mlp = torch.randn(1, 480, device=device)
    net = _net(artifact, device)
    with quiet_torchscript():
        net_s = torch.jit.script(net)
    x_net = torch.randn(1, net.x_norm.size, device=device)
    xn = net.x_norm(x_net)
    names = ("tick_1", "tick_1_no_foot_lock", "tick_1_torch", "tick_1_torch_no_foot_lock", "mlp_1", "net_1", "gate_1")
    fns = [rt.tick, bare.tick, rt_t.tick, bare_t.tick, lambda: mlp(x_mlp), lambda: net_s(x_net),
           lambda: net_s.coefficients(xn)]
    with torch.inference_mode():
        t = paired_times(fns, max(1, ticks // BLOCK), sync, warmup=20, block=BLOCK)
        cold = paired_times(fns[:1] + fns[4:5] + fns[2:3], max(20, ticks // 5), sync, warmup=5)
    for column, name in enumerate(names):
        out[name] = percentiles_ms(t[:, column])
    out["in_turn"] = {name: percentiles_ms(cold[:, k]) for k, name in enumerate(("tick_1", "mlp_1", "tick_1_torch"))}
    out["foot_lock"] = with_lock
    out["hidden"] = int(net.motion.layers[0].out_features)
    if device.type == "cpu":
        out["native_1"] = native_figures(artifact)

    blend = strategy_times(net.motion, BLEND_BATCHES, 40, sync)
    out["blend"] = {"times": blend, "crossover_measured": crossover(blend),
                    "crossover_stored": BLEND_WEIGHTS_BELOW[device.type]}
    if device.type == "cpu":
        out["ops_1"] = op_breakdown(artifact)

    def tick_cost(n: int, engine: str = "auto") -> float:
        r = trotting_runtime(artifact, n, device, foot_lock=with_lock, engine=engine)
        return float(np.median(paired_times([r.tick], 15, sync, warmup=3)[:, 0]))

    def mlp_cost(n: int) -> float:
        x = torch.randn(n, 480, device=device)
        with torch.inference_mode():
            return float(np.median(paired_times([lambda: mlp(x)], 15, sync)[:, 0]))

    out["crowd_mann"] = largest_count_within(tick_cost, TICK_BUDGET_S, max_dogs)
    out["crowd_mann_torch"] = (largest_count_within(lambda n: tick_cost(n, "torch"), TICK_BUDGET_S, max_dogs)
                               if out["engine"] != "torch" else out["crowd_mann"])
    out["crowd_mlp"] = largest_count_within(mlp_cost, TICK_BUDGET_S, max_dogs)
    n = max(1, out["crowd_mann"])
    xs = torch.randn(n, net.x_norm.size, device=device)
    xns = net.x_norm(xs)
    with torch.inference_mode():
        t = paired_times([lambda: net_s(xs), lambda: net_s.coefficients(xns)], 15, sync)
    out["crowd_net_ms"], out["crowd_gate_ms"] = (float(v) for v in np.median(t, axis=0) * 1e3)
    out["tick_500_dogs"] = min(GOAL_CROWD, max_dogs)
    out["tick_500_ms"] = tick_cost(out["tick_500_dogs"]) * 1e3
    out["tick_500_torch_ms"] = (tick_cost(out["tick_500_dogs"], "torch") * 1e3 if out["engine"] != "torch"
                                else out["tick_500_ms"])
    return out


def print_figures(dev: str, r: dict[str, Any], threads: int, artifact: str) -> None:
    """The figures of one device, each beside the floor measured in the same run and the goal."""
    t1, m1, s1 = r["tick_1"], r["mlp_1"], r["tick_1_no_foot_lock"]
    met = lambda ok: "goal met" if ok else "goal MISSED"  # noqa: E731
    engine = r.get("engine", "torch")
    print(f"mann on {dev} ({threads} threads), artifact {artifact} (hidden {r['hidden']}, 8 experts)")
    print(f"  1 dog tick{' (foot lock on)' if r['foot_lock'] else ''}, engine {engine}: p50 {t1['p50_ms']:.3f} ms  "
          f"p99 {t1['p99_ms']:.3f} ms   | plain 480-512-512-363 MLP p50 {m1['p50_ms']:.3f} ms  p99 {m1['p99_ms']:.3f} ms"
          f"   | ratio tick / MLP {t1['p50_ms'] / m1['p50_ms']:.2f}   [goal < {GOAL_TICK_1_MS} ms p50: "
          f"{met(t1['p50_ms'] < GOAL_TICK_1_MS)}]")
    print(f"  1 dog tick without the foot lock, engine {engine}: p50 {s1['p50_ms']:.3f} ms  p99 {s1['p99_ms']:.3f} ms"
          f"   | ratio / MLP {s1['p50_ms'] / m1['p50_ms']:.2f}   (the foot lock: {t1['p50_ms'] - s1['p50_ms']:.3f} ms, "
          f"{(t1['p50_ms'] - s1['p50_ms']) / t1['p50_ms']:.0%} of the tick)")
    if "in_turn" in r:
        c = r["in_turn"]
        print(f"  1 dog tick called in turn with the MLP and the torch tick (caches left cold by them): p50 "
              f"{c['tick_1']['p50_ms']:.3f} ms | MLP {c['mlp_1']['p50_ms']:.3f} ms | ratio "
              f"{c['tick_1']['p50_ms'] / c['mlp_1']['p50_ms']:.2f}")
    if "tick_1_torch" in r and engine != "torch":
        tt, ts = r["tick_1_torch"], r["tick_1_torch_no_foot_lock"]
        print(f"  1 dog tick, engine torch: p50 {tt['p50_ms']:.3f} ms (without the foot lock {ts['p50_ms']:.3f} ms)"
              f"   | ratio / MLP {tt['p50_ms'] / m1['p50_ms']:.2f}   | torch / {engine} {tt['p50_ms'] / t1['p50_ms']:.2f}")
    n1, g1 = r["net_1"]["p50_ms"], r["gate_1"]["p50_ms"]
    tt1 = r.get("tick_1_torch", t1)["p50_ms"]
    print(f"  1 dog torch network alone p50 {n1:.3f} ms (ratio / MLP {n1 / m1['p50_ms']:.2f}, share of the torch tick "
          f"{n1 / tt1:.0%}); gating alone {g1:.3f} ms: {g1 / n1:.0%} of the network, {g1 / tt1:.0%} of the torch tick")
    if "native_1" in r:
        nt = r["native_1"]
        tick_us, net_us, gate_us = nt["tick_us"], nt["network_us"], nt["gating_us"]
        print(f"  1 dog compiled tick alone (no runtime, no foot lock) p50 {tick_us:.1f} us: network {net_us:.1f} us "
              f"({net_us / tick_us:.0%}; ratio / MLP {net_us / 1e3 / m1['p50_ms']:.2f}), of which gating "
              f"{gate_us:.1f} us ({gate_us / tick_us:.0%} of the tick); trajectory and pose {tick_us - net_us:.1f} us")
        b = nt["batches"]
        print("  compiled tick, every dog's network in the call | batched torch network between two calls, p50 ms:")
        for n, (inside, batched) in b["times"].items():
            print(f"    N={n:4d}  in the call {inside:8.3f} | batched {batched:8.3f}   batched / in the call "
                  f"{batched / inside:5.2f}")
        print(f"    crossover measured: batched from N={b['crossover_measured']}  (stored, used: "
              f"{b['crossover_stored']})")
    if "ops_1" in r:
        o = r["ops_1"]
        print(f"  where one dog's torch tick goes (eager tick, profiler): {o['aten_calls_per_tick']:.0f} aten calls per "
              f"tick, {o['profiled_us_per_tick']:.0f} us self time; matrix products (the network) {o['matrix_share']:.0%}, "
              f"the other {1 - o['matrix_share']:.0%} small tensor ops of the trajectory/pose code")
        print("    most self time: " + ", ".join(f"{k} {us:.0f} us ({c:.0f} calls)" for k, us, c in o["top"]))
    print("  blend of the shipped motion network (torch), p50 ms:")
    print_times(f"mann {dev}", r["blend"]["times"], r["blend"]["crossover_stored"])
    c, cm = r["crowd_mann"], r["crowd_mlp"]
    print(f"  dogs within a 16.7 ms tick, engine {engine}: mann {c}   | plain MLP forwards {cm}   | ratio "
          f"{c / max(cm, 1):.2f}   [goal >= {GOAL_CROWD}: {met(c >= GOAL_CROWD)}]")
    if "crowd_mann_torch" in r and engine != "torch":
        print(f"  dogs within a 16.7 ms tick, engine torch: mann {r['crowd_mann_torch']}")
    print(f"  at {max(1, c)} dogs: torch network {r['crowd_net_ms']:.2f} ms, gating {r['crowd_gate_ms']:.2f} ms "
          f"({r['crowd_gate_ms'] / r['crowd_net_ms']:.0%} of the network)")
    budget = TICK_BUDGET_S * 1e3
    line = f"  {r['tick_500_dogs']} dogs: {r['tick_500_ms']:.2f} ms per tick ({r['tick_500_ms'] / budget:.2f} x the budget)"
    if "tick_500_torch_ms" in r and engine != "torch":
        line += f", engine torch {r['tick_500_torch_ms']:.2f} ms ({r['tick_500_torch_ms'] / budget:.2f} x)"
    print(line)


def run(max_dogs: int = 2048, ticks: int = 1000) -> dict[str, Any]:
    """Measure and print the figures (module docstring); returns them as a dict."""
    torch.set_num_threads(min(2, torch.get_num_threads()))
    results: dict[str, Any] = {"threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory() as tmp:
        path = _artifact_path(Path(tmp))
        results["artifact"] = str(path)
        devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
        for dev in devices:
            results[dev.type] = _device_figures(path, dev, max_dogs, ticks)
    for dev in (d for d in ("cpu", "cuda") if d in results):
        print_figures(dev, results[dev], results["threads"], results["artifact"])
    return results


if __name__ == "__main__":
    run()
