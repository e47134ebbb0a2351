#!/usr/bin/env python
"""Throughput of the backprop86 core, in network-sweeps per second, beside plain PyTorch and JAX.

A network-sweep is one batch weight change of one network: a forward pass over every
pattern, the error (Nature eq. 3), its gradient (eqs 4-7) and the change (eq. 9). A run of
K networks for B sweeps is K * B network-sweeps; the rate is that over the wall-clock
seconds of the run (best of ``--repeats``). Everything is float64.

Rows (``--rows``; the issue's defaults):

* ``xor:1``, ``xor:1024``              XOR 2-2-1, 4 patterns
* ``parity:1024``                      4-bit parity 4-4-1, 16 patterns
* ``encoder:1024``                     encoder 8-3-8, 8 patterns
* ``symmetry:1``, ``symmetry:1024``    symmetry 6-2-1, 64 patterns
* ``family_trees:256``                 24+12 -> 6+6 -> 12 -> 6 -> 24, 104 patterns

Each row takes the network, patterns, learning rule and error function from the task
module when it exists (``backprop86.tasks``), and otherwise builds them here with the
paper's shapes (family trees: random one-hot inputs, multi-hot targets). Every network
trains on every pattern (no held-out cases) for a fixed number of sweeps (stop "budget"),
so no network stops early.

Implementations (``--peers``), all from the same initial weights (the core's, drawn from
(task, seed)):

* ``core``       ``backprop86.train``, monitoring the task's criteria (``--monitor``)
* ``core_numba`` the same with ``backend="numba"``, the compiled kernel
* ``torch_loop`` a plain PyTorch loop over one network at a time (autograd, full batch,
                 sum loss, manual momentum step dw = -eps g + alpha dw)
* ``torch_bmm``  PyTorch, the K networks stacked on a leading axis (matmul/bmm, autograd)
* ``jax``        JAX, jit + vmap over the K networks + lax.scan over the sweeps

A peer's speed (and the numba kernel's) is printed only if, from the same start, its
weights after 10 sweeps equal the numpy core's to 1e-10 (largest absolute difference over every weight of every network).
Peers record each sweep's error but evaluate no stopping criteria; ``--monitor none``
makes the core do the same.

Examples::

    python benchmarks/bench_core.py                      # every row, every available peer
    python benchmarks/bench_core.py --rows symmetry:1024 --peers core
    python benchmarks/bench_core.py --blas-threads 1 --csv   # also write benchmarks/results.csv
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

ROWS = ("xor:1", "xor:1024", "parity:1024", "encoder:1024", "symmetry:1", "symmetry:1024",
        "family_trees:256")
TASKS = ("xor", "parity", "encoder", "symmetry", "family_trees")
PEERS = ("core", "core_numba", "torch_loop", "torch_bmm", "jax")
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
PEER_TITLES = {
    "core": "backprop86 core (numpy)",
    "core_numba": "backprop86 core (numba)",
    "torch_loop": "PyTorch loop, 1 net at a time",
    "torch_bmm": "PyTorch K nets stacked (bmm)",
    "jax": "JAX jit+vmap+scan",
}
CHECK_SWEEPS = 10
CHECK_TOLERANCE = 1e-10
DEFAULT_CSV = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results.csv")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", default=",".join(ROWS),
                   help="comma-separated task:K (default: %(default)s)")
    p.add_argument("--peers", default=",".join(PEERS),
                   help="comma-separated implementations among %s; unavailable ones are "
                        "skipped (default: all)" % ", ".join(PEERS))
    p.add_argument("--repeats", type=int, default=3, help="timed runs per cell; best is kept")
    p.add_argument("--seconds", type=float, default=1.5,
                   help="aim of one timed run; sets the sweep budget of a row (default 1.5)")
    p.add_argument("--budget", type=int, default=None,
                   help="fixed sweep budget for every row (overrides --seconds)")
    p.add_argument("--min-budget", type=int, default=100)
    p.add_argument("--max-budget", type=int, default=20000)
    p.add_argument("--monitor", choices=("task", "none"), default="task",
                   help="criteria the core evaluates each sweep: the task's (default) or none")
    p.add_argument("--blas-threads", type=int, default=None,
                   help="set OPENBLAS/OMP/MKL_NUM_THREADS before numpy loads (default: "
                        "leave the environment alone)")
    p.add_argument("--torch-threads", type=int, default=2)
    p.add_argument("--core-workers", type=int, default=2,
                   help="threads the core trains its blocks of networks in (as many as cores)")
    p.add_argument("--matmul-size", type=int, default=2048,
                   help="n of the n x n float64 matmul measured for context (0: skip)")
    p.add_argument("--csv", nargs="?", const=DEFAULT_CSV, default=None,
                   help="also write the measurements as CSV (default path: %s)" % DEFAULT_CSV)
    args = p.parse_args(argv)
    args.rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    for r in args.rows:
        task, _, k = r.partition(":")
        if task not in TASKS or not k.isdigit() or int(k) < 1:
            p.error(f"bad row {r!r}: task:K with task one of {', '.join(TASKS)}")
    args.peers = [x.strip() for x in args.peers.split(",") if x.strip()]
    for x in args.peers:
        if x not in PEERS:
            p.error(f"unknown peer {x!r}: {', '.join(PEERS)}")
    return args


# Thread counts must be set before numpy (and its BLAS) is first imported.
if __name__ == "__main__":
    _ARGS = parse_args()
    if _ARGS.blas_threads is not None:
        for var in BLAS_THREAD_VARIABLES:
            os.environ[var] = str(_ARGS.blas_threads)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")

import csv  # noqa: E402
import dataclasses  # noqa: E402
import datetime  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from backprop86 import (LearningRule, NetworkSpec, Patterns, Phase, Projection,  # noqa: E402
                        TrainConfig, initial_weights, layered, train)
from backprop86.core.loss import ErrorFunction  # noqa: E402
from backprop86.core.network import bias_name  # noqa: E402

PAPER_MONITOR = ("correct_side", "within_0.4", "within_0.2", "within_0.1")


# ---------------------------------------------------------------------------------------
# Workloads
# ---------------------------------------------------------------------------------------
@dataclasses.dataclass
class Workload:
    task: str
    k: int
    spec: NetworkSpec
    patterns: Patterns
    config: TrainConfig          # budget/stop/monitor are replaced per run
    source: str                  # "task module" or "built here"
    init: dict = None            # name -> (K, ...) initial weights
    budget: int = 0              # sweeps of a timed run, set by calibration

    @property
    def label(self) -> str:
        sizes = "-".join(str(self.spec.groups[g]) for g in (*self.spec.inputs, *self.spec.order))
        if self.task == "family_trees":
            sizes = "24+12-6+6-12-6-24"
        return f"{self.task} {sizes}"

    def run_config(self, budget: int, monitor: str) -> TrainConfig:
        mon = self.config.monitor if monitor == "task" else ()
        return dataclasses.replace(self.config, budget=budget, stop="budget", monitor=mon,
                                   snapshot_sweeps=())


def _from_task(task: str):
    """(spec, patterns, config) from the task module, or None when it is not there."""
    try:
        from backprop86.plan.setup import setup
        from backprop86.tasks import TASKS
        if task not in TASKS:
            return None
        ready = setup(task)
        return ready.spec, ready.presented, ready.config
    except Exception as exc:  # a task module in flux must not stop the benchmark
        print(f"# note: task module {task!r} unusable ({type(exc).__name__}: {exc}); "
              "building the workload here", file=sys.stderr)
        return None


def _binary(n):
    codes = np.arange(2 ** n)
    return ((codes[:, None] >> np.arange(n - 1, -1, -1)[None, :]) & 1).astype(float)


def _built_here(task: str):
    if task == "xor":
        x = _binary(2)
        spec = layered([2, 2, 1])
        pats = Patterns({"input": x}, np.array([[0.0], [1.0], [1.0], [0.0]]))
        rule = LearningRule.constant(0.5, 0.9)
        return spec, pats, TrainConfig(rule=rule, monitor=PAPER_MONITOR)
    if task == "symmetry":
        x = _binary(6)
        d = (x == x[:, ::-1]).all(axis=1).astype(float)[:, None]
        spec = layered([6, 2, 1])
        rule = LearningRule.constant(0.1, 0.9)  # Nature Fig. 1 caption
        return spec, Patterns({"input": x}, d), TrainConfig(rule=rule, monitor=PAPER_MONITOR)
    if task == "family_trees":
        rng = np.random.default_rng(1986)
        n = 104
        person = np.eye(24)[rng.integers(0, 24, n)]
        relation = np.eye(12)[rng.integers(0, 12, n)]
        target = np.zeros((n, 24))
        for i in range(n):  # one to three correct answers per case
            target[i, rng.choice(24, size=rng.integers(1, 4), replace=False)] = 1.0
        spec = NetworkSpec(
            groups={"person": 24, "relation": 12, "person_code": 6, "relation_code": 6,
                    "central": 12, "answer_code": 6, "output": 24},
            inputs=("person", "relation"), output="output",
            projections=(Projection("person", "person_code"),
                         Projection("relation", "relation_code"),
                         Projection("person_code", "central"),
                         Projection("relation_code", "central"),
                         Projection("central", "answer_code"),
                         Projection("answer_code", "output")))
        rule = LearningRule(phases=(Phase(0, 0.005, 0.5), Phase(20, 0.01, 0.9)),
                            weight_decay=0.002)  # Nature Fig. 4 caption
        error = ErrorFunction(margin=(0.8, 0.2))
        return spec, Patterns({"person": person, "relation": relation}, target), TrainConfig(
            rule=rule, error=error, monitor=("correct_side", "within_0.4", "within_0.2"))
    raise ValueError(task)


def make_workload(row: str) -> Workload:
    task, _, k = row.partition(":")
    k = int(k)
    built = _from_task(task)
    source = "task module"
    if built is None:
        built, source = _built_here(task), "built here"
    spec, patterns, config = built
    if config.error.reduction != "sum":
        raise SystemExit(f"{task}: the peers implement the paper's sum error only")
    w = Workload(task, k, spec, patterns, config, source)
    w.init = initial_weights(spec.parameter_shapes(), task, range(k), config.init_range)
    return w


# ---------------------------------------------------------------------------------------
# Implementations. Each: prepare(workload) -> object with .run(budget, nets=None) returning
# final weights {name: (n, ...)} as numpy; the timed part is .run only.
# ---------------------------------------------------------------------------------------
class CoreRunner:
    name = "core"

    def __init__(self, w: Workload, monitor: str, workers: int = 2, backend: str = "numpy"):
        self.w, self.monitor, self.workers, self.backend = w, monitor, workers, backend

    def run(self, budget, nets=None):
        w = self.w
        seeds = range(w.k) if nets is None else range(nets)
        init = w.init if nets is None else {n: a[:nets] for n, a in w.init.items()}
        rec = train(w.spec, w.patterns, w.run_config(budget, self.monitor), seeds,
                    task=w.task, initial=init, workers=self.workers, backend=self.backend)
        assert rec.meta["backend"] == self.backend
        return rec.final


def _schedule(rule: LearningRule, budget: int):
    """(eps, alpha, decay factor) of every sweep, as the core's change_weights uses them."""
    eps, alpha, decays = rule.per_sweep(budget - 1)
    factor = np.where(decays, 1.0 - rule.weight_decay, 1.0)
    return [(float(e), float(a), float(f)) for e, a, f in zip(eps, alpha, factor)]


