"""The registry of tasks. A task is one small module exposing ``TASK``; add it to
``_MODULES`` to make it known to the command line and the pipeline."""

from __future__ import annotations

from importlib import import_module

from ..errors import ConfigError
from .base import COMMON_SETTINGS, Setting, Task, Variant

_MODULES = ("xor", "parity", "encoder", "symmetry", "family_trees")


def _load() -> dict[str, Task]:
    tasks = {}
    for name in _MODULES:
        try:
            module = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue  # a task not written yet
            raise
        tasks[module.TASK.name] = module.TASK
    return tasks


TASKS: dict[str, Task] = _load()


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


__all__ = ["COMMON_SETTINGS", "Setting", "TASKS", "Task", "Variant", "get_task", "get_variant"]
