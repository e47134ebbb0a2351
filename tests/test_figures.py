"""Figures: the Hinton-diagram convention, the figure-data tables, and every figure drawn
from a small results tree built here the way the pipeline builds it."""

import inspect
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt
from matplotlib.colors import to_rgba

from backprop86.atomic import write_table
from backprop86.figures import FIGURES, figures_for, hinton, theme
from backprop86.figures.hinton import FILL
from backprop86.figures.render import draw, table_paths
from backprop86.run.cli import main as cli
from backprop86.run.experiment import run
from backprop86.tables import curves, examples, probes
from backprop86.tables import figure_data as fd
from backprop86.tables.collect import collect_runs, read_runs, write_runs

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# (task, label, variant, seeds, settings): every figure family, small enough to train in
# seconds. XOR 2-2-1 on a short budget so that some seeds are stuck.
RUNS = [
    ("xor", "2-2-1", "2-2-1", range(0, 8), {"budget": 400}),
    ("xor", "2-1-1", "2-1-1", range(0, 6), {"budget": 3000}),
    ("xor_and", "3-1", "3-1", range(0, 4), {"budget": 500}),
    ("xor_and", "2-1", "2-1", range(0, 3), {"budget": 100}),
    ("addition", "fig10", "fig10", range(0, 4), {"budget": 600}),
    ("addition", "fig11", "fig11", range(0, 4), {"budget": 1500}),
    # A setting that changes the network: drawn without the printed Fig. 10 net.
    ("addition", "fig10-no-links", "fig10", range(0, 2), {"hidden_links": "none",
                                                          "budget": 300}),
    ("negation", "3-3", "3-3", range(0, 4), {"budget": 800}),
    ("intermediate", "2-1-4-4", "2-1-4-4", range(0, 4), {"budget": 1500}),
    ("t_c", "tied", "tied", range(0, 3), {"retina": 5, "positions": "one", "budget": 2000}),
    ("parity", "3", "3", range(0, 4), {"budget": 2000}),
    ("encoder", "4-2-4", "4-2-4", range(0, 4), {"budget": 1000}),
    ("encoder", "8-3-8", "8-3-8", range(0, 3), {"budget": 200}),
    ("symmetry", "6-2-1", "6-2-1", range(0, 4), {"budget": 4000}),
    ("family_trees", "paper", "paper", range(0, 3), {"budget": 60}),
]
CHUNK_SIZE = 3
PER_TASK_CHECKED = ("xor", "family_trees")


# ---- the Hinton diagram ----------------------------------------------------------------------
def _centre(square):
    x, y = square.get_xy()
    return x + square.get_width() / 2, y + square.get_height() / 2


def test_hinton_rows_are_receiving_units_drawn_top_down():
    values = np.array([[1.0, -4.0, 0.0],
                       [0.25, 0.0, -1.0]])  # 2 receiving units, 3 sending units
    fig, ax = plt.subplots()
    squares = hinton(ax, values)
    assert set(squares) == {(0, 0), (0, 1), (1, 0), (1, 2)}  # zeros draw nothing
    for (r, c), square in squares.items():
        assert _centre(square) == pytest.approx((c, r))  # column = sender, row = receiver
    fig.canvas.draw()
    to_screen = ax.transData.transform
    # The first receiving unit is the top row; the first sending unit the left column.
    assert to_screen(_centre(squares[0, 0]))[1] > to_screen(_centre(squares[1, 0]))[1]
    assert to_screen(_centre(squares[0, 0]))[0] < to_screen(_centre(squares[0, 1]))[0]
    plt.close(fig)


def test_hinton_area_is_proportional_to_magnitude_white_positive_black_negative():
    values = np.array([[1.0, -4.0], [0.25, -1.0]])
    fig, ax = plt.subplots()
    squares = hinton(ax, values)
    area = {k: s.get_width() * s.get_height() for k, s in squares.items()}
    assert area[0, 1] == pytest.approx(FILL ** 2)  # the largest fills its cell
    assert area[0, 1] / area[1, 0] == pytest.approx(4.0 / 0.25)
    assert area[0, 0] == pytest.approx(area[1, 1])  # same magnitude, either sign
    assert to_rgba(squares[0, 0].get_facecolor()) == to_rgba(theme.POSITIVE)
    assert to_rgba(squares[0, 1].get_facecolor()) == to_rgba(theme.NEGATIVE)
    assert to_rgba(ax.get_facecolor()) == to_rgba(theme.GROUND)
    plt.close(fig)


