"""The registry of tasks. A task is one small module (or package) exposing ``TASK``; add it
to :data:`TASKS` to make it known to the command line and the pipeline."""

from __future__ import annotations

from ..errors import ConfigError
from . import (
    addition,
    encoder,
    family_trees,
    intermediate,
    negation,
    parity,
    symmetry,
    t_c,
    xor,
    xor_and,
)
from .base import COMMON_SETTINGS, PrintedNet, Setting, Task, Variant

TASKS: dict[str, Task] = {module.TASK.name: module.TASK
                          for module in (xor, xor_and, parity, encoder, intermediate,
                                         symmetry, addition, negation, t_c,
                                         family_trees)}
# Every printed net of every task, by its name in the claims ledger.
PRINTED_NETS: dict[str, PrintedNet] = {net.name: net for task in TASKS.values()
                                       for net in task.printed_nets}


def get_task(name: str) -> Task:
    if name not in TASKS:
        raise ConfigError("task", f"unknown {name!r}", ", ".join(TASKS))
    return TASKS[name]


def get_variant(task: str, variant: str | None = None) -> tuple[Task, Variant]:
    t = get_task(task)
    v = variant or t.default_variant
    if v not in t.variants:
        raise ConfigError("variant", f"unknown {v!r} for task {task!r}", ", ".join(t.variants))
    return t, t.variants[v]


__all__ = ["COMMON_SETTINGS", "PRINTED_NETS", "PrintedNet", "Setting", "TASKS", "Task",
           "Variant", "get_task", "get_variant"]
