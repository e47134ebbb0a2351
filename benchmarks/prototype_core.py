#!/usr/bin/env python
"""Measured prototypes of faster versions of the core, kept to re-measure them (not the core:
the core has since taken P2 (as P9), P3, P4 and P8; see benchmarks/README.md).

Each proposal keeps every network's arithmetic independent of K: elementwise operations,
exact reductions (max, comparisons), per-network reductions over contiguous axes, and BLAS
calls whose shapes never contain K. The script checks this: a network trained alone must
get the same bits as inside the ensemble.

* P2  logistic without np.where: ``where(net >= 0, 1, e)`` is ``maximum(e, net >= 0)``
      exactly, because 0 <= e = exp(-|net|) <= 1 (NaN propagates through both).
* P3  dE/dw from a shared input group as a per-network stacked matmul
      (``matmul(delta, x.T)``: one (n_t, P) @ (P, n_s) BLAS call per network) instead of one
      (K n_t, P) @ (P, n_s) call, whose bits depend on K in OpenBLAS (seen with 64 patterns).
* P4  all ``within_<tol>`` criteria from one max |y - d| per network:
      all(|y - d| < tol) == (max |y - d| < tol) exactly.
* P5  the margin residual branch-free: clip(y - bound, lo, hi) with per-case bounds
      (on units: [-inf, 0]; off units: [0, inf]) gives the same bits as the np.where form.
* P6  in-place sums and slope: ``net += c``, ``(1 - y) * y * d_y`` in one buffer (IEEE
      multiplication is commutative, so the bits are the same).
* P7  a lean sweep loop: buffers allocated once (``out=``), projections looked up once.
* P8  cache blocking: train the networks in blocks that fit in L2 (they are independent,
      so the bits are those of any chunking, which tests/test_determinism.py asserts).
* P9  the 4-pass logistic 1 / (1 + exp(-net)) (overflow to inf gives 0): NOT the current
      bits for net < 0 (about 1 ulp apart), still elementwise, so still independent of K.

P2-P6 together (``patched``) give the same bits as P7 (``lean``); with P3 they differ from
the current core exactly where the current core is not independent of K.

Example::

    python benchmarks/prototype_core.py --row symmetry:1024 --budget 300 --rounds 5 --block 256
    python benchmarks/prototype_core.py --row family_trees:256 --budget 30 --block 32
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--row", default="symmetry:1024")
    p.add_argument("--budget", type=int, default=300)
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds; best is kept")
    p.add_argument("--block", type=int, default=256, help="networks per block for P8")
    p.add_argument("--blas-threads", type=int, default=1)
    return p.parse_args(argv)


if __name__ == "__main__":
    _ARGS = parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(_ARGS.blas_threads)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import backprop86.activations as activations  # noqa: E402
import backprop86.criteria as criteria  # noqa: E402
import backprop86.loss as loss  # noqa: E402
import backprop86.propagation as propagation  # noqa: E402
import backprop86.trainer as trainer  # noqa: E402
from backprop86 import train  # noqa: E402
from backprop86.network import bias_name  # noqa: E402
from bench_core import make_workload  # noqa: E402


# ---- P2-P6 as drop-in replacements of the core's functions --------------------------------
def logistic(net):
    """P2: same bits as activations.logistic, branch-free."""
    e = np.abs(net)
    np.negative(e, out=e)
    np.exp(e, out=e)
    y = np.maximum(e, net >= 0)
    e += 1.0
    y /= e
    return y


def weight_gradient(delta, activity):
    """P3: one BLAS call of a fixed shape per network, also for shared inputs."""
    if activity.ndim == 2:
        return np.matmul(delta, activity.T)
    return np.matmul(delta, activity.transpose(0, 2, 1))


def forward(spec, params, inputs):
    """P6: the core's forward with in-place sums (same bits)."""
    squash = activations.ACTIVATIONS[spec.activation][0]
    activity = dict(inputs)
    for group in spec.order:
        net = None
        for p in spec.incoming(group):
            c = propagation._project(activity[p.source], params[p.weights])
            if net is None:
                net = c
            else:
                net += c
        if group in spec.bias_groups:
            net += params[bias_name(group)][:, :, None]
        activity[group] = squash(net)
    return activity