def test_hinton_shared_scale_saturates_at_max_value():
    fig, ax = plt.subplots()
    squares = hinton(ax, np.array([[2.0, 0.5, np.nan]]), max_value=1.0)
    assert squares[0, 0].get_width() == pytest.approx(FILL)
    assert squares[0, 1].get_width() == pytest.approx(FILL * np.sqrt(0.5))
    assert (0, 2) not in squares
    plt.close(fig)


# ---- choosing the example seed -----------------------------------------------------------------
def _runs(rows, stop="within_0.1"):
    table = pd.DataFrame(rows, columns=["seed", "converged", f"sweeps_to_{stop}",
                                        "final_error"])
    return table.assign(task="xor", variant="2-2-1", base_variant="2-2-1", stop=stop)


def test_median_run_is_the_lower_median_converged_seed_lowest_on_ties():
    runs = _runs([(0, True, 500, 0.01), (1, False, None, 0.3), (2, True, 300, 0.01),
                  (3, True, 700, 0.01), (4, True, 500, 0.01), (5, False, None, 0.2),
                  (6, True, 900, 0.01), (7, True, 500, 0.01)])
    ex = examples.example_seeds(runs).set_index("role")
    # Converged sweeps 300, 500, 500, 500, 700, 900: the lower median is 500, first at seed 0.
    assert ex.loc["median", "seed"] == 0 and ex.loc["median", "value"] == 500
    assert ex.loc["median", "n_candidates"] == 6
    assert ex.loc["stuck", "seed"] == 1  # the lowest-numbered seed that did not converge
    even = _runs([(3, True, 100, 0.0), (1, True, 200, 0.0), (2, True, 300, 0.0),
                  (0, True, 400, 0.0)])
    ex = examples.example_seeds(even).set_index("role")
    assert ex.loc["median", "seed"] == 1  # lower median of 100..400 is 200: a real run
    assert "stuck" not in ex.index


def test_fixed_length_runs_are_ranked_by_final_error():
    runs = _runs([(0, False, None, 3.0), (1, False, None, 1.0), (2, False, None, 2.0)],
                 stop="budget")
    ex = examples.example_seeds(runs)
    assert list(ex["role"]) == ["median"]
    assert ex["seed"].iloc[0] == 2 and ex["chosen_by"].iloc[0] == "final_error"


def test_stopped_networks_keep_their_final_error_on_the_grid():
    values = np.array([5.0, 4.0, 3.0, 9.0, 8.0, 7.0, 6.0, 5.0])  # nets stop at 2 and 4
    offsets = np.array([0, 3, 8])
    errors = curves.errors_on_grid(values, offsets, np.array([2, 4]), np.array([0, 1, 3, 4]))
    np.testing.assert_array_equal(errors, [[5.0, 4.0, 3.0, 3.0], [9.0, 8.0, 6.0, 5.0]])
    grid = curves.sweep_grid(10_000)
    assert grid[0] == 0 and grid[-1] == 10_000 and (np.diff(grid) > 0).all()


# ---- a small results tree, as the pipeline writes it ----------------------------------------
@pytest.fixture(scope="module")
def results(tmp_path_factory):
    root = tmp_path_factory.mktemp("results")
    chunk_tables, order = [], []
    for task, label, variant, seeds, settings in RUNS:
        seeds = list(seeds)
        order.append((task, label))
        for c, start in enumerate(range(0, len(seeds), CHUNK_SIZE)):
            table, records = run(task, variant, seeds[start:start + CHUNK_SIZE], settings,
                                 label=label)
            out = root / "runs" / task / label / f"chunk-{c:04d}"
            records.save_arrays(out / "records.npz")
            write_table(table, out / "runs.csv")
            chunk_tables.append(out / "runs.csv")
    write_runs(collect_runs(chunk_tables, order), root / "tables" / "runs.csv")
    records = sorted(root.glob("runs/*/*/chunk-*/records.npz"))
    assert cli(["figure-data", "--runs", str(root / "tables" / "runs.csv"),
                "--out", str(root / "tables" / "figure_data"), *map(str, records)]) == 0
    return root


