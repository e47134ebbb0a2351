"""Snakemake script of rule figure_data: the figure-ready tables, from the runs table and
the chunk records (backprop86.analysis.figure_data)."""

import sys
from pathlib import Path

from backprop86.analysis.collect import read_runs
from backprop86.analysis.figure_data import build, write

sys.stderr = open(snakemake.log[0], "w")  # errors land in the rule's log

tables = build(read_runs(snakemake.input.runs), snakemake.input.records)
folders = {Path(p).parent for p in snakemake.output}
assert len(folders) == 1, "every figure-data table goes to one folder"
write(tables, folders.pop())
for name, table in tables.items():
    print(f"{name}: {len(table)} rows", file=sys.stderr)