def backward(spec, params, activity, output_error):
    """P6: the core's backward with the slope product in one buffer (same bits)."""
    slope = activations.ACTIVATIONS[spec.activation][1]
    delta, grads = {}, {}
    for group in reversed(spec.order):
        if group == spec.output:
            d_y = output_error
        else:
            d_y = None
            for p in spec.outgoing(group):
                back = np.matmul(params[p.weights].transpose(0, 2, 1), delta[p.target])
                if d_y is None:
                    d_y = back
                else:
                    d_y += back
        y = activity[group]
        if spec.activation == "logistic":
            s = np.subtract(1.0, y)
            s *= y
            s *= d_y
        else:
            s = d_y * slope(y)
        delta[group] = s
        for p in spec.incoming(group):
            g = propagation._weight_gradient(s, activity[p.source])
            grads[p.weights] = g if p.weights not in grads else grads[p.weights] + g
        if group in spec.bias_groups:
            grads[bias_name(group)] = s.sum(axis=2)
    return grads


def residual(self, y, d):
    """P5: same bits as ErrorFunction.residual (to_bound margin), branch-free."""
    if self.margin is None:
        return y - d
    if self.margin_mode != "to_bound":
        return _ORIGINAL["residual"](self, y, d)
    on = d >= 0.5
    lo = np.where(on, -np.inf, 0.0)
    hi = np.where(on, 0.0, np.inf)
    r = np.subtract(y, np.where(on, *self.margin))
    return np.clip(r, lo, hi, out=r)


def criterion_call(self, y, d, error, case_mask):
    """P4: within_<tol> from one max |y - d| per network, cached for the sweep's y."""
    if self.kind != "within":
        return _ORIGINAL["criterion"](self, y, d, error, case_mask)
    key = (id(y), id(case_mask))
    if _CACHE.get("key") != key or _CACHE.get("y") is not y:
        a = np.abs(y - d)
        if case_mask is not None:
            a = np.where(case_mask[:, None, :], a, 0.0)
        _CACHE.update(key=key, y=y, max=a.max(axis=(1, 2)))
    return _CACHE["max"] < self.value


_ORIGINAL = {}
_CACHE = {}


@contextlib.contextmanager
def patched():
    """The core with P2-P6 swapped in, restored on exit."""
    _ORIGINAL.update(acts=dict(activations.ACTIVATIONS), wgrad=propagation._weight_gradient,
                     forward=trainer.forward, backward=trainer.backward,
                     residual=loss.ErrorFunction.residual,
                     criterion=criteria.Criterion.__call__)
    try:
        activations.ACTIVATIONS["logistic"] = (logistic, activations.logistic_slope)
        propagation._weight_gradient = weight_gradient
        trainer.forward, trainer.backward = forward, backward
        loss.ErrorFunction.residual = residual
        criteria.Criterion.__call__ = criterion_call
        yield
    finally:
        activations.ACTIVATIONS.clear()
        activations.ACTIVATIONS.update(_ORIGINAL["acts"])
        propagation._weight_gradient = _ORIGINAL["wgrad"]
        trainer.forward, trainer.backward = _ORIGINAL["forward"], _ORIGINAL["backward"]
        loss.ErrorFunction.residual = _ORIGINAL["residual"]
        criteria.Criterion.__call__ = _ORIGINAL["criterion"]
        _CACHE.clear()