class TorchBase:
    def __init__(self, w: Workload, threads: int):
        import torch
        torch.set_num_threads(threads)
        self.torch, self.w = torch, w
        spec = w.spec
        f64 = torch.float64
        # activities are (n_units, P) as in the core; inputs shared by all networks
        self.x = {g: torch.tensor(np.asarray(w.patterns.inputs[g], dtype=float).T.copy(),
                                  dtype=f64) for g in spec.inputs}
        self.d = torch.tensor(np.asarray(w.patterns.targets, dtype=float).T.copy(), dtype=f64)
        self.order = spec.order
        self.incoming = {g: spec.incoming(g) for g in spec.order}
        self.biased = {g: g in spec.bias_groups for g in spec.order}
        self.names = list(spec.parameter_shapes())
        err = w.config.error
        self.margin = err.margin
        self.to_bound = err.margin_mode == "to_bound"
        if self.margin is not None:
            on_above, off_below = self.margin
            self.on = self.d >= 0.5
            self.bound = torch.where(self.on, torch.tensor(on_above, dtype=f64),
                                     torch.tensor(off_below, dtype=f64))
            self.target = self.bound if self.to_bound else self.d

    def residual(self, y):
        """The core's ErrorFunction.residual: y - d, or 0 inside the margin."""
        torch = self.torch
        if self.margin is None:
            return y - self.d
        on_above, off_below = self.margin
        satisfied = torch.where(self.on, y >= on_above, y <= off_below)
        return torch.where(satisfied, torch.zeros((), dtype=y.dtype), y - self.target)

    def change_weights(self, params, vel, grads, eps, alpha, decay):
        """Nature eq. 9 in place, dw = -eps g + alpha dw; w += dw; then the decay factor."""
        with self.torch.no_grad():
            for n, g in zip(self.names, grads):
                v = vel[n]
                v.mul_(alpha).sub_(eps * g)
                params[n].add_(v)
                if decay != 1.0:
                    params[n].mul_(decay)


