"""Parameter grids: expansion into runs, their labels and errors, the search for the
smallest change, and the facility end to end on config/test.yaml (two settings, two
seeds) through `snakemake grids`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from backprop86 import ConfigError
from backprop86.plan.grids import GridPoint
from backprop86.plan.plan import make_grids, make_plan
from backprop86.plan.schema import load_schema
from backprop86.report.assess import Entry
from backprop86.report.reproduce import Outcome, distance, search
from backprop86.report.rules import NOT_REPRODUCED, PARTLY, REPRODUCED, Verdict
from backprop86.report.values import Value
from backprop86.run.experiment import run
from backprop86.tables.grids import read_grid_runs

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCHEMA = load_schema()


def config_with(grids, **extra):
    with open(ROOT / "config/test.yaml") as fh:
        config = yaml.safe_load(fh)
    return {**config, "grids": grids, **extra}


def plan(grids, **extra):
    return make_plan(config_with(grids, **extra), SCHEMA)


# ---- expansion -----------------------------------------------------------------------------

def test_one_at_a_time_moves_one_setting_from_the_base():
    p = plan({"g": {"task": "xor", "variant": "2-2-1", "seeds": 2, "base": {"budget": 300},
                    "axes": {"eps": [0.25, 0.5, 1.0], "init_range": [1.0]}}})
    g = p.grid("g")
    # eps 0.5 is the base value: not a point of its own.
    assert [p.moved for p in g.points] == [(), ("eps",), ("eps",), ("init_range",)]
    assert [p.values for p in g.points] == [
        {"eps": 0.5, "init_range": 0.3}, {"eps": 0.25, "init_range": 0.3},
        {"eps": 1.0, "init_range": 0.3}, {"eps": 0.5, "init_range": 1.0}]
    assert [p.run.settings["budget"] for p in g.points] == [300] * 4
    assert all(p.run.seeds == (0, 1) and p.run.label.startswith("grid-") for p in g.points)
    assert len({p.run.label for p in g.points}) == 4
    # Grid points are not the config's runs: the default target does not train them.
    assert not {r.label for r in p.runs} & {pt.run.label for pt in g.points}
    assert p.run("xor", g.points[1].run.label).settings["eps"] == 0.25


def test_product_combines_and_shares_points_between_grids():
    grids = {"one": {"task": "family_trees", "seeds": 2, "axes": {"weight_decay": [0.0]}},
             "two": {"task": "family_trees", "seeds": 2, "mode": "product",
                     "axes": {"weight_decay": [0.002, 0.0], "init_range": [0.3, 1.0]}}}
    p = plan(grids)
    two = p.grid("two")
    assert [pt.moved for pt in two.points] == [(), ("init_range",), ("weight_decay",),
                                               ("weight_decay", "init_range")]
    one = p.grid("one")
    # The same settings and seeds are the same run, trained once.
    assert [pt.run.label for pt in one.points] == [two.points[0].run.label,
                                                   two.points[2].run.label]
    assert len(p.grid_runs) == 4
    # Labels depend only on what is trained, not on the grid or the config's order.
    again = plan(dict(reversed(list(grids.items()))))
    assert again.grid("two").labels() == two.labels()
    other_seeds = plan({**grids, "two": {**grids["two"], "seeds": 3}})
    assert not set(other_seeds.grid("two").labels()) & set(two.labels())


@pytest.mark.parametrize("grid, field", [
    ({"task": "nope", "axes": {"eps": [1]}}, "grids.g.task"),
    ({"task": "xor", "variant": "9", "axes": {"eps": [1]}}, "grids.g.variant"),
    ({"task": "xor", "axes": {"epz": [1]}}, "grids.g.axes.epz"),
    ({"task": "xor", "axes": {"eps": [0.25, -1]}}, "grids.g.axes.eps"),
    ({"task": "xor", "axes": {"eps": []}}, "grids.g.axes.eps"),
    ({"task": "xor", "base": {"eps": -1}, "axes": {"alpha": [0.5]}}, "grids.g.base.eps"),
    ({"task": "xor", "axes": {"eps": [1]}, "mode": "all"}, "grids.g.mode"),
    ({"task": "xor", "axes": {"eps": [1]}, "seeds": "3-1"}, "grids.g.seeds"),
    ({"task": "xor"}, "grids.g"),
    ({"task": "family_trees", "mode": "product",
      "axes": {"split": ["fixed", "random"], "n_test": [4, 3]}}, "grids.g.axes.n_test"),
])
def test_bad_grids_are_refused_naming_the_key(grid, field):
    with pytest.raises(ConfigError) as err:
        plan({"g": grid})
    assert err.value.field == field, str(err.value)
    assert "\n" not in str(err.value)


def test_a_combination_that_fails_is_named():
    with pytest.raises(ConfigError) as err:
        plan({"g": {"task": "family_trees", "mode": "product",
                    "axes": {"split": ["fixed"], "n_test": [3]}}})
    assert "(at n_test 3)" in str(err.value)


def test_no_grids():
    assert make_grids({"seeds": 2, "chunk_size": 1}) == ()
    assert plan(None).grids == ()


# ---- the search ----------------------------------------------------------------------------

def test_distance_from_the_printed_value():
    assert distance(0.001, 0.002) == 0.5 and distance(0.0, 0.002) == 1.0
    assert distance(1.0, 0.3) == pytest.approx(0.7)
    schedule = [[0, 0.005, 0.5], [20, 0.01, 0.9]]
    assert distance([[0, 0.005, 0.5], [20, 0.1, 0.9]], schedule) == pytest.approx(0.9)
    assert distance("random", "fixed") == 1.0 and distance(True, False) == 1.0
    assert distance(None, [0.8, 0.2]) == 1.0 and distance(3000, 3000) == 0.0


def _outcome(moved, verdict, far, closeness=0.0):
    point = GridPoint(run=None, values={}, moved=tuple(moved))
    entry = Entry(Value("share", 0.5, 0.4, 0.6, n=100), Verdict(verdict, "", closeness))
    return Outcome(grid=None, point=point, entries=(entry,), headline=0, distance=far)


def test_the_smallest_change_moves_fewest_settings_then_least():
    base = _outcome((), NOT_REPRODUCED, 0.0)
    pair = _outcome(("eps", "init_range"), REPRODUCED, 0.2)
    far_single = _outcome(("eps",), REPRODUCED, 0.9)
    near_single = _outcome(("budget",), REPRODUCED, 0.5)
    found = search(None, "", [base, pair, far_single, near_single])
    assert found.printed is base and found.smallest is near_single and found.tried == 4
    # Nothing reproduces: the nearest is the best verdict, then the closest value.
    partly_far = _outcome(("eps",), PARTLY, 0.9, closeness=-0.4)
    partly_close = _outcome(("eps", "budget"), PARTLY, 1.4, closeness=-0.45)
    found = search(None, "", [base, partly_far, partly_close])
    assert found.smallest is None and found.best_tried is partly_close
    assert search(None, "", [pair]) is None  # no base point: no printed result


def test_a_change_of_the_network_itself_is_never_the_smallest_change():
    base = _outcome((), NOT_REPRODUCED, 0.0)
    more_units = _outcome(("hidden",), REPRODUCED, 0.2)
    faster = _outcome(("eps",), REPRODUCED, 0.5)
    found = search(None, "", [base, more_units, faster])
    assert found.smallest is faster and found.tried == 2
    found = search(None, "", [base, more_units])
    assert found.smallest is None and found.best_tried is base


# ---- end to end ----------------------------------------------------------------------------

GRID = {"task": "xor", "variant": "2-2-1", "seeds": 2, "base": {"budget": 2000},
        "axes": {"eps": [0.25]}}


def snakemake(workdir: Path, *args: str) -> str:
    exe = shutil.which("snakemake", path=str(BIN)) or shutil.which("snakemake")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run([exe, *args], cwd=workdir, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    return proc.stdout


@pytest.fixture(scope="module")
def grid_run(tmp_path_factory) -> Path:
    """config/test.yaml with one grid (two settings, two seeds), run through `snakemake
    grids` in a copy of the workflow (the diagnosis is tested in test_diagnostics)."""
    work = tmp_path_factory.mktemp("grids")
    shutil.copy2(ROOT / "Snakefile", work / "Snakefile")
    for folder in ("workflow", "config"):
        shutil.copytree(ROOT / folder, work / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "profiles" / "default", work / "profiles" / "default")
    config = config_with({"eps": GRID})
    (work / "config" / "grid.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(work, "grids", "--cores", "2", "--configfile", "config/grid.yaml")
    return work


def test_grid_tables_are_keyed_by_the_setting(grid_run):
    folder = grid_run / "results/tables/grids/eps"
    runs = read_grid_runs(folder / "runs.csv")
    assert list(runs["set_eps"]) == ["0.5", "0.5", "0.25", "0.25"]
    assert list(runs["n_moved"]) == [0, 0, 1, 1]
    assert list(runs["moved"]) == ["", "", "eps: 0.25", "eps: 0.25"]
    assert list(runs["seed"]) == [0, 1, 0, 1] and set(runs["base"]) == {"budget: 2000"}
    summary = pd.read_csv(folder / "summary.csv", keep_default_na=False)
    assert set(summary["set_eps"].astype(str)) == {"0.5", "0.25"}
    assert (summary["seeds"] == 2).all() and (summary["budget"] == 2000).all()
    structure = pd.read_csv(folder / "structure.csv")
    assert "set_eps" in structure.columns and not structure.empty


def test_grid_points_train_by_the_same_rules(grid_run):
    runs = read_grid_runs(grid_run / "results/tables/grids/eps/runs.csv")
    for eps, rows in runs.groupby("set_eps", sort=False):
        direct, _ = run("xor", "2-2-1", [0, 1], {"budget": 2000, "eps": float(eps)})
        np.testing.assert_array_equal(rows["final_error"].to_numpy(),
                                      direct["final_error"].to_numpy())
        np.testing.assert_array_equal(rows["sweeps"].to_numpy(), direct["sweeps"].to_numpy())


def test_what_it_takes(grid_run):
    text = (grid_run / "results/report/what_it_takes.md").read_text()
    assert text.startswith("# What it takes to reproduce")
    assert "### Grid `eps`: xor 2-2-1" in text
    assert "| eps: 0.25 | 2 |" in text  # the grid's point, with its seeds
    # The 2-2-1 claims are searched under the grid's base; the others are listed.
    assert "xor-local-minima-rate" in text and "no grid of parity 4" in text


def test_grids_stay_out_of_the_default_target(grid_run):
    out = snakemake(grid_run, "-n", "--cores", "1", "--configfile", "config/grid.yaml")
    assert "grid_tables" not in out and "what_it_takes" not in out
    assert "grid-" not in out  # no grid point is trained by the default target
