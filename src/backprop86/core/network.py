"""Network architecture: named unit groups joined by full projections in a feed-forward graph.

A network is described by plain data (a :class:`NetworkSpec`), never by code, so that tasks,
configs and tests can all build one. The spec knows nothing of patterns or learning.

Conventions used everywhere in the package
------------------------------------------
* A weight array for a projection ``source -> target`` has shape ``(n_target, n_source)``:
  rows are receiving units, as in the papers' Hinton diagrams.
* Biases are weights from an always-on unit (Nature p. 533, "an extra input to each unit
  which always has a value of 1"); a group's bias array has shape ``(n_group,)``.
* Stacked over an ensemble of K networks, every array gains a leading axis of length K.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from typing import Any, Iterable, Mapping

from ..errors import ConfigError
from .activations import ACTIVATIONS


@dataclass(frozen=True)
class Projection:
    """Full connection from every unit of ``source`` to every unit of ``target``.

    ``weights`` names the weight array the projection uses. Projections that name the same
    array share (tie) it, and its gradient is the sum over its uses. By default each
    projection has its own array, named ``"target<-source"``.
    """

    source: str
    target: str
    weights: str = ""

    def __post_init__(self):
        if not self.weights:
            object.__setattr__(self, "weights", f"{self.target}<-{self.source}")


def bias_name(group: str) -> str:
    return f"{group}.bias"


@dataclass(frozen=True)
class NetworkSpec:
    """A feed-forward network of named unit groups.

    Parameters
    ----------
    groups : mapping of group name to number of units, in any order.
    inputs : names of the input groups (their activities are the patterns).
    output : name of the single output group (the one the error is measured on).
    projections : the full projections between groups.
    bias_groups : groups whose units have a bias; by default every non-input group.
    activation : unit type of every non-input group; ``"logistic"`` (Nature eq. 2) by default.
    """

    groups: Mapping[str, int]
    inputs: tuple[str, ...]
    output: str
    projections: tuple[Projection, ...]
    bias_groups: tuple[str, ...] | None = None
    activation: str = "logistic"
    # Derived by validation; not part of the user's description.
    order: tuple[str, ...] = field(init=False, repr=False)
    _links: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "groups", dict(self.groups))
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(
            self,
            "projections",
            tuple(p if isinstance(p, Projection) else Projection(*p) for p in self.projections),
        )
        if self.bias_groups is None:
            object.__setattr__(
                self, "bias_groups", tuple(g for g in self.groups if g not in self.inputs)
            )
        else:
            object.__setattr__(self, "bias_groups", tuple(self.bias_groups))
        object.__setattr__(self, "order", _validate(self))
        # Looked up on every pass of every sweep: computed once.
        incoming, outgoing = {}, {}
        for p in self.projections:
            incoming[p.target] = (*incoming.get(p.target, ()), p)
            outgoing[p.source] = (*outgoing.get(p.source, ()), p)
        object.__setattr__(self, "_links", (incoming, outgoing))

    # ---- derived views -------------------------------------------------------------------
    @property
    def hidden(self) -> tuple[str, ...]:
        return tuple(g for g in self.order if g != self.output)

    def incoming(self, group: str) -> tuple[Projection, ...]:
        return self._links[0].get(group, ())

    def outgoing(self, group: str) -> tuple[Projection, ...]:
        return self._links[1].get(group, ())

    def parameter_shapes(self) -> dict[str, tuple[int, ...]]:
        """Every learned array, in a fixed order: weights by first use, then biases.

        The order is part of the reproducibility contract: initial weights are drawn in it.
        """
        shapes: dict[str, tuple[int, ...]] = {}
        for p in self.projections:
            shapes.setdefault(p.weights, (self.groups[p.target], self.groups[p.source]))
        for g in self.order:
            if g in self.bias_groups:
                shapes[bias_name(g)] = (self.groups[g],)
        return shapes

    def n_parameters(self) -> int:
        total = 0
        for shape in self.parameter_shapes().values():
            n = 1
            for s in shape:
                n *= s
            total += n
        return total

    def describe(self) -> str:
        """A short human-readable architecture string, e.g. ``in(2) -> hidden(2) -> out(1)``."""
        parts = [f"{p.source}({self.groups[p.source]})->{p.target}({self.groups[p.target]})"
                 for p in self.projections]
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "groups": dict(self.groups),
            "inputs": list(self.inputs),
            "output": self.output,
            "projections": [[p.source, p.target, p.weights] for p in self.projections],
            "bias_groups": list(self.bias_groups),
            "activation": self.activation,
        }

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any]) -> "NetworkSpec":
        """Build a network from plain data (as loaded from YAML or JSON).

        Example
        -------
        >>> NetworkSpec.from_dict({"groups": {"in": 2, "hid": 2, "out": 1},
        ...     "inputs": ["in"], "output": "out",
        ...     "projections": [["in", "hid"], ["hid", "out"]]}).order
        ('hid', 'out')
        """
        allowed = {"groups", "inputs", "output", "projections", "bias_groups", "activation"}
        unknown = set(spec) - allowed
        if unknown:
            raise ConfigError(f"network.{sorted(unknown)[0]}", "unknown key",
                              ", ".join(sorted(allowed)))
        for key in ("groups", "inputs", "output", "projections"):
            if key not in spec:
                raise ConfigError(f"network.{key}", "missing")
        projections = []
        for i, p in enumerate(spec["projections"]):
            if isinstance(p, Mapping):
                projections.append(Projection(p["source"], p["target"], p.get("weights", "")))
            elif isinstance(p, (list, tuple)) and len(p) in (2, 3):
                projections.append(Projection(*p))
            else:
                raise ConfigError(f"network.projections[{i}]", f"cannot read {p!r}",
                                  "[source, target] or [source, target, weights]")
        return cls(groups=spec["groups"], inputs=tuple(spec["inputs"]), output=spec["output"],
                   projections=tuple(projections), bias_groups=spec.get("bias_groups"),
                   activation=spec.get("activation", "logistic"))


def layered(sizes: Iterable[int], names: Iterable[str] | None = None) -> NetworkSpec:
    """A plain layered net, each layer fully connected to the next (e.g. XOR 2-2-1).

    Layers are named ``input``, ``hidden1``, ``hidden2``, ..., ``output`` unless ``names``
    is given.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ConfigError("network.sizes", f"{sizes} has fewer than two layers",
                          "at least an input and an output layer")
    if names is None:
        hidden = [f"hidden{i}" if len(sizes) > 3 else "hidden" for i in range(1, len(sizes) - 1)]
        names = ["input", *hidden, "output"]
    names = list(names)
    return NetworkSpec(
        groups=dict(zip(names, sizes)),
        inputs=(names[0],),
        output=names[-1],
        projections=tuple(Projection(a, b) for a, b in zip(names, names[1:])),
    )


