"""From a task, a variant, settings and seeds to a tidy per-seed table and the arrays: the
one place that trains, for the command line, the pipeline and notebooks. Here, and only
here, a backend is chosen by name."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .. import backends
from ..core import trainer
from ..core.config import TrainConfig
from ..core.network import NetworkSpec
from ..core.patterns import Patterns
from ..core.records import EnsembleRecords
from ..plan.plan import Run
from ..plan.setup import Setup, setup


def train(spec: NetworkSpec, patterns: Patterns, config: TrainConfig, seeds: Iterable[int],
          *, task: str, backend: str = "numpy", **options) -> EnsembleRecords:
    """:func:`backprop86.core.trainer.train` with the backend given by name: ``numpy``
    (the reference core, the default) or ``numba`` (the compiled kernel, equal to it to
    rounding, several times faster); ``options`` as there."""
    return trainer.train(spec, patterns, config, seeds, task=task,
                         backend=backends.get(backend), **options)


def run(task: str, variant: str | None, seeds: Iterable[int],
        overrides: Mapping[str, Any] | None = None, *, label: str | None = None,
        snapshot_sweeps: Iterable[int] = (),
        progress: Callable[[int, int], None] | None = None,
        backend: str = "numpy") -> tuple[pd.DataFrame, EnsembleRecords]:
    """Train ``seeds`` of a task variant and score every network.

    Parameters
    ----------
    task, variant : names from :data:`backprop86.tasks.TASKS` (variant None: the default).
    seeds : the networks to train, one per seed.
    overrides : settings that differ from the variant's paper defaults.
    label : the name this run goes by in the ``variant`` column (for example a named
        ablation such as ``mean-loss``); defaults to the variant's name.
    backend : ``numpy`` (the reference core) or ``numba`` (the compiled kernel, equal to
        rounding); see :func:`train`.

    Returns
    -------
    table : one row per seed: task, variant, base_variant, seed, stop, sweeps, converged,
        final_error, sweeps_to_<criterion> for every monitored criterion, then the task's
        structure scores.
    records : the core's arrays for the same networks.
    """
    ready = setup(task, variant, overrides, snapshot_sweeps=snapshot_sweeps)
    return train_setup(ready, seeds, label=label or ready.variant.name, progress=progress,
                       backend=backend)


def run_chunk(run: Run, chunk: str | int, *, backend: str,
              progress: Callable[[int, int], None] | None = None
              ) -> tuple[pd.DataFrame, EnsembleRecords]:
    """Train one chunk of a planned run (:class:`backprop86.plan.plan.Run`), from its
    resolved settings."""
    ready = setup(run.task, run.variant, run.settings, where=f"runs.{run.name}.settings")
    return train_setup(ready, run.chunk_seeds(chunk), label=run.label, progress=progress,
                       backend=backend)


def train_setup(ready: Setup, seeds: Iterable[int], *, label: str,
                progress: Callable[[int, int], None] | None = None,
                backend: str = "numpy") -> tuple[pd.DataFrame, EnsembleRecords]:
    """Train ``seeds`` of a :class:`~backprop86.plan.setup.Setup` and score every network
    (see :func:`run`)."""
    seeds = np.asarray(list(seeds), dtype=np.int64)
    records = train(ready.spec, ready.presented, ready.config, seeds, task=ready.task.name,
                    case_mask=ready.case_mask(seeds), progress=progress, backend=backend)
    records.meta["settings"] = plain(ready.settings)
    records.meta["task"], records.meta["variant"] = ready.task.name, label
    scores = score(ready, records)
    table = records.table()
    table.insert(0, "task", ready.task.name)
    table.insert(1, "variant", label)
    table.insert(2, "base_variant", ready.variant.name)
    return pd.concat([table, scores], axis=1), records


def score(ready: Setup, records: EnsembleRecords) -> pd.DataFrame:
    """The variant's structure scores, one row per network, each network scored alone:
    a score's arithmetic on a batch of networks may depend on the batch (numpy sums a
    non-contiguous axis in another order), and a seed's numbers must not."""
    rows = [ready.variant.score(ready.settings, ready.spec, ready.presented,
                                records.network(i)) for i in range(len(records))]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def plain(value):
    """A value as plain data (lists, dicts, Python numbers), as JSON holds it."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
