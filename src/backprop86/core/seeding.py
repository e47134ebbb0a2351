"""Random streams derived from (task name, seed) alone, so that a network's initial weights,
its held-out cases and its pattern orders never depend on what else is trained with it."""

from __future__ import annotations

import hashlib

import numpy as np

# Each use of randomness has its own stream, so adding one never shifts another.
STREAMS = {"init": 0, "split": 1, "order": 2}


def task_key(task: str) -> int:
    """A stable 32-bit number for a task name (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.sha256(task.encode()).digest()[:4], "little")


def generator(task: str, seed: int, stream: str) -> np.random.Generator:
    """The numpy generator for one network's ``stream`` (one of :data:`STREAMS`)."""
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return np.random.default_rng([task_key(task), int(seed), STREAMS[stream]])


_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, vectorised: a fast counter-based hash of uint64 values."""
    with np.errstate(over="ignore"):
        z = (x + np.uint64(0x9E3779B97F4A7C15)) & _M64
        z = ((z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)) & _M64
        z = ((z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)) & _M64
        return z ^ (z >> np.uint64(31))


def pattern_orders(task: str, seeds: np.ndarray, sweep: int, n: int) -> np.ndarray:
    """A permutation of ``range(n)`` for every network at one sweep (per-pattern ablation).

    Counter-based (a hash of task, seed, sweep, position), so it is computed for all
    networks at once and each network's order depends on nothing but its own seed.

    Returns
    -------
    (K, n) int array
    """
    base = np.uint64(task_key(task)) << np.uint64(32)
    seeds = np.asarray(seeds, dtype=np.uint64)
    with np.errstate(over="ignore"):
        key = _splitmix64(_splitmix64(base ^ seeds) + np.uint64(sweep))
        keys = _splitmix64(key[:, None] + np.arange(n, dtype=np.uint64)[None, :])
    return np.argsort(keys, axis=1, kind="stable")


def initial_weights(shapes: dict[str, tuple[int, ...]], task: str, seeds,
                    init_range: float) -> dict[str, np.ndarray]:
    """Uniform initial weights in [-r, r], biases included (Nature Fig. 1 caption: r = 0.3).

    Every network draws from its own generator, seeded from (task, seed), in the fixed
    order of ``shapes``. The same uniform draws are scaled by r, so runs that differ only
    in the initial range start from proportional weights (a paired ablation).

    Returns
    -------
    dict of name to array of shape ``(K, *shape)``.
    """
    seeds = [int(s) for s in seeds]
    out = {name: np.empty((len(seeds), *shape)) for name, shape in shapes.items()}
    for i, seed in enumerate(seeds):
        rng = generator(task, seed, "init")
        for name, shape in shapes.items():
            out[name][i] = init_range * (2.0 * rng.random(shape) - 1.0)
    return out