def _validate(spec: NetworkSpec) -> tuple[str, ...]:
    """Check the spec and return the non-input groups in a topological order."""
    if not spec.groups:
        raise ConfigError("network.groups", "no groups", "a mapping of group name to size")
    for name, size in spec.groups.items():
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ConfigError(f"network.groups.{name}", f"size {size!r}", "a whole number >= 1")
    if not spec.inputs:
        raise ConfigError("network.inputs", "no input group", "one or more group names")
    for g in spec.inputs:
        if g not in spec.groups:
            raise ConfigError("network.inputs", f"unknown group {g!r}", ", ".join(spec.groups))
    if spec.output not in spec.groups:
        raise ConfigError("network.output", f"unknown group {spec.output!r}",
                          ", ".join(spec.groups))
    if spec.output in spec.inputs:
        raise ConfigError("network.output", f"{spec.output!r} is an input group",
                          "a non-input group")
    if spec.activation not in ACTIVATIONS:
        raise ConfigError("network.activation", f"unknown {spec.activation!r}",
                          ", ".join(ACTIVATIONS))
    for g in spec.bias_groups:
        if g not in spec.groups or g in spec.inputs:
            raise ConfigError("network.bias_groups", f"{g!r} is not a non-input group",
                              ", ".join(x for x in spec.groups if x not in spec.inputs))

    seen_pairs = set()
    weight_shapes: dict[str, tuple[int, int]] = {}
    for p in spec.projections:
        for end in (p.source, p.target):
            if end not in spec.groups:
                raise ConfigError("network.projections", f"unknown group {end!r}",
                                  ", ".join(spec.groups))
        if p.target in spec.inputs:
            raise ConfigError("network.projections",
                              f"{p.source}->{p.target} projects into input group {p.target!r}",
                              "targets that are hidden or output groups")
        if p.source == spec.output:
            raise ConfigError("network.projections",
                              f"{p.source}->{p.target} leaves the output group",
                              "the output group feeds nothing")
        if (p.source, p.target) in seen_pairs:
            raise ConfigError("network.projections", f"{p.source}->{p.target} appears twice",
                              "one projection per pair of groups")
        seen_pairs.add((p.source, p.target))
        shape = (spec.groups[p.target], spec.groups[p.source])
        if weight_shapes.setdefault(p.weights, shape) != shape:
            raise ConfigError(
                "network.projections",
                f"tied weights {p.weights!r} used with shapes {weight_shapes[p.weights]} "
                f"and {shape}",
                "tied projections whose source and target sizes match",
            )

    graph = {g: set() for g in spec.groups}
    for p in spec.projections:
        graph[p.target].add(p.source)
    try:
        order = tuple(g for g in TopologicalSorter(graph).static_order()
                      if g not in spec.inputs)
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise ConfigError("network.projections", f"cycle {cycle}",
                          "a feed-forward graph (no cycles)") from None

    for g in order:
        if not any(p.target == g for p in spec.projections):
            raise ConfigError(f"network.groups.{g}", "receives no projection",
                              "every hidden and output group fed by some group")
    # Every group must lie on a path to the output; otherwise it can never learn.
    reaches = {spec.output}
    changed = True
    while changed:
        changed = False
        for p in spec.projections:
            if p.target in reaches and p.source not in reaches:
                reaches.add(p.source)
                changed = True
    for g in spec.groups:
        if g not in reaches:
            raise ConfigError(f"network.groups.{g}", "does not feed the output",
                              "groups on some path to the output group")
    return order
