"""What training returns and writes: per-network scalars, error traces, weights, activities.

Files (see docs/records.md for every column and array name):

* ``<name>.csv`` : one row per network, scalars only (:meth:`EnsembleRecords.table`).
* ``<name>.npz`` : the arrays (:meth:`EnsembleRecords.save_arrays`), read back whole by
  :meth:`EnsembleRecords.load_arrays` or a part at a time by :class:`RecordFile`. This
  module is the only reader and writer of the ``.npz`` files.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from ..errors import ConfigError
from .config import TrainConfig
from .network import NetworkSpec

CENSORED = -1  # the first-sweep value of a criterion a network never met


@dataclass
class EnsembleRecords:
    """Results of training K networks.

    Attributes
    ----------
    seeds : (K,) int
    criteria : names of the monitored criteria, in the order of ``first_sweep``.
    first_sweep : list of (K,) int, the first sweep at which each criterion held;
        ``CENSORED`` (-1) if it never did before the network stopped.
    stop : name of the stopping criterion (``budget`` for a fixed number of sweeps).
    sweeps : (K,) int, weight changes made (sweeps in batch mode) when the network stopped.
    converged : (K,) bool, whether it met ``stop`` (always False for ``budget``).
    final_error : (K,) the error E at the end.
    error_values, error_offsets : the error after every sweep, ragged: network i's errors
        at sweeps 0..sweeps[i] are ``error_values[error_offsets[i]:error_offsets[i+1]]``.
    initial, final : parameter name to (K, ...) weights at the start and the end.
    activity : non-input group name to (K, P, n_units) activities at the end.
    all_activity : (K, P, U) every non-input unit's activities at the end, the groups in
        the network's order: ``activity``'s arrays are views of its columns. None for
        records read from a file.
    snapshots : sweep to {parameter name: (K, ...)}; a network that stopped earlier
        contributes its final weights.
    meta : the network spec and training config, as plain data.
    """

    seeds: np.ndarray
    criteria: tuple[str, ...]
    first_sweep: list[np.ndarray]
    stop: str
    sweeps: np.ndarray
    converged: np.ndarray
    final_error: np.ndarray
    initial: dict[str, np.ndarray]
    final: dict[str, np.ndarray]
    activity: dict[str, np.ndarray]
    snapshots: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    error_values: np.ndarray | None = None
    error_offsets: np.ndarray | None = None
    all_activity: np.ndarray | None = field(default=None, repr=False)
    _segments: list = field(default_factory=list, repr=False)
    _first_row: int = field(default=0, repr=False)  # of a block's rows in the whole run's

    # ---- built by the trainer -------------------------------------------------------------
    @classmethod
    def empty(cls, spec: NetworkSpec, seeds: np.ndarray, config: TrainConfig, n_cases: int,
              initial: dict[str, np.ndarray]) -> "EnsembleRecords":
        """Records of K networks to come: every value NaN or ``CENSORED`` (the activities
        unwritten), a snapshot of NaN weights at every snapshot sweep within the budget.
        Blocks of networks fill their :meth:`block`; :meth:`close` then gathers their error
        traces."""
        k = len(seeds)
        columns = np.cumsum([0] + [spec.groups[g] for g in spec.order])
        # Not written here: a network's rows are written when it stops, as every network
        # does by the budget; the first touch of these pages is most of their cost.
        every = np.empty((k, n_cases, columns[-1]))
        return cls(
            seeds=seeds,
            criteria=tuple(config.monitor),
            first_sweep=[np.full(k, CENSORED, dtype=np.int64) for _ in config.monitor],
            stop=config.stop,
            sweeps=np.full(k, CENSORED, dtype=np.int64),
            converged=np.zeros(k, dtype=bool),
            final_error=np.full(k, np.nan),
            initial={n: a.copy() for n, a in initial.items()},
            final={n: np.full_like(a, np.nan) for n, a in initial.items()},
            activity={g: every[:, :, columns[i]:columns[i + 1]]
                      for i, g in enumerate(spec.order)},
            all_activity=every,
            snapshots={s: {n: np.full_like(a, np.nan) for n, a in initial.items()}
                       for s in config.snapshots()},
            meta={"network": spec.to_dict(), "config": config.to_dict()},
        )

    def block(self, start: int, stop: int) -> "EnsembleRecords":
        """The records of networks ``start .. stop - 1``, sharing this one's arrays (a
        block writes its networks' results in place; no copy, no concatenation). Its
        error traces are its own until :meth:`close`."""
        def view(d):
            return {n: a[start:stop] for n, a in d.items()}

        return EnsembleRecords(
            seeds=self.seeds[start:stop], criteria=self.criteria,
            first_sweep=[f[start:stop] for f in self.first_sweep], stop=self.stop,
            sweeps=self.sweeps[start:stop], converged=self.converged[start:stop],
            final_error=self.final_error[start:stop], initial=view(self.initial),
            final=view(self.final), activity=view(self.activity),
            snapshots={s: view(snap) for s, snap in self.snapshots.items()}, meta=self.meta,
            all_activity=None if self.all_activity is None else self.all_activity[start:stop],
            _first_row=start)

    def network(self, i: int) -> "EnsembleRecords":
        """Network ``i`` alone, as the records of one network (views of these arrays, its
        error curve included), so that what is computed from it cannot depend on the
        networks beside it."""
        one = self.block(i, i + 1)
        curve = self.error_curve(i)
        one.error_values, one.error_offsets = curve, np.array([0, len(curve)])
        return one

    def store_snapshot(self, sweep: int, live: np.ndarray, params: dict[str, np.ndarray]):
        for n, a in params.items():
            self.snapshots[sweep][n][live] = a

    def store_trace(self, live: np.ndarray, start: int, trace: np.ndarray):
        """Errors of networks ``live`` at sweeps start, start + 1, ...: ``trace`` (n, S), a
        row per network. Entries past a network's final sweep are ignored, so networks may
        stop inside a segment. Consecutive segments of the same ``live`` array (the
        reference core's, one sweep each) are kept as one."""
        if self._segments:
            last = self._segments[-1]
            if last[0] is live and last[1] + last[3] == start:
                last[2].append(trace)
                last[3] += trace.shape[1]
                return
        self._segments.append([live, start, [trace], trace.shape[1]])

    def finish(self, idx: np.ndarray, sweep: int, error: np.ndarray,
               params: dict[str, np.ndarray], activity: dict[str, np.ndarray], done: np.ndarray):
        self.sweeps[idx] = sweep
        self.final_error[idx] = error
        if self.stop != "budget":
            self.converged[idx] = self.first_sweep[self.criteria.index(self.stop)][idx] >= 0
        every = done.all()  # often so: no copy of the (large) activities then
        for n, a in params.items():
            self.final[n][idx] = a if every else a[done]
        for g in self.activity if activity is not None else ():  # None: written already
            rows = activity[g] if every else activity[g][done]
            self.activity[g][idx] = rows.transpose(0, 2, 1)

    def close(self, blocks: list["EnsembleRecords"]) -> None:
        """Once every :meth:`block` has finished: networks that stopped before a
        snapshot sweep keep their final weights there, and the blocks' error traces become
        the ragged ``error_values``."""
        for sweep, snap in self.snapshots.items():
            stopped = self.sweeps < sweep
            for n in snap:
                snap[n][stopped] = self.final[n][stopped]
        lengths = self.sweeps + 1
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        values = np.full(offsets[-1], np.nan)
        for block in blocks:
            for live, start, traces, width in block._segments:
                rows = live + block._first_row
                trace = traces[0] if len(traces) == 1 else np.concatenate(traces, axis=1)
                steps = np.arange(width)
                written = steps[None, :] < np.minimum(self.sweeps[rows] + 1 - start,
                                                      width)[:, None]
                values[(offsets[rows][:, None] + start + steps[None, :])[written]] = \
                    trace[written]
            block._segments = []
        self.error_values, self.error_offsets = values, offsets

    # ---- for users ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.seeds)

    def error_curve(self, i: int) -> np.ndarray:
        """Error after sweeps 0..sweeps[i] of network i (sweep 0: the initial weights)."""
        return self.error_values[self.error_offsets[i]:self.error_offsets[i + 1]]

    def sweeps_to(self, criterion: str) -> np.ndarray:
        """(K,) first sweep at which ``criterion`` held, ``CENSORED`` (-1) if never."""
        return self.first_sweep[self.criteria.index(criterion)]

    def table(self) -> pd.DataFrame:
        """One row per network: seed, stop, sweeps, converged, final_error and
        ``sweeps_to_<criterion>`` for every monitored criterion (empty when censored)."""
        columns = {
            "seed": self.seeds,
            "stop": self.stop,
            "sweeps": self.sweeps,
            "converged": self.converged,
            "final_error": self.final_error,
        }
        for name, first in zip(self.criteria, self.first_sweep):
            columns[f"sweeps_to_{name}"] = pd.array(
                np.where(first >= 0, first, 0), dtype="Int64").copy()
            columns[f"sweeps_to_{name}"][first < 0] = pd.NA
        return pd.DataFrame(columns)

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array under its documented name (the keys of the ``.npz`` file)."""
        out = {
            "seeds": self.seeds,
            "sweeps": self.sweeps,
            "converged": self.converged,
            "final_error": self.final_error,
            "error_values": self.error_values,
            "error_offsets": self.error_offsets,
            "meta": np.array(json.dumps({**self.meta, "criteria": list(self.criteria),
                                         "stop": self.stop})),
        }
        for name, first in zip(self.criteria, self.first_sweep):
            out[f"first_sweep/{name}"] = first
        for n, a in self.initial.items():
            out[f"initial/{n}"] = a
        for n, a in self.final.items():
            out[f"final/{n}"] = a
        for g, a in self.activity.items():
            out[f"activity/{g}"] = a
        for sweep, snap in sorted(self.snapshots.items()):
            for n, a in snap.items():
                out[f"snapshot/{sweep}/{n}"] = a
        return out

    def save_arrays(self, path: str | Path) -> None:
        """Write :meth:`arrays` to an ``.npz`` file, atomically.

        Stored, not compressed: the records (mostly float64 weights, activities and error
        curves) shrink by only a third under zlib, and decompressing them was most of the
        time the figure data took to read.
        """
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, **self.arrays())

    @classmethod
    def load_arrays(cls, path: str | Path) -> "EnsembleRecords":
        """Read a file written by :meth:`save_arrays`, every array."""
        return RecordFile.open(path).records()


# What reading a damaged records file raises.
UNREADABLE = (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile)


def _unreadable(path, exc: Exception) -> ConfigError:
    return ConfigError(str(path), f"not a complete records file ({type(exc).__name__})",
                       "a records.npz written by backprop86 (snakemake trains a bad chunk "
                       "again)")


@dataclass
class RecordFile:
    """A file written by :meth:`EnsembleRecords.save_arrays`, read a part at a time: its
    seeds and metadata when opened, the arrays asked for when asked.

    Attributes
    ----------
    path : the file.
    seeds : (K,) its networks' seeds.
    meta : its metadata: the network, the training config, the settings, task and
        variant (the run's label), the monitored criteria, stop and backend.
    """

    path: Path
    seeds: np.ndarray
    meta: dict

    @classmethod
    def open(cls, path: str | Path) -> "RecordFile":
        """Its seeds and metadata; a file that is not one is refused naming it."""
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                seeds = z["seeds"]
        except UNREADABLE as exc:
            raise _unreadable(path, exc) from None
        return cls(Path(path), seeds, meta)

    @property
    def task(self) -> str | None:
        """The task of the run (None for records trained outside a run)."""
        return self.meta.get("task")

    @property
    def variant(self) -> str | None:
        """The run's label (None for records trained outside a run)."""
        return self.meta.get("variant")

    def arrays(self, keys: Iterable[str] | None = None,
               kinds: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
        """The arrays named in ``keys`` (default: all), or only those of the given
        ``kinds`` (``initial``, ``final``, ... : the part of the name before its first /)."""
        try:
            with np.load(self.path, allow_pickle=False) as z:
                names = keys if keys is not None else z.files
                return {k: z[k] for k in names
                        if k != "meta" and (kinds is None or k.split("/")[0] in kinds)}
        except UNREADABLE as exc:
            raise _unreadable(self.path, exc) from None

    def network(self, seed: int) -> dict[str, np.ndarray]:
        """Every array of one network: ``initial/*``, ``final/*``, ``activity/*`` keep a
        leading axis of length 1; ``error`` is its error curve."""
        i = int(np.flatnonzero(self.seeds == seed)[0])
        data = self.arrays(kinds=("initial", "final", "activity", "error_values",
                                  "error_offsets"))
        offsets = data.pop("error_offsets")
        error = data.pop("error_values")[offsets[i]:offsets[i + 1]]
        return {**{k: v[i:i + 1] for k, v in data.items()}, "error": error}

    def records(self) -> EnsembleRecords:
        """Every array, as the records they were written from."""
        data = self.arrays()
        meta = dict(self.meta)
        criteria = tuple(meta.pop("criteria"))
        stop = meta.pop("stop")

        def group(prefix):
            return {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix)}

        snapshots: dict[int, dict[str, np.ndarray]] = {}
        for key, v in group("snapshot/").items():
            sweep, name = key.split("/", 1)
            snapshots.setdefault(int(sweep), {})[name] = v
        first = group("first_sweep/")
        return EnsembleRecords(
            seeds=data["seeds"], criteria=criteria, first_sweep=[first[c] for c in criteria],
            stop=stop, sweeps=data["sweeps"], converged=data["converged"],
            final_error=data["final_error"], initial=group("initial/"), final=group("final/"),
            activity=group("activity/"), snapshots=snapshots, meta=meta,
            error_values=data["error_values"], error_offsets=data["error_offsets"])
