"""Bad specs and arguments give one-line errors naming the field and what is allowed."""

import subprocess
import sys

import pytest

from backprop86 import (
    ConfigError,
    ErrorFunction,
    LearningRule,
    NetworkSpec,
    TrainConfig,
)
from backprop86.core.criteria import parse
from backprop86.plan.plan import parse_seeds


def spec(groups, projections, inputs=("in",), output="out"):
    return NetworkSpec(groups=groups, inputs=inputs, output=output, projections=projections)


@pytest.mark.parametrize("make, field, words", [
    (lambda: spec({"in": 2, "h": 2, "g": 2, "out": 1},
                  [("in", "h"), ("h", "g"), ("g", "h"), ("g", "out")]),
     "network.projections", "cycle"),
    (lambda: spec({"in": 2, "out": 1}, [("in", "out"), ("out", "in")]),
     "network.projections", "into input group"),
    (lambda: spec({"in": 2, "h": 3, "out": 1},
                  [("in", "h", "w"), ("h", "out", "w")]),
     "network.projections", "tied weights"),
    (lambda: spec({"in": 2, "out": 1}, [("in", "nowhere")]), "network.projections", "unknown"),
    (lambda: spec({"in": 0, "out": 1}, [("in", "out")]), "network.groups.in", "size"),
    (lambda: spec({"in": 2, "h": 2, "out": 1}, [("in", "out"), ("in", "h")]),
     "network.groups.h", "does not feed the output"),
    (lambda: spec({"in": 2, "out": 1}, [("in", "out")], output="in"), "network.output", "input"),
    (lambda: spec({"in": 2, "out": 1}, [("in", "out"), ("in", "out")]),
     "network.projections", "twice"),
])
def test_bad_networks_are_refused(make, field, words):
    with pytest.raises(ConfigError) as err:
        make()
    message = str(err.value)
    assert err.value.field == field and words in message and "\n" not in message
    assert "allowed:" in message


@pytest.mark.parametrize("make, field", [
    (lambda: LearningRule.constant(-0.1, 0.9), "eps"),
    (lambda: LearningRule.constant(0.1, 1.0), "alpha"),
    (lambda: LearningRule(((5, 0.1, 0.9),)), "schedule"),
    (lambda: LearningRule.constant(0.1, 0.9, mode="online"), "mode"),
    (lambda: ErrorFunction("avg"), "reduction"),
    (lambda: ErrorFunction(margin=(0.2, 0.8)), "margin"),
    (lambda: TrainConfig(LearningRule.constant(0.1, 0.9), budget=-1), "budget"),
    (lambda: parse("within_2"), "criterion"),
    (lambda: parse("sideways"), "criterion"),
    (lambda: parse_seeds("9-3"), "seeds"),
    (lambda: parse_seeds("a-b"), "seeds"),
])
def test_bad_values_are_refused(make, field):
    with pytest.raises(ConfigError) as err:
        make()
    assert err.value.field == field


def _cli(*args, tmp_path):
    return subprocess.run([sys.executable, "-m", "backprop86", *args], cwd=tmp_path,
                          capture_output=True, text=True)


@pytest.mark.parametrize("args, field", [
    (["train", "nosuchtask", "--seeds", "0-3", "--out", "o"], "task"),
    (["train", "xor", "--variant", "9-9-9", "--seeds", "0-3", "--out", "o"], "variant"),
    (["train", "xor", "--seeds", "5-1", "--out", "o"], "seeds"),
    (["train", "xor", "--seeds", "0-3", "--out", "o", "--set", "eps=-1"], "settings.eps"),
    (["train", "xor", "--seeds", "0-3", "--out", "o", "--set", "colour=red"], "settings.colour"),
    (["train", "xor", "--seeds", "0-3", "--out", "/proc/nope/o"], "--out"),
])
def test_cli_errors_are_one_line_with_exit_code_2(args, field, tmp_path):
    result = _cli(*args, tmp_path=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"backprop86: error: {field}:"), lines


def test_cli_trains_and_writes_records(tmp_path):
    result = _cli("train", "xor", "--seeds", "0-9", "--out", "out", "--set", "budget=300",
                  tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "runs.csv").stat().st_size > 0
    assert (tmp_path / "out" / "records.npz").stat().st_size > 0
    help_text = _cli("--help", tmp_path=tmp_path).stdout
    assert "train" in help_text and "tasks" in help_text
