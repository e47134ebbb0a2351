"""The compiled backend (numba): each network's whole batch-training loop in machine code.

The numpy core (:mod:`backprop86.core`) is the reference. It spends most of a sweep in
Python and in numpy's per-call overhead, which dominates for these tiny networks and for the
few slow networks that train long after the rest have stopped. This backend runs the same
rule (Nature eqs 1-9: forward pass, eq. 3 error with its reduction and margin, the criteria,
backward pass, eq. 9 change with the schedule and decay) as plain loops over one network at
a time, compiled by numba.

It computes the same quantities in another order (no BLAS), so its numbers agree with the
numpy core to rounding (about 1e-12 after thousands of sweeps), not bit for bit. Its own
results are deterministic: a network's bits depend only on its seed and the settings (and
the machine's instruction set), never on the block, the ensemble or the number of threads,
because every network is a separate sequential loop.

Its modules, each with one job:

* :mod:`.program`: the network flattened into the index arrays the kernel walks;
* :mod:`.codegen`: the kernel's source (its passes written out for a small network's
  shapes), compiled once per machine;
* :mod:`.kernel`: the compiled pieces the kernel is made of (loaded only when it runs, so
  that nothing else loads numba);
* :mod:`.vectors`: the explicit vector code of the kernel's products and sums;
* :mod:`.stepper`: the kernel driven by the core's block loop.

Supported: any feed-forward :class:`~backprop86.core.network.NetworkSpec` (tied weights
included), logistic or tanh units, batch mode, case masks, snapshots. Per-pattern mode and
observers stay on the numpy core; :func:`supports` says which.
"""

from __future__ import annotations

import importlib.util

from ...core.config import TrainConfig
from ...core.trainer import Backend, Observer
from .stepper import CompiledStepper


def available() -> bool:
    """Whether numba is installed (it is loaded only when the kernel runs)."""
    return importlib.util.find_spec("numba") is not None


def supports(config: TrainConfig, observer: Observer | None) -> bool:
    """Whether this backend can train a run: batch mode without an observer."""
    return config.rule.mode == "batch" and observer is None


NUMBA = Backend("numba", CompiledStepper, supports, one_block=True)
