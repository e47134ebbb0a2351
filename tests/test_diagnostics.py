"""Per-layer diagnostics through the trainer's observer: the norms on a hand-made net where
they are known, aggregation over blocks and stopping networks, the config's diagnosis and
its figure."""

import math

import numpy as np
import pandas as pd
import pytest

from backprop86 import ConfigError, LearningRule, Patterns, TrainConfig, layered, train
from backprop86.core.loss import ErrorFunction
from backprop86.plan.plan import diagnosis_of
from backprop86.run.diagnostics import (
    ALL,
    COLUMNS,
    STUCK_BELOW,
    LayerObserver,
    layers,
    record_sweeps,
    train_diagnosis,
)

XOR_IN = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
XOR_OUT = np.array([[0], [1], [1], [0]], dtype=float)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def hand_net():
    """2-2-1 with hidden weights [[3, 4], [0, 0]] (norm 5), zero biases and zero output
    weights: every output is 0.5, so every number below follows by hand."""
    return {"hidden<-input": np.array([[[3.0, 4.0], [0.0, 0.0]]]),
            "output<-hidden": np.zeros((1, 1, 2)),
            "hidden.bias": np.zeros((1, 2)),
            "output.bias": np.zeros((1, 1))}


def observe(rule, initial, sweeps=(0,), seeds=(0,), budget=1, **kwargs):
    spec = layered([2, 2, 1])
    observer = LayerObserver(spec, rule, XOR_OUT, sweeps)
    config = TrainConfig(rule=rule, budget=budget, stop="budget", **kwargs)
    train(spec, Patterns({"input": XOR_IN}, XOR_OUT), config, seeds, task="xor",
          initial=initial, observer=observer)
    return observer.table()


def value(table, layer, param, quantity, sweep=0, column="mean"):
    row = table[(table["layer"] == layer) & (table["param"] == param)
                & (table["quantity"] == quantity) & (table["sweep"] == sweep)]
    assert len(row) == 1, (layer, param, quantity, sweep)
    return float(row[column].iloc[0])


def test_norms_steps_and_outputs_of_a_hand_made_net():
    eps, alpha, decay = 0.1, 0.5, 0.01
    rule = LearningRule.constant(eps, alpha, weight_decay=decay)
    t = observe(rule, hand_net())
    # Forward by hand: hidden unit 1 = sigmoid(3 x1 + 4 x2), unit 2 = 0.5, output 0.5.
    h1 = np.array([sigmoid(0), sigmoid(4), sigmoid(3), sigmoid(7)])
    # dE/dnet_out = (y - d) y (1 - y) = (0.5 - d) / 4; hidden deltas are 0 (w_out = 0).
    delta = (0.5 - XOR_OUT[:, 0]) / 4
    g_out = np.array([delta @ h1, delta @ np.full(4, 0.5)])  # the second is 0
    g_out_norm = math.sqrt((g_out ** 2).sum() + delta.sum() ** 2)

    assert value(t, "hidden", "hidden<-input", "weight_norm") == pytest.approx(5.0)
    assert value(t, "hidden", ALL, "weight_norm") == pytest.approx(5.0)
    assert value(t, "hidden", ALL, "grad_norm") == 0.0
    assert value(t, "output", ALL, "weight_norm") == 0.0
    assert value(t, "output", "output<-hidden", "grad_norm") == pytest.approx(
        abs(g_out[0]), rel=1e-12)
    assert value(t, "output", ALL, "grad_norm") == pytest.approx(g_out_norm, rel=1e-12)
    assert value(t, "output", ALL, "grad_step") == pytest.approx(eps * g_out_norm)
    assert value(t, "hidden", ALL, "decay_step") == pytest.approx(decay * 5.0)
    assert value(t, "output", ALL, "balance_norm") == pytest.approx(
        eps * g_out_norm / ((1 - alpha) * decay))
    # Activity spread over the 4 cases: unit 1 varies as h1, unit 2 not at all.
    assert value(t, "hidden", "", "activity_sd") == pytest.approx(h1.std() / 2)
    assert value(t, "output", "", "activity_sd") == 0.0
    assert value(t, "output", "", "output_on") == 0.5
    assert value(t, "output", "", "output_off") == 0.5
    assert value(t, "output", "", "stuck_share") == 0.0  # 0.5 is above STUCK_BELOW
    assert STUCK_BELOW < 0.5
    for quantity, expected in (("eps", eps), ("alpha", alpha), ("weight_decay", decay)):
        assert value(t, "", "", quantity) == expected


def test_decay_off_until_it_starts_and_stuck_outputs():
    rule = LearningRule.constant(0.1, 0.5, weight_decay=0.01, decay_start=1)
    initial = hand_net()
    initial["output.bias"] = np.array([[-3.0]])  # every output sigmoid(-3) < 0.25
    t = observe(rule, initial, sweeps=(0, 1), budget=2)
    assert value(t, "hidden", ALL, "decay_step", sweep=0) == 0.0
    assert value(t, "", "", "weight_decay", sweep=0) == 0.0
    assert value(t, "hidden", ALL, "decay_step", sweep=1) > 0
    assert "balance_norm" not in set(t[t["sweep"] == 0]["quantity"])
    assert value(t, "output", "", "stuck_share", sweep=0) == 1.0
    assert value(t, "output", "", "output_on", sweep=0) == pytest.approx(sigmoid(-3))