class TorchLoopRunner(TorchBase):
    """The textbook loop: one network, its weights as leaf tensors, autograd, manual step."""
    name = "torch_loop"

    def train_one(self, init: dict, budget: int):
        torch = self.torch
        params = {n: torch.tensor(init[n], dtype=torch.float64, requires_grad=True)
                  for n in self.names}
        vel = {n: torch.zeros_like(p) for n, p in params.items()}
        plist = [params[n] for n in self.names]
        errors = []
        for eps, alpha, decay in _schedule(self.w.config.rule, budget):
            act = dict(self.x)
            for g in self.order:
                net = None
                for p in self.incoming[g]:
                    c = params[p.weights] @ act[p.source]
                    net = c if net is None else net + c
                if self.biased[g]:
                    net = net + params[bias_name(g)][:, None]
                act[g] = torch.sigmoid(net)
            r = self.residual(act[self.w.spec.output])
            error = 0.5 * (r * r).sum()                    # Nature eq. 3
            grads = torch.autograd.grad(error, plist)
            self.change_weights(params, vel, grads, eps, alpha, decay)
            errors.append(error.detach())
        return {n: p.detach().numpy() for n, p in params.items()}

    def run(self, budget, nets=None):
        n_nets = self.w.k if nets is None else nets
        finals = [self.train_one({n: a[i] for n, a in self.w.init.items()}, budget)
                  for i in range(n_nets)]
        return {n: np.stack([f[n] for f in finals]) for n in self.names}


