"""The import rules of the house (pyproject.toml's import-linter contracts, drawn in
docs/architecture.md): packages import only downward, no import cycles (function-level
imports included, so that none can hide a cycle), and every package has its place."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "backprop86"


def _contracts():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def test_the_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or \
        shutil.which("lint-imports")
    assert exe, "import-linter is not installed in the test environment"
    proc = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "broken" in proc.stdout and " 0 broken" in proc.stdout


def test_every_package_has_a_layer():
    layers = next(c for c in _contracts()["contracts"] if c["type"] == "layers")["layers"]
    placed = {name.strip() for layer in layers for name in layer.split("|")}
    here = {f"backprop86.{p.stem if p.is_file() else p.name}" for p in PACKAGE.iterdir()
            if (p.is_dir() and (p / "__init__.py").exists())
            or (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))}
    assert here == placed


def _cycle(graph) -> list[str] | None:
    """One import cycle among the modules of ``graph``, or None (Tarjan's strongly
    connected components, iteratively)."""
    modules = sorted(graph.modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    index, low, on_stack, stack, counter = {}, {}, set(), [], [0]
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(edges[root]))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges[node]:
                    return sorted(component)
    return None


def test_no_module_imports_itself_round_a_cycle():
    graph = grimp.build_graph("backprop86", cache_dir=None)
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_a_cycle():
    class Graph:
        modules = {"a", "b", "c"}

        @staticmethod
        def find_modules_directly_imported_by(m):
            return {"a": {"b"}, "b": {"c"}, "c": {"a"}}[m]

    assert _cycle(Graph) == ["a", "b", "c"]


# Imports the contracts forbid, checked on the graph itself: no chain at all, and no
# direct import (the report reaches the numba backend only through the plan's check of
# the backend's name, backprop86.backends.check).
NO_CHAIN = [("backprop86.core", "backprop86.tasks"), ("backprop86.core", "backprop86.backends"),
            ("backprop86.tasks", "backprop86.plan"), ("backprop86.backends", "backprop86.tasks"),
            ("backprop86.tables", "backprop86.core.trainer"),
            ("backprop86.figures", "backprop86.core.trainer")]
NO_IMPORT = [("backprop86.report", "backprop86.backends"),
             ("backprop86.report", "backprop86.core.trainer"),
             ("backprop86.plan", "backprop86.backends.numba")]


@pytest.mark.parametrize("importer, imported", NO_CHAIN)
def test_no_chain_of_imports_leads_where_the_rules_forbid(importer, imported):
    graph = grimp.build_graph("backprop86", cache_dir=None)
    assert not graph.chain_exists(importer, imported, as_packages=True)


@pytest.mark.parametrize("importer, imported", NO_IMPORT)
def test_no_direct_import_where_the_rules_forbid(importer, imported):
    graph = grimp.build_graph("backprop86", cache_dir=None)
    assert not graph.direct_import_exists(importer=importer, imported=imported,
                                          as_packages=True)


def test_an_upward_import_breaks_the_contracts(tmp_path):
    """The contracts can fail: a copy of the package whose core imports the command line
    is refused."""
    shutil.copytree(PACKAGE, tmp_path / "src" / "backprop86",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    network = tmp_path / "src" / "backprop86" / "core" / "network.py"
    network.write_text(network.read_text() + "\nfrom ..run import cli  # noqa: E402\n")
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or \
        shutil.which("lint-imports")
    proc = subprocess.run([exe, "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(tmp_path / "src"),
                                            "PATH": str(Path(sys.executable).parent)})
    assert proc.returncode != 0
    assert "Packages import only downward BROKEN" in proc.stdout