# ---- P7 (+ P9): a lean batch-mode loop ------------------------------------------------------
def lean_train(spec, inputs, targets, initial, config, fast_logistic=False):
    """Batch mode, logistic units, sum error (optionally the to_bound margin), no case mask,
    stop 'budget'. Returns (final weights, error trace (sweeps+1, K), first sweeps)."""
    rule, err, budget = config.rule, config.error, config.budget
    monitors = [criteria.parse(m) for m in config.monitor]
    assert spec.activation == "logistic" and err.reduction == "sum" and rule.mode == "batch"
    params = {n: np.array(a, dtype=float) for n, a in initial.items()}
    vel = {n: np.zeros_like(a) for n, a in params.items()}
    k = next(iter(params.values())).shape[0]
    n_p = targets.shape[1]
    order, out = spec.order, spec.output
    incoming = {g: spec.incoming(g) for g in order}
    outgoing = {g: spec.outgoing(g) for g in order}
    biased = {g: g in spec.bias_groups for g in order}
    shape = {g: (k, spec.groups[g], n_p) for g in order}
    act = {g: np.empty(shape[g]) for g in order}
    net_buf = {g: np.empty(shape[g]) for g in order}
    part = {g: np.empty(shape[g]) for g in order}
    sign = {g: np.empty(shape[g], dtype=bool) for g in order}
    delta = {g: np.empty(shape[g]) for g in order}
    grads = {n: np.empty_like(a) for n, a in params.items()}
    step = {n: np.empty_like(a) for n, a in params.items()}
    activity = {**inputs, **act}
    r = np.empty(shape[out])
    scratch = np.empty(shape[out])
    if err.margin is not None:
        assert err.margin_mode == "to_bound"
        on = targets >= 0.5
        bound = np.where(on, *err.margin)
        lo, hi = np.where(on, -np.inf, 0.0), np.where(on, 0.0, np.inf)
    need_max = any(c.kind == "within" for c in monitors)
    need_side = any(c.kind == "correct_side" for c in monitors)
    target_on = targets > 0.5
    first = [np.full(k, -1, dtype=np.int64) for _ in monitors]
    trace = np.empty((budget + 1, k))
    for sweep in range(budget + 1):
        for g in order:                                   # eqs 1-2
            net = net_buf[g]
            for i, p in enumerate(incoming[g]):
                dst = net if i == 0 else part[g]
                np.matmul(params[p.weights], activity[p.source], out=dst)  # per network
                if i:
                    net += dst
            if biased[g]:
                net += params[bias_name(g)][:, :, None]
            y = act[g]
            if fast_logistic:                             # P9
                np.negative(net, out=net)
                with np.errstate(over="ignore"):
                    np.exp(net, out=net)
                net += 1.0
                np.divide(1.0, net, out=y)
            else:                                         # P2, in buffers
                np.greater_equal(net, 0.0, out=sign[g])
                np.abs(net, out=net)
                np.negative(net, out=net)
                np.exp(net, out=net)
                np.maximum(net, sign[g], out=y)
                net += 1.0
                y /= net
        y = act[out]
        if err.margin is None:                            # eqs 3-4
            np.subtract(y, targets, out=r)
        else:                                             # P5
            np.subtract(y, bound, out=r)
            np.clip(r, lo, hi, out=r)
        np.multiply(r, r, out=scratch)
        error = 0.5 * scratch.sum(axis=(1, 2))
        trace[sweep] = error
        if need_max:                                      # P4
            np.subtract(y, targets, out=scratch)
            np.abs(scratch, out=scratch)
            worst = scratch.max(axis=(1, 2))
        if need_side:
            side = ((y > 0.5) == target_on).all(axis=(1, 2))
        for c, crit in enumerate(monitors):
            hit = (worst < crit.value if crit.kind == "within" else
                   side if crit.kind == "correct_side" else
                   error < crit.value if crit.kind == "error_below" else None)
            if hit is not None:
                first[c][hit & (first[c] < 0)] = sweep
        if sweep == budget:
            break
        done = set()
        for g in reversed(order):                         # eqs 4-7
            if g == out:
                d_y = r
            else:
                d_y = net_buf[g]
                for i, p in enumerate(outgoing[g]):
                    wt = params[p.weights].transpose(0, 2, 1)
                    if i == 0:
                        np.matmul(wt, delta[p.target], out=d_y)
                    else:
                        d_y += np.matmul(wt, delta[p.target])
            d = delta[g]
            np.subtract(1.0, act[g], out=d)               # P6
            d *= act[g]
            d *= d_y
            for p in incoming[g]:
                a = activity[p.source]
                a_t = a.T if a.ndim == 2 else a.transpose(0, 2, 1)
                if p.weights in done:                     # tied weights: sum of uses
                    grads[p.weights] += np.matmul(d, a_t)
                else:
                    np.matmul(d, a_t, out=grads[p.weights])   # P3
                    done.add(p.weights)
            if biased[g]:
                np.sum(d, axis=2, out=grads[bias_name(g)])
        phase = rule.at(sweep)                            # eq. 9
        decay = 1.0 - rule.weight_decay if rule.decays_at(sweep) else None
        for n, w in params.items():
            v = vel[n]
            v *= phase.alpha
            np.multiply(phase.eps, grads[n], out=step[n])
            v -= step[n]
            w += v
            if decay is not None:
                w *= decay
    return params, trace, first