class TorchStackedRunner(TorchBase):
    """K networks on a leading axis: (K, n_target, n_source) weights, batched matmul."""
    name = "torch_bmm"

    def run(self, budget, nets=None):
        torch = self.torch
        k = self.w.k if nets is None else nets
        params = {n: torch.tensor(self.w.init[n][:k], dtype=torch.float64, requires_grad=True)
                  for n in self.names}
        vel = {n: torch.zeros_like(p) for n, p in params.items()}
        plist = [params[n] for n in self.names]
        errors = []
        for eps, alpha, decay in _schedule(self.w.config.rule, budget):
            act = {}
            for g in self.order:
                net = None
                for p in self.incoming[g]:
                    if p.source in self.x:   # shared input: (K, t, s) @ (s, P), broadcast
                        c = torch.matmul(params[p.weights], self.x[p.source])
                    else:
                        c = torch.bmm(params[p.weights], act[p.source])
                    net = c if net is None else net + c
                if self.biased[g]:
                    net = net + params[bias_name(g)][:, :, None]
                act[g] = torch.sigmoid(net)
            r = self.residual(act[self.w.spec.output])
            per_net = 0.5 * (r * r).sum(dim=(1, 2))
            grads = torch.autograd.grad(per_net.sum(), plist)   # networks are independent
            self.change_weights(params, vel, grads, eps, alpha, decay)
            errors.append(per_net.detach())
        return {n: p.detach().numpy() for n, p in params.items()}


