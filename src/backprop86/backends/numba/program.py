"""A :class:`~backprop86.core.network.NetworkSpec` flattened into the index arrays the
kernel walks, and the groups it computes once per distinct input pattern."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.network import NetworkSpec, bias_name
from . import codegen


@dataclass(frozen=True)
class Program:
    """A :class:`NetworkSpec` flattened into index arrays for the kernel.

    Units of every group share one activity array ``(U, P)``: group g occupies rows
    ``offset[g] : offset[g] + size[g]``, input groups first. Parameters of one network are
    one vector: each weight array row-major (target unit, source unit), then the biases, in
    :meth:`NetworkSpec.parameter_shapes` order.

    Attributes
    ----------
    offset, size : (G,) rows of each group.
    compute : (C,) indices of the non-input groups in forward order; the last is the output.
    incoming : (C + 1,) projections into ``compute[c]`` are ``incoming[c] : incoming[c+1]``
        of ``source``, ``weight``.
    source, weight : (Q,) source group and weight-vector offset of each projection.
    outgoing : (C + 1,) projections out of ``compute[c]`` are ``outgoing[c] : outgoing[c+1]``
        of ``out_target``, ``out_weight``.
    out_target, out_weight : (R,) target group and weight-vector offset.
    bias : (G,) offset of the group's biases in the vector, -1 for none.
    slices : parameter name to (start, stop, shape) in the vector.
    tanh : whether units are tanh (an ablation) instead of logistic.
    """

    offset: np.ndarray
    size: np.ndarray
    compute: np.ndarray
    incoming: np.ndarray
    source: np.ndarray
    weight: np.ndarray
    outgoing: np.ndarray
    out_target: np.ndarray
    out_weight: np.ndarray
    bias: np.ndarray
    slices: dict
    tanh: bool
    n_units: int
    n_params: int

    @classmethod
    def of(cls, spec: NetworkSpec) -> "Program":
        names = list(spec.inputs) + list(spec.order)
        index = {g: i for i, g in enumerate(names)}
        size = np.array([spec.groups[g] for g in names], dtype=np.int64)
        offset = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        slices, start = {}, 0
        for name, shape in spec.parameter_shapes().items():
            stop = start + int(np.prod(shape))
            slices[name] = (start, stop, shape)
            start = stop
        incoming, source, weight = [0], [], []
        outgoing, out_target, out_weight = [0], [], []
        for g in spec.order:
            for p in spec.incoming(g):
                source.append(index[p.source])
                weight.append(slices[p.weights][0])
            incoming.append(len(source))
            for p in spec.outgoing(g):
                out_target.append(index[p.target])
                out_weight.append(slices[p.weights][0])
            outgoing.append(len(out_target))
        bias = np.full(len(names), -1, dtype=np.int64)
        for g in spec.bias_groups:
            bias[index[g]] = slices[bias_name(g)][0]

        def ints(values):
            return np.asarray(values, dtype=np.int64)

        return cls(offset=offset, size=size,
                   compute=ints([index[g] for g in spec.order]), incoming=ints(incoming),
                   source=ints(source), weight=ints(weight), outgoing=ints(outgoing),
                   out_target=ints(out_target), out_weight=ints(out_weight), bias=bias,
                   slices=slices, tanh=spec.activation == "tanh",
                   n_units=int(size.sum()), n_params=start)

    @property
    def net(self) -> tuple:
        """The index arrays, in the order the kernel's passes unpack them."""
        return (self.offset, self.size, self.compute, self.incoming, self.source,
                self.weight, self.outgoing, self.out_target, self.out_weight, self.bias)

    def flatten(self, params: dict[str, np.ndarray]) -> np.ndarray:
        """``{name: (K, ...)}`` to one C-contiguous ``(K, n_params)`` array."""
        k = next(iter(params.values())).shape[0]
        flat = np.empty((k, self.n_params))
        for name, (start, stop, _) in self.slices.items():
            flat[:, start:stop] = params[name].reshape(k, -1)
        return flat

    def unflatten(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """The inverse of :meth:`flatten`."""
        return {name: flat[:, start:stop].reshape((flat.shape[0], *shape)).copy()
                for name, (start, stop, shape) in self.slices.items()}


def distinct_inputs(program: Program, template: np.ndarray, n_cases: int):
    """Which groups the kernel computes once per distinct input pattern, and their work
    rows: a group fed by input groups alone (the first layer) whose sources take at most
    half as many distinct patterns as there are cases (family trees: the 24 people and
    12 relations of 104 cases). Logistic units only: a tanh's sign of an exact 0, which a
    sum over the distinct pattern may give where the full one gave the other, would show.

    Parameters
    ----------
    template : (U, P) the activities with the input rows filled.

    Returns
    -------
    distinct : int64. ``distinct[c]`` for each computed group c (``program.compute``) is
        -1, or where its record starts: the number n of distinct patterns, the start of
        its rows in ``compact`` (size[g] rows of n), the start of its case map in
        ``distinct`` (case p is distinct pattern ``distinct[map + p]``), then, for each
        projection into the group in order, the start of its source's rows in
        ``compact``.
    compact : float64, the source rows (their distinct patterns, never written) and the
        groups' rows.
    """
    n_compute = len(program.compute)
    distinct, compact = [-1] * n_compute, []
    if program.tanh or codegen.is_small(program, n_cases):  # written-out passes: not read
        return np.array(distinct, dtype=np.int64), np.zeros(0)
    inputs = set(range(len(program.offset))) - set(program.compute.tolist())
    for c, g in enumerate(program.compute):
        projections = range(program.incoming[c], program.incoming[c + 1])
        sources = [int(program.source[q]) for q in projections]
        if not set(sources) <= inputs:
            continue
        rows = [template[program.offset[s]:program.offset[s] + program.size[s]]
                for s in sources]
        _, first, case_map = np.unique(np.concatenate(rows).T, axis=0, return_index=True,
                                       return_inverse=True)
        if 2 * len(first) > n_cases:
            continue
        starts = []
        for block in rows:
            starts.append(len(compact))
            compact.extend(block[:, first].reshape(-1))
        out = len(compact)
        compact.extend([0.0] * (int(program.size[g]) * len(first)))
        distinct[c] = len(distinct)
        head = [len(first), out, len(distinct) + 3 + len(starts), *starts]
        distinct += head + case_map.reshape(-1).tolist()
    return np.array(distinct, dtype=np.int64), np.array(compact, dtype=np.float64)
