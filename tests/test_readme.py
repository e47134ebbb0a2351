"""The README's two commands are the ones CI runs, and its Python examples run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _commands():
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_readme_has_a_reproduce_and_a_test_command():
    commands = _commands()
    assert any("snakemake" in c and "pip install" in c for c in commands)
    assert any("pytest" in c and "pip install" in c for c in commands)


def test_ci_runs_the_readme_test_command():
    test_command = next(c for c in _commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_the_python_examples_run():
    """Each Python block of the README, on 20 seeds instead of 1000."""
    blocks = re.findall(r"```python\n(.+?)\n```", (ROOT / "README.md").read_text(), re.S)
    assert len(blocks) >= 2
    for block in blocks:
        namespace: dict = {}
        exec(compile(block.replace("range(1000)", "range(20)"), "README.md", "exec"),
             namespace)