class JaxRunner:
    """One network written plainly, vmapped over K, the sweeps in lax.scan, all jitted."""
    name = "jax"

    def __init__(self, w: Workload):
        import jax
        jax.config.update("jax_enable_x64", True)
        import jax.numpy as jnp
        self.jax, self.jnp, self.w = jax, jnp, w
        spec = w.spec
        x = {g: jnp.asarray(np.asarray(w.patterns.inputs[g], dtype=float).T) for g in spec.inputs}
        d = jnp.asarray(np.asarray(w.patterns.targets, dtype=float).T)
        order, output = spec.order, spec.output
        incoming = {g: spec.incoming(g) for g in spec.order}
        biased = {g: g in spec.bias_groups for g in spec.order}
        margin, to_bound = w.config.error.margin, w.config.error.margin_mode == "to_bound"

        def error_of(params):
            act = dict(x)
            for g in order:
                net = sum(params[p.weights] @ act[p.source] for p in incoming[g])
                if biased[g]:
                    net = net + params[bias_name(g)][:, None]
                act[g] = jax.nn.sigmoid(net)
            y = act[output]
            if margin is None:
                r = y - d
            else:
                on = d >= 0.5
                target = jnp.where(on, margin[0], margin[1]) if to_bound else d
                satisfied = jnp.where(on, y >= margin[0], y <= margin[1])
                r = jnp.where(satisfied, 0.0, y - target)
            return 0.5 * jnp.sum(r * r)

        grad_all = jax.vmap(jax.value_and_grad(error_of))

        def sweep(carry, sched):
            params, vel = carry
            eps, alpha, decay = sched
            error, grads = grad_all(params)
            vel = jax.tree_util.tree_map(lambda v, g: v * alpha - eps * g, vel, grads)
            params = jax.tree_util.tree_map(lambda p, v: (p + v) * decay, params, vel)
            return (params, vel), error

        @jax.jit
        def train_all(params, schedule):
            vel = jax.tree_util.tree_map(jnp.zeros_like, params)
            (params, _), errors = jax.lax.scan(sweep, (params, vel), schedule)
            return params, errors

        self.train_all = train_all
        self.compiled = {}
        self.compile_seconds = {}

    def _args(self, budget, nets):
        jnp = self.jnp
        k = self.w.k if nets is None else nets
        params = {n: jnp.asarray(a[:k]) for n, a in self.w.init.items()}
        sched = np.array(_schedule(self.w.config.rule, budget), dtype=float).reshape(-1, 3)
        return params, (jnp.asarray(sched[:, 0]), jnp.asarray(sched[:, 1]),
                        jnp.asarray(sched[:, 2]))

    def prepare(self, budget, nets=None):
        """Compile for this budget and K (not timed)."""
        key = (budget, nets)
        if key not in self.compiled:
            t = time.perf_counter()
            self.compiled[key] = self.train_all.lower(*self._args(budget, nets)).compile()
            self.compile_seconds[key] = time.perf_counter() - t

    def run(self, budget, nets=None):
        self.prepare(budget, nets)
        params, sched = self._args(budget, nets)
        out, errors = self.compiled[(budget, nets)](params, sched)
        errors.block_until_ready()
        return {n: np.asarray(a) for n, a in out.items()}


# ---------------------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------------------
def best_seconds(fn, repeats, after=None):
    """The shortest of ``repeats`` timed calls of fn; ``after()``, untimed, follows each."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
        if after:
            after()
    return best


def max_weight_difference(a: dict, b: dict) -> float:
    return max(float(np.max(np.abs(np.asarray(a[n]) - np.asarray(b[n])))) for n in a)


def flops_per_net_sweep(spec: NetworkSpec, n_cases: int) -> int:
    """Floating-point operations of one network-sweep's matrix products, 2 per multiply-add.

    Forward (every weight times every pattern), the weight gradient (the same count) and
    the deltas sent back through every projection whose source is not an input group.
    Elementwise work (logistic, error, update) is not counted, as in a matmul's rate.
    """
    forward = back = 0
    for p in spec.projections:
        size = spec.groups[p.target] * spec.groups[p.source] * n_cases
        forward += size
        if p.source not in spec.inputs:
            back += size
    return 2 * (2 * forward + back)


_MATMUL = """
import sys, time
import numpy as np
n, repeats = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
a, b = rng.random((n, n)), rng.random((n, n))
a @ b  # warm up the BLAS threads
best = float("inf")
for _ in range(repeats):
    t = time.perf_counter()
    a @ b
    best = min(best, time.perf_counter() - t)