def test_every_figure_data_table_is_written_with_its_columns(results):
    folder = results / "tables" / "figure_data"
    for name, (columns, _) in fd.TABLES.items():
        table = fd.read_table(folder, name)
        assert list(table.columns) == columns, name
    runs = read_runs(results / "tables" / "runs.csv")
    curves = fd.read_table(folder, "error_curves")
    for (task, variant), rows in runs.groupby(["task", "variant"]):
        c = curves[(curves["task"] == task) & (curves["variant"] == variant)]
        assert (c["n_seeds"] == len(rows)).all()
        assert c["sweep"].iloc[0] == 0 and c["n_running"].iloc[0] == len(rows)
        assert (np.diff(c["n_running"]) <= 0).all()  # networks only ever stop
        assert (c["q10"] <= c["median"]).all() and (c["median"] <= c["q90"]).all()
    assert fd.read_table(folder, "variants")["variant"].map(type).eq(str).all()


def test_decision_surface_agrees_with_the_recorded_outputs(results):
    """The surface is a new forward pass; at the four corners it must give the outputs
    training recorded."""
    folder = results / "tables" / "figure_data"
    surface = fd.read_table(folder, "decision_surface")
    activity = fd.read_table(folder, "example_activity")
    shown = surface.groupby(["variant", "role"]).size()
    assert (shown == probes.SURFACE_POINTS ** 2).all()
    assert {"median", "stuck"} <= set(surface["role"])
    for (variant, role), s in surface.groupby(["variant", "role"]):
        a = activity[(activity["task"] == "xor") & (activity["variant"] == variant)
                     & (activity["role"] == role)]
        inputs = a[a["group"] == "input"].pivot(index="case", columns="unit", values="value")
        output = a[a["group"] == "output"].set_index("case")["value"]
        for case, (x1, x2) in inputs.iterrows():
            at = s[np.isclose(s["x1"], x1) & np.isclose(s["x2"], x2)]["output"]
            assert at.iloc[0] == pytest.approx(output[case], abs=1e-9)


def test_person_codes_of_the_trained_and_untrained_net(results):
    folder = results / "tables" / "figure_data"
    codes = fd.read_table(folder, "person_codes")
    people = fd.read_table(folder, "people")
    assert len(people) == 24 and people["person_unit"].tolist() == list(range(24))
    for state in ("untrained", "trained"):
        part = codes[codes["state"] == state]
        assert part["person"].nunique() == 24 and part["unit"].nunique() == 6
        assert part["value"].between(0, 1).all()
    trained = codes[codes["state"] == "trained"]["value"].to_numpy()
    untrained = codes[codes["state"] == "untrained"]["value"].to_numpy()
    assert not np.allclose(trained, untrained)
    distances = fd.read_table(folder, "person_distances")
    same = distances[distances["person_a"] == distances["person_b"]]
    assert (same["distance"] == 0).all()


def _check_image_files(stem: Path):
    png, pdf = stem.with_suffix(".png"), stem.with_suffix(".pdf")
    assert png.read_bytes()[:8] == PNG_SIGNATURE
    image = mpimg.imread(png)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0  # not a blank canvas
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1000


def _tables(results):
    return table_paths(results / "tables" / "runs.csv", results / "tables" / "figure_data")


def test_every_figure_is_a_valid_non_empty_png_and_pdf(results, tmp_path):
    tasks = read_runs(results / "tables" / "runs.csv")["task"]
    jobs = figures_for(tasks)
    assert {name for name, _ in jobs} == set(FIGURES)  # the small tree exercises them all
    # A per-task figure is one function for every task: drawn here for a task with
    # censored runs and a paper number (XOR) and for a fixed-length one (family trees),
    # to keep the test short.
    jobs = [(n, t) for n, t in jobs if not FIGURES[n].per_task or t in PER_TASK_CHECKED]
    for name, task in jobs:
        stem = tmp_path / task / FIGURES[name].file
        draw(name, _tables(results), stem, task)
        _check_image_files(stem)


def test_figures_are_byte_identical_when_redrawn(results, tmp_path):
    for attempt in ("a", "b"):
        draw("symmetry_net", _tables(results), tmp_path / attempt / "net")
    for suffix in (".png", ".pdf"):
        assert (tmp_path / "a" / f"net{suffix}").read_bytes() == \
            (tmp_path / "b" / f"net{suffix}").read_bytes()


def test_figure_functions_take_tables_only():
    for name, figure in FIGURES.items():
        params = inspect.signature(figure.draw).parameters
        tables = [p for p in params.values() if p.name != "task"]
        assert len(tables) == len(figure.tables), name
        assert all(p.annotation in (pd.DataFrame, "pd.DataFrame") for p in tables), name
