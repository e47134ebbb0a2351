#!/usr/bin/env python
"""Where a sweep of the core's ``train`` spends its time, phase by phase.

Wraps the core's own functions with timers (no copy of the core is profiled), runs one
workload of ``bench_core.py`` and prints a markdown table of milliseconds per sweep:

* forward: net input     ``propagation._project`` (eq. 1: the projections)
* forward: squash        the unit function (eq. 2: ``activations.logistic``)
* forward: other         bias add, sums of projections (rest of ``propagation.forward``)
* error and dE/dy        ``ErrorFunction.__call__`` (eqs 3-4)
* criteria               every monitored ``Criterion.__call__``
* backward: slope        ``activations.logistic_slope`` (eq. 5's y(1-y))
* backward: dE/dw        ``propagation._weight_gradient`` (eq. 6)
* backward: other        back-projection W^T delta (eq. 7), slope product, bias sums
* weight change          ``trainer.change_weights`` (eq. 9)
* Python and bookkeeping the rest of the sweep loop in ``trainer.train``

Example::

    python benchmarks/profile_core.py --row symmetry:1024 --budget 300 --blas-threads 1
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--row", default="symmetry:1024", help="task:K as in bench_core.py")
    p.add_argument("--budget", type=int, default=300)
    p.add_argument("--repeats", type=int, default=3, help="runs; the fastest is reported")
    p.add_argument("--monitor", choices=("task", "none"), default="task")
    p.add_argument("--blas-threads", type=int, default=None)
    p.add_argument("--cpu-time", action="store_true",
                   help="time with the thread's CPU clock instead of the wall clock")
    return p.parse_args(argv)


if __name__ == "__main__":
    _ARGS = parse_args()
    if _ARGS.blas_threads is not None:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(_ARGS.blas_threads)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import backprop86.core.activations as activations  # noqa: E402
import backprop86.core.criteria as criteria  # noqa: E402
import backprop86.core.loss as loss  # noqa: E402
import backprop86.core.propagation as propagation  # noqa: E402
import backprop86.core.trainer as trainer  # noqa: E402
from bench_core import make_workload  # noqa: E402

PHASES = ("forward: net input", "forward: squash", "forward: other", "error and dE/dy",
          "criteria", "backward: slope", "backward: dE/dw", "backward: other",
          "weight change", "Python and bookkeeping")


class Timers:
    def __init__(self, clock):
        self.clock = clock
        self.total = defaultdict(float)

    def wrap(self, name, fn):
        total, clock = self.total, self.clock

        def timed(*a, **kw):
            t = clock()
            try:
                return fn(*a, **kw)
            finally:
                total[name] += clock() - t
        return timed


def profile(row, budget, monitor, clock):
    w = make_workload(row)
    cfg = w.run_config(budget, monitor)
    timers = Timers(clock)
    saved = dict(project=propagation._project, wgrad=propagation._weight_gradient,
                 forward=trainer.forward, backward=trainer.backward,
                 change=trainer.change_weights, acts=dict(activations.ACTIVATIONS),
                 error=loss.ErrorFunction.__call__, crit=criteria.Criterion.__call__)
    try:
        propagation._project = timers.wrap("forward: net input", saved["project"])
        propagation._weight_gradient = timers.wrap("backward: dE/dw", saved["wgrad"])
        for name, (squash, slope) in saved["acts"].items():
            activations.ACTIVATIONS[name] = (timers.wrap("forward: squash", squash),
                                             timers.wrap("backward: slope", slope))
        trainer.forward = timers.wrap("forward (all)", saved["forward"])
        trainer.backward = timers.wrap("backward (all)", saved["backward"])
        trainer.change_weights = timers.wrap("weight change", saved["change"])
        loss.ErrorFunction.__call__ = timers.wrap("error and dE/dy", saved["error"])
        criteria.Criterion.__call__ = timers.wrap("criteria", saved["crit"])
        t = clock()
        trainer.train(w.spec, w.patterns, cfg, range(w.k), task=w.task, initial=w.init)
        total = clock() - t
    finally:
        propagation._project = saved["project"]
        propagation._weight_gradient = saved["wgrad"]
        activations.ACTIVATIONS.clear()
        activations.ACTIVATIONS.update(saved["acts"])
        trainer.forward, trainer.backward = saved["forward"], saved["backward"]
        trainer.change_weights = saved["change"]
        loss.ErrorFunction.__call__ = saved["error"]
        criteria.Criterion.__call__ = saved["crit"]
    t = dict(timers.total)
    phases = {
        "forward: net input": t.get("forward: net input", 0.0),
        "forward: squash": t.get("forward: squash", 0.0),
        "forward: other": t.get("forward (all)", 0.0) - t.get("forward: net input", 0.0)
        - t.get("forward: squash", 0.0),
        "error and dE/dy": t.get("error and dE/dy", 0.0),
        "criteria": t.get("criteria", 0.0),
        "backward: slope": t.get("backward: slope", 0.0),
        "backward: dE/dw": t.get("backward: dE/dw", 0.0),
        "backward: other": t.get("backward (all)", 0.0) - t.get("backward: slope", 0.0)
        - t.get("backward: dE/dw", 0.0),
        "weight change": t.get("weight change", 0.0),
    }
    phases["Python and bookkeeping"] = total - sum(phases.values())
    return w, total, phases


def main(args):
    clock = time.thread_time if args.cpu_time else time.perf_counter
    best = None
    for _ in range(args.repeats):
        w, total, phases = profile(args.row, args.budget, args.monitor, clock)
        if best is None or total < best[1]:
            best = (w, total, phases)
    w, total, phases = best
    b = args.budget
    print(f"# {w.label}, K={w.k}, {b} sweeps, monitor={args.monitor}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}, "
          f"{'CPU' if args.cpu_time else 'wall'} clock, fastest of {args.repeats}, "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"# {total / b * 1e3:.3f} ms/sweep = {w.k * b / total:,.0f} network-sweeps/s "
          "(timers add a little overhead)")
    print("| phase | ms/sweep | share |\n|---|---:|---:|")
    for name in PHASES:
        print(f"| {name} | {phases[name] / b * 1e3:.3f} | {phases[name] / total:.0%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(_ARGS))