print(2.0 * n ** 3 / best / 1e9)
"""


def matmul_gflops(n: int, threads: int, repeats: int = 3) -> float:
    """The float64 rate of an n x n numpy matmul on ``threads`` BLAS threads, in a fresh
    process: this one's BLAS thread count is fixed when numpy loads (``--blas-threads``),
    and the peak must use as many cores as the core's workers do."""
    env = {**os.environ, **{v: str(threads) for v in BLAS_THREAD_VARIABLES}}
    done = subprocess.run([sys.executable, "-c", _MATMUL, str(n), str(repeats)], env=env,
                          capture_output=True, text=True, check=True)
    return float(done.stdout)


class MatmulPeak:
    """The machine's float64 matmul rate, sampled once after every timed run of the core
    (``time``), so that each row of the core is compared with the peak of its own moment:
    the best of the samples taken beside its runs, as many as the runs.

    On a shared machine the rate moves by half within minutes (51 to 116 GFLOP/s in one
    run of this script on the development machine). One sample at the start, as before
    2026-11-30 05:10, could land in a slow moment and flatter the core's share, or in a
    fast one and belittle it; the best of many samples against the best of a few runs of
    the core would belittle it too."""

    def __init__(self, n: int, threads: int):
        self.n, self.threads, self.samples = n, threads, []

    def sample(self, repeats: int = 1) -> None:
        if self.n:
            self.samples.append(matmul_gflops(self.n, self.threads, repeats))

    def time(self, fn, repeats: int) -> tuple[float, float]:
        """(best_seconds of fn, the best matmul sample taken right after each of its runs);
        the peak is NaN without a matmul (``--matmul-size 0``)."""
        mark = len(self.samples)
        seconds = best_seconds(fn, repeats, after=self.sample)
        return seconds, max(self.samples[mark:], default=float("nan"))


def machine_info() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": model or platform.processor(),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "default"),
    }
    return info


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def available_peers(wanted, torch_threads):
    have = {}
    for name in wanted:
        if name == "core":
            have[name] = True
        elif name == "core_numba":
            from backprop86.backends import numba as numba_backend
            if numba_backend.available():
                import numba
                have[name] = numba.__version__
            else:
                print("# core_numba: numba not installed; skipped", file=sys.stderr)
        elif name in ("torch_loop", "torch_bmm"):
            try:
                import torch
                have[name] = torch.__version__
            except ImportError:
                print(f"# {name}: torch not installed (pip install -e '.[bench]'); skipped",
                      file=sys.stderr)
        elif name == "jax":
            try:
                import jax
                have[name] = jax.__version__
            except ImportError:
                print("# jax: not installed (pip install jax jaxlib); skipped", file=sys.stderr)
    return have


def calibrate_budget(core: CoreRunner, args) -> int:
    if args.budget is not None:
        return args.budget
    trial = 50
    t = best_seconds(lambda: core.run(trial), 1)
    budget = int(round(args.seconds / max(t, 1e-9) * trial, -1))
    return max(args.min_budget, min(args.max_budget, budget))