def test_statistics_over_networks_do_not_depend_on_blocks():
    rule = LearningRule.constant(0.5, 0.9)
    spec = layered([2, 2, 1])
    pats = Patterns({"input": XOR_IN}, XOR_OUT)
    config = TrainConfig(rule=rule, budget=30, stop="budget")
    tables = []
    for block in (1, 5):
        observer = LayerObserver(spec, rule, XOR_OUT, record_sweeps(30))
        train(spec, pats, config, range(5), task="xor", observer=observer, block_size=block)
        tables.append(observer.table())
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert (tables[0]["networks"] == 5).all()


def test_networks_that_stop_leave_the_statistics():
    # Some networks meet the criterion early and stop; the observer must follow the
    # still-training ones (and take its outputs from them, not from the sweep's start).
    rule = LearningRule.constant(0.5, 0.9)
    spec = layered([2, 2, 1])
    config = TrainConfig(rule=rule, budget=400, stop="correct_side",
                         monitor=("correct_side",), error=ErrorFunction())
    observer = LayerObserver(spec, rule, XOR_OUT, range(400))
    records = train(spec, Patterns({"input": XOR_IN}, XOR_OUT), config, range(8),
                    task="xor", observer=observer)
    t = observer.table()
    counts = t[t["quantity"] == "output_on"].set_index("sweep")["networks"]
    for sweep, n in counts.items():
        assert n == int((records.sweeps > sweep).sum())
    assert counts.iloc[0] == 8 and counts.min() < 8


def test_record_sweeps_and_layers():
    assert record_sweeps(1500)[:3] == (0, 1, 2) and record_sweeps(1500)[-1] == 1499
    s = record_sweeps(1500)
    assert list(s) == sorted(set(s)) and 25 <= len(s) <= 40
    assert record_sweeps(1) == (0,) and record_sweeps(0) == ()
    assert layers(layered([2, 2, 1])) == {"hidden": ("hidden<-input", "hidden.bias"),
                                          "output": ("output<-hidden", "output.bias")}


def test_config_diagnosis():
    d = diagnosis_of({"seeds": 3, "diagnosis": {"task": "family_trees", "arms": {
        "decay": {}, "no-decay": {"weight_decay": 0.0}}}})
    assert (d.task, d.variant, d.seeds) == ("family_trees", "paper", (0, 1, 2))
    assert diagnosis_of({"seeds": 3}) is None
    bad = [({"task": "nope", "arms": {"a": {}}}, "diagnosis.task"),
           ({"task": "xor", "variant": "9", "arms": {"a": {}}}, "diagnosis.variant"),
           ({"task": "xor", "arms": {"a": {"eps": -1}}}, "diagnosis.arms.a.eps"),
           ({"task": "xor", "arms": {"a": {"epz": 1}}}, "diagnosis.arms.a.epz"),
           ({"task": "xor", "arms": {"a": {"mode": "pattern"}}}, "diagnosis.arms.a.mode"),
           ({"task": "xor", "seeds": "5-1", "arms": {"a": {}}}, "diagnosis.seeds")]
    for spec, field in bad:
        with pytest.raises(ConfigError) as err:
            diagnosis_of({"seeds": 3, "diagnosis": spec})
        assert err.value.field == field and "\n" not in str(err.value)


def test_diagnosis_table_and_figure():
    from matplotlib import pyplot as plt

    from backprop86.figures.diagnosis import ROWS, learning_signal

    d = diagnosis_of({"seeds": 2, "diagnosis": {"task": "family_trees", "arms": {
        "decay": {"budget": 12}, "no-decay": {"weight_decay": 0.0, "budget": 12}}}})
    table = train_diagnosis(d)
    assert list(table.columns) == list(COLUMNS)
    assert set(table["arm"]) == {"decay", "no-decay"}
    assert set(table["layer"]) == {"", "person_code", "relation_code", "central",
                                   "answer_code", "output"}
    assert not table[(table["arm"] == "no-decay")]["quantity"].eq("balance_norm").any()
    fig = learning_signal(table)
    assert len(fig.axes) == len(ROWS) * 2
    # One line per layer in the gradient panel of each arm, from the table's medians.
    lines = fig.axes[0].get_lines()
    assert [ln.get_label() for ln in lines] == ["person_code", "relation_code", "central",
                                               "answer_code", "output"]
    grads = table[(table["arm"] == "decay") & (table["layer"] == "output")
                  & (table["param"] == ALL) & (table["quantity"] == "grad_norm")]
    np.testing.assert_array_equal(lines[-1].get_ydata(), grads["median"].to_numpy())
    plt.close(fig)

    # The report's paragraph and table read their numbers from the same table.
    from backprop86.report.reproduce import diagnosis_table, diagnosis_text

    text = "\n".join(diagnosis_text(table))
    last = int(table["sweep"].max())
    out = table[(table["arm"] == "no-decay") & (table["layer"] == "output")
                & (table["quantity"] == "output_on") & (table["sweep"] == last)]
    assert f"By sweep {last:,} the units that should be on give" in text
    assert f"{float(out['median'].iloc[0]):.3g}" in text
    decay, no_decay = [line for line in diagnosis_text(table) if line]
    assert decay.startswith("**decay.**") and no_decay.startswith("**no-decay.**")
    assert "With the decay (0.2 % per change)" in decay and "decay" not in no_decay[14:]
    rows = diagnosis_table(table)
    assert len(rows) == 2 + 2 * 5 + 1  # header, rule, 2 arms x 5 layers, blank line
