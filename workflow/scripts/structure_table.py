"""Snakemake script of rule structure_table: the structure scores summarised per run."""

import sys

from backprop86.analysis.collect import read_runs
from backprop86.analysis.output import write_formats
from backprop86.analysis.structure import summarise_structure
from backprop86.tasks import TASKS

sys.stderr = open(snakemake.log[0], "w")  # errors land in the rule's log

runs = read_runs(snakemake.input.runs)
docs = {name: task.score_columns for name, task in TASKS.items()}
table = summarise_structure(runs, docs)
write_formats(table, dict(snakemake.output.items()))
print(f"{len(table)} rows", file=sys.stderr)