def main(args) -> int:
    info = machine_info()
    peers = available_peers(args.peers, args.torch_threads)
    versions = {k: v for k, v in peers.items() if isinstance(v, str)}
    print(f"# backprop86 core benchmark, {info['date']}")
    library = {"torch_loop": "torch", "torch_bmm": "torch", "core_numba": "numba"}
    print(f"# {info['nproc']} x {info['cpu']}; python {info['python']}, numpy {info['numpy']}"
          + "".join(f", {library.get(k, k)} {v}"
                    for k, v in dict(sorted(versions.items())).items()
                    if k != "torch_bmm" or "torch_loop" not in versions)
          + f"; OPENBLAS_NUM_THREADS={info['blas_threads']}, torch threads {args.torch_threads}")
    print(f"# load average at start: {load_average()}")
    peak = MatmulPeak(args.matmul_size, args.core_workers)
    peak.sample(repeats=3)
    if args.matmul_size:
        print(f"# numpy float64 matmul {args.matmul_size}x{args.matmul_size} on "
              f"{args.core_workers} threads: {peak.samples[0]:.1f} GFLOP/s (best of 3); "
              f"sampled again after each timed run of the core")

    workloads = [make_workload(r) for r in args.rows]
    results = []  # dicts, one per (row, impl)

    # 1. the core first, before torch or jax are imported (their thread pools could spin)
    for w in workloads:
        core = CoreRunner(w, args.monitor, args.core_workers)
        budget = calibrate_budget(core, args)
        w.budget = budget
        if "core" in peers:
            sec, beside = peak.time(lambda: core.run(budget), args.repeats)
            results.append(dict(row=w, impl="core", nets=w.k, budget=budget, seconds=sec,
                                rate=w.k * budget / sec, check=0.0, status="ok", peak=beside))
            print(f"#   {w.label} K={w.k}: core {w.k * budget / sec:,.0f} net-sweeps/s "
                  f"({budget} sweeps, {sec:.2f} s)", file=sys.stderr)
        if "core_numba" in peers:
            fast = CoreRunner(w, args.monitor, args.core_workers, backend="numba")
            diff = max_weight_difference(CoreRunner(w, "none").run(CHECK_SWEEPS),
                                         fast.run(CHECK_SWEEPS))  # also compiles
            row = dict(row=w, impl="core_numba", nets=w.k, budget=budget, check=diff,
                       status="ok", seconds=float("nan"), rate=float("nan"),
                       peak=float("nan"))
            if not diff <= CHECK_TOLERANCE:
                row["status"] = f"weights differ from the core by {diff:.1e} after 10 sweeps"
            else:
                sec, beside = peak.time(lambda: fast.run(budget), args.repeats)
                row.update(seconds=sec, rate=w.k * budget / sec, peak=beside)
                print(f"#   {w.label} K={w.k}: core_numba {w.k * budget / sec:,.0f} "
                      f"net-sweeps/s (max |dw| vs core after 10 sweeps {diff:.1e})",
                      file=sys.stderr)
            results.append(row)

    # 2. the peers, each checked against the core before it is timed
    for impl in ("torch_loop", "torch_bmm", "jax"):
        if impl not in peers:
            continue
        for w in workloads:
            runner = (TorchLoopRunner(w, args.torch_threads) if impl == "torch_loop" else
                      TorchStackedRunner(w, args.torch_threads) if impl == "torch_bmm" else
                      JaxRunner(w))
            # the textbook loop checks (and, for large K, times) a few networks only
            check_nets = min(w.k, 8) if impl == "torch_loop" else None
            ref = CoreRunner(w, "none").run(CHECK_SWEEPS, check_nets)
            got = runner.run(CHECK_SWEEPS, check_nets)
            diff = max_weight_difference(ref, got)
            row = dict(row=w, impl=impl, nets=w.k, budget=w.budget, seconds=float("nan"),
                       rate=float("nan"), check=diff, status="ok")
            if not diff <= CHECK_TOLERANCE:
                row["status"] = f"weights differ from the core by {diff:.1e} after 10 sweeps"
                print(f"#   {w.label} K={w.k}: {impl} REFUSED: {row['status']}",
                      file=sys.stderr)
                results.append(row)
                continue
            nets = None
            if impl == "torch_loop":
                # time one network, then as many as fit in the time aim (at most K)
                one = best_seconds(lambda: runner.run(w.budget, 1), 1)
                nets = max(1, min(w.k, int(args.seconds / max(one, 1e-9))))
                row["nets"] = nets
            if impl == "jax":
                runner.prepare(w.budget, None)
                row["compile_seconds"] = runner.compile_seconds[(w.budget, None)]
            sec = best_seconds(lambda: runner.run(w.budget, nets), args.repeats)
            row["seconds"] = sec
            row["rate"] = row["nets"] * w.budget / sec
            results.append(row)
            print(f"#   {w.label} K={w.k}: {impl} {row['rate']:,.0f} net-sweeps/s "
                  f"(max |dw| vs core after 10 sweeps {diff:.1e})", file=sys.stderr)

    print(f"# load average at end: {load_average()}")
    if peak.samples:
        print(f"# matmul samples (GFLOP/s): {' '.join(f'{g:.0f}' for g in peak.samples)}")
    print()
    print_table(workloads, results, peers, peak, args)
    if args.csv:
        write_csv(args.csv, info, results, args)
        print(f"\n# wrote {args.csv}")
    return 2 if any(r["status"] != "ok" for r in results) else 0


def _fmt(rate):
    return "—" if rate != rate else f"{rate:,.0f}"


