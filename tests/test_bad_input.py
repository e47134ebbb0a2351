"""Bad specs and arguments give one-line errors naming the field and what is allowed."""

import subprocess
import sys

import pytest
import yaml

from backprop86 import (
    ConfigError,
    ErrorFunction,
    LearningRule,
    NetworkSpec,
    TrainConfig,
)
from backprop86.core.criteria import parse
from backprop86.plan.plan import parse_seeds
from backprop86.plan.schema import retyped


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


def _one_line_error(result, field):
    """Exit status 2, one line on stderr naming ``field``, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith(f"backprop86: error: {field}:"), lines
    assert "allowed:" in lines[0] and "Traceback" not in result.stderr
    return lines[0]


TRAIN = ["train", "xor", "--seeds", "0-3", "--out", "o"]
FAMILY = ["train", "family_trees", "--seeds", "0", "--out", "o"]

# Calls of the command line that must fail with one line: (arguments, field, words).
BAD_CALLS = [
    (["train", "nosuchtask", "--seeds", "0-3", "--out", "o"], "task", "unknown"),
    (["train", "xor", "--variant", "9-9-9", "--seeds", "0-3", "--out", "o"], "variant", ""),
    (["train", "xor", "--seeds", "5-1", "--out", "o"], "seeds", "backwards"),
    ([*TRAIN, "--set", "eps=-1"], "settings.eps", ""),
    ([*TRAIN, "--set", "colour=red"], "settings.colour", "unknown setting"),
    (["train", "xor", "--seeds", "0-3", "--out", "/proc/nope/o"], "--out", "cannot write"),
    # Accepted once and ignored: a variant's schedule sets eps and alpha.
    ([*FAMILY, "--set", "eps=-1", "--set", "budget=5"], "settings.eps", ""),
    ([*FAMILY, "--set", "alpha=banana"], "settings.alpha", ""),
    ([*FAMILY, "--set", "eps=0.2"], "settings.eps", "no effect"),
    (["tasks", "nosuch"], "task", "unknown"),
    # Accepted once, then a traceback later.
    ([*TRAIN, "--set", "eps=.inf"], "settings.eps", "inf"),
    ([*TRAIN, "--set", "budget=0"], "settings.budget", ""),
    (["train", "xor", "--seeds", str(2 ** 63), "--out", "o"], "seeds", "out of range"),
    (["train", "xor", "--seeds", "0-999999999", "--out", "o"], "seeds", "1,000,000,000 seeds"),
    ([*TRAIN, "--snapshot-sweeps", "-5"], "--snapshot-sweeps", ""),
    # Named, not "cannot read settings".
    ([*TRAIN, "--set", "schedule=[[0, 0.5]]"], "settings.schedule", ""),
    ([*TRAIN, "--set", "schedule=fast"], "settings.schedule", ""),
    ([*TRAIN, "--set", "margin=-1"], "settings.margin", ""),
    ([*TRAIN, "--set", "decay_start=later"], "settings.decay_start", ""),
    ([*TRAIN, "--set", "eps=1e-5"], "settings.eps", "write 1.0e-5"),
    ([*TRAIN, "--set", "monitor=[]"], "settings.monitor", ""),
    # The pipeline's commands.
    (["train-chunk", "--plan", "nosuch.json", "--run", "xor/2-2-1", "--chunk", "0",
      "--out", "o"], "nosuch.json", "cannot read"),
    (["figure", "nosuch", "--runs", "r", "--data", "d", "--out", "o"], "figure", "unknown"),
    (["plan"], "plan", "needs the config"),
    (["plan", "--config-json", "{x"], "--config-json", "not JSON"),
    (["plan", "--configfile", "nosuch.yaml"], "--configfile", "cannot read"),
]


@pytest.mark.parametrize("args, field, words", BAD_CALLS,
                         ids=[" ".join(a[:1] + a[-2:]) for a, _, _ in BAD_CALLS])
def test_cli_errors_are_one_line_with_exit_code_2(args, field, words, tmp_path):
    line = _one_line_error(_cli(*args, tmp_path=tmp_path), field)
    assert words in line


GOOD = {"seeds": 2, "chunk_size": 1, "runs": {"xor/2-2-1": {"settings": {"budget": 20}}}}

# Config files `backprop86 plan` (and the pipeline, when it starts) must refuse with one
# line: (the file's text, the field).
BAD_CONFIGS = {
    "a run given twice": ("seeds: 2\nchunk_size: 1\nruns:\n  xor/2-2-1: {}\n"
                          "  xor/2-2-1: {settings: {eps: 0.2}}\n", "runs.xor/2-2-1"),
    "not YAML": ("seeds: 2\nruns: {xor/2-2-1: {\n", "cfg.yaml"),
    "empty": ("", "config"),
    "a seed count too large": (yaml.safe_dump({**GOOD, "seeds": 10 ** 9}), "seeds"),
    "a seed too large": (yaml.safe_dump({**GOOD, "seeds": f"{2 ** 63}"}), "seeds"),
    "eps text": ("seeds: 2\nchunk_size: 1\nruns: {xor/2-2-1: {settings: {eps: 1e-5}}}\n",
                 "runs.xor/2-2-1.settings.eps"),
    "eps with a schedule": (yaml.safe_dump({**GOOD, "runs": {
        "family_trees/paper": {"settings": {"eps": 0.1}}}}),
        "runs.family_trees/paper.settings.eps"),
    "infinite eps": (yaml.safe_dump({**GOOD, "runs": {
        "xor/2-2-1": {"settings": {"eps": float("inf")}}}}), "runs.xor/2-2-1.settings.eps"),
    "no budget": (yaml.safe_dump({**GOOD, "runs": {"xor/2-2-1": {"settings": {"budget": 0}}}}),
                  "runs.xor/2-2-1.settings.budget"),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_config_files_are_refused_in_one_line(case, tmp_path):
    text, field = BAD_CONFIGS[case]
    (tmp_path / "cfg.yaml").write_text(text)
    line = _one_line_error(_cli("plan", "--configfile", "cfg.yaml", tmp_path=tmp_path), field)
    if case == "not YAML":
        assert "line 3" in line


def test_a_good_config_file_is_planned(tmp_path):
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(GOOD))
    result = _cli("plan", "--configfile", "cfg.yaml", "--out", "plan.json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "plan.json").stat().st_size > 0


def test_retyped_config_overrides():
    """Snakemake reads --config's mappings as YAML text; the pipeline reads them as a
    config file would."""
    assert retyped({"tables": {"parquet": "false"}, "seeds": "0-3",
                    "runs": {"xor/x": {"settings": {"eps": "0.25", "mode": "batch"}}}}) == \
        {"tables": {"parquet": False}, "seeds": "0-3",
         "runs": {"xor/x": {"settings": {"eps": 0.25, "mode": "batch"}}}}


def test_cli_trains_and_writes_records(tmp_path):
    result = _cli("train", "xor", "--seeds", "0-9", "--out", "out", "--set", "budget=300",
                  tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "runs.csv").stat().st_size > 0
    assert (tmp_path / "out" / "records.npz").stat().st_size > 0
    help_text = _cli("--help", tmp_path=tmp_path).stdout
    assert "train" in help_text and "tasks" in help_text