def lean_blocks(w, config, block, fast_logistic=False):
    """P8: the lean loop over blocks of ``block`` networks."""
    inputs = {g: np.ascontiguousarray(np.asarray(w.patterns.inputs[g], float).T)
              for g in w.spec.inputs}
    targets = np.ascontiguousarray(np.asarray(w.patterns.targets, float).T)
    parts = [lean_train(w.spec, inputs, targets, {n: a[s:s + block] for n, a in w.init.items()},
                        config, fast_logistic) for s in range(0, w.k, block)]
    final = {n: np.concatenate([p[0][n] for p in parts]) for n in parts[0][0]}
    trace = np.concatenate([p[1] for p in parts], axis=1)
    first = [np.concatenate([p[2][c] for p in parts]) for c in range(len(parts[0][2]))]
    return final, trace, first


def main(args):
    w = make_workload(args.row)
    config = w.run_config(args.budget, "task")

    def core():
        return train(w.spec, w.patterns, config, range(w.k), task=w.task, initial=w.init)

    def core_patched():
        with patched():
            return core()

    variants = {
        "current core": core,
        "core + P2-P6 (same bits as P7)": core_patched,
        "lean loop P7": lambda: lean_blocks(w, config, w.k),
        f"P7 + P8 (blocks of {args.block})": lambda: lean_blocks(w, config, args.block),
        "P7 + P9 (4-pass logistic)": lambda: lean_blocks(w, config, w.k, True),
        f"P7 + P8 + P9": lambda: lean_blocks(w, config, args.block, True),
    }
    best = {name: float("inf") for name in variants}
    for _ in range(args.rounds):                          # interleaved: drift hits all alike
        for name, fn in variants.items():
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    print(f"### {w.label}, K={w.k}, {args.budget} sweeps, best of {args.rounds} interleaved "
          f"rounds, OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}, "
          f"load {os.getloadavg()[0]:.2f}")
    print("| variant | network-sweeps/s | ms/sweep |\n|---|---:|---:|")
    for name, sec in best.items():
        print(f"| {name} | {w.k * args.budget / sec:,.0f} | {sec / args.budget * 1e3:.2f} |")

    # bits: patched core == lean loop == blocked lean loop; each network alone == in K
    ref = core_patched()
    lean = lean_blocks(w, config, w.k)
    blocked = lean_blocks(w, config, args.block)
    same = lambda a, b: all(np.array_equal(a[n], b[n]) for n in a)  # noqa: E731
    print(f"\nP7 == core + P2-P6 (weights, errors, first sweeps): "
          f"{same(lean[0], ref.final)}, {np.array_equal(lean[1].T.ravel(), ref.error_values)}, "
          f"{all(np.array_equal(a, b) for a, b in zip(lean[2], ref.first_sweep))}")
    print(f"P7 + P8 == P7: {same(blocked[0], lean[0]) and np.array_equal(blocked[1], lean[1])}")
    i = min(7, w.k - 1)
    alone_init = {n: a[i:i + 1] for n, a in w.init.items()}
    with patched():
        alone = train(w.spec, w.patterns, config, [i], task=w.task, initial=alone_init)
    plain_alone = train(w.spec, w.patterns, config, [i], task=w.task, initial=alone_init)
    plain_all = core()
    print(f"network {i} alone == network {i} among K={w.k}: current core "
          f"{all(np.array_equal(plain_alone.final[n][0], plain_all.final[n][i]) for n in ref.final)}"
          f", core + P2-P6 "
          f"{all(np.array_equal(alone.final[n][0], ref.final[n][i]) for n in ref.final)}")
    fast_all = lean_blocks(w, config, w.k, True)
    fast_one = lean_blocks(dataclass_slice(w, i), config, 1, True)
    print(f"P9: network {i} alone == among K: "
          f"{all(np.array_equal(fast_one[0][n][0], fast_all[0][n][i]) for n in fast_all[0])}; "
          f"largest weight difference from P7 after {args.budget} sweeps: "
          f"{max(float(np.abs(fast_all[0][n] - lean[0][n]).max()) for n in lean[0]):.1e}")
    return 0


def dataclass_slice(w, i):
    import dataclasses
    return dataclasses.replace(w, k=1, init={n: a[i:i + 1] for n, a in w.init.items()})


if __name__ == "__main__":
    sys.exit(main(_ARGS))
