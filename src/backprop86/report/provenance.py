"""Where a report comes from: package and dependency versions, the git commit, the
config, and how long each task's training took (the timings table)."""

from __future__ import annotations

import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
import yaml

PACKAGE = "backprop86"


def versions() -> dict[str, str]:
    """Python, the package and every dependency it declares, as installed."""
    out = {"python": platform.python_version(), PACKAGE: metadata.version(PACKAGE)}
    for requirement in metadata.requires(PACKAGE) or []:
        if "extra ==" in requirement:
            continue  # test and benchmark extras are not used to make the report
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(where: str | Path = ".") -> str:
    """The commit checked out in ``where``, marked when tracked files have changed; or
    why there is none. Read-only git commands only."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=where, capture_output=True, text=True,
                              timeout=30)
    try:
        head = git("rev-parse", "HEAD")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown (git not available)"
    if head.returncode != 0:
        return "unknown (not a git checkout, or no commit yet)"
    commit = head.stdout.strip()
    status = git("status", "--porcelain", "--untracked-files=no")
    if status.returncode == 0 and status.stdout.strip():
        commit += " (with uncommitted changes to tracked files)"
    return commit


def config_text(config: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(config), sort_keys=False, default_flow_style=None, width=88)


def task_times(timings: pd.DataFrame) -> pd.DataFrame:
    """Per task: training jobs, networks, wall-clock and CPU seconds (summed over jobs)."""
    return (timings.groupby("task", sort=False)
            .agg(jobs=("chunk", "size"), seeds=("seeds", "sum"), wall_s=("wall_s", "sum"),
                 cpu_s=("cpu_s", "sum"))
            .reset_index())


def run_times(timings: pd.DataFrame) -> pd.DataFrame:
    """Per run: networks and summed wall-clock and CPU seconds."""
    return (timings.groupby(["task", "variant"], sort=False)
            .agg(seeds=("seeds", "sum"), wall_s=("wall_s", "sum"), cpu_s=("cpu_s", "sum"))
            .reset_index())