def print_table(workloads, results, peers, peak, args):
    impls = [p for p in PEERS if p in peers]
    head = ["task, network", "patterns", "K", "sweeps"] + [PEER_TITLES[i] for i in impls] + [
        "fastest core: GFLOP/s (of matmul peak)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] * 3 + ["---:"] * (len(head) - 3)) + "|")
    for w in workloads:
        cells = [w.label + ("" if w.source == "task module" else " (built here)"),
                 str(w.patterns.n_cases), str(w.k), str(w.budget)]
        for impl in impls:
            r = next((r for r in results if r["row"] is w and r["impl"] == impl), None)
            if r is None:
                cells.append("—")
            elif r["status"] != "ok":
                cells.append("refused: " + r["status"])
            else:
                cell = _fmt(r["rate"])
                if impl == "torch_loop" and r["nets"] != w.k:
                    cell += f" ({r['nets']} nets)"
                cells.append(cell)
        cores = [r for r in results if r["row"] is w and r["status"] == "ok"
                 and r["impl"] in ("core", "core_numba")]
        if cores:
            fastest = max(cores, key=lambda r: r["rate"])
            done = fastest["rate"] * flops_per_net_sweep(w.spec, w.patterns.n_cases) / 1e9
            gflops = fastest["peak"]
            share = f" ({done / gflops:.0%} of {gflops:.0f})" if gflops == gflops else ""
            cells.append(f"{done:.2f}{share}")
        else:
            cells.append("—")
        print("| " + " | ".join(cells) + " |")
    print()
    print("Network-sweeps per second (K x sweeps / wall seconds), float64, best of "
          f"{args.repeats}; core monitors {'the task criteria' if args.monitor == 'task' else 'no criteria'}.")
    checked = [r for r in results if r["impl"] != "core" and r["status"] == "ok"]
    if checked:
        worst = max(r["check"] for r in checked)
        print(f"Every peer speed shown is of an implementation whose weights matched the "
              f"core's after {CHECK_SWEEPS} sweeps from the same start (largest difference "
              f"{worst:.1e}, tolerance {CHECK_TOLERANCE:g}).")
    refused = [r for r in results if r["status"] != "ok"]
    if refused:
        print(f"{len(refused)} peer cell(s) refused: weights disagreed with the core's.")
    if peak.samples:
        print(f"Matmul peak: numpy float64 {args.matmul_size}^2 on {args.core_workers} BLAS "
              f"threads (as many as the core's workers), in a fresh process right after each "
              f"timed run of the core; a row's share is of the best sample after its own "
              f"runs (all {len(peak.samples)} samples: {min(peak.samples):.0f}-"
              f"{max(peak.samples):.0f} GFLOP/s).")
    jit = [r for r in results if r.get("compile_seconds")]
    if jit:
        print("JAX compile time (excluded): " + ", ".join(
            f"{r['row'].task} K={r['row'].k} {r['compile_seconds']:.1f} s" for r in jit) + ".")


def write_csv(path, info, results, args):
    fields = ["date", "cpu", "nproc", "blas_threads", "torch_threads", "monitor", "task",
              "network", "patterns", "K", "impl", "nets_timed", "sweeps", "seconds",
              "net_sweeps_per_s", "max_abs_dw_10_sweeps", "status", "matmul_gflops",
              "matmul_threads"]
    with open(path, "w", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=fields)
        out.writeheader()
        for r in results:
            w = r["row"]
            out.writerow(dict(date=info["date"], cpu=info["cpu"], nproc=info["nproc"],
                              blas_threads=info["blas_threads"],
                              torch_threads=args.torch_threads, monitor=args.monitor,
                              task=w.task, network=w.label, patterns=w.patterns.n_cases,
                              K=w.k, impl=r["impl"], nets_timed=r["nets"], sweeps=r["budget"],
                              seconds=f"{r['seconds']:.4f}",
                              net_sweeps_per_s=f"{r['rate']:.0f}",
                              max_abs_dw_10_sweeps=f"{r['check']:.3e}", status=r["status"],
                              matmul_gflops=f"{r.get('peak', float('nan')):.1f}",
                              matmul_threads=args.core_workers))


if __name__ == "__main__":
    sys.exit(main(_ARGS))
