"""Snakemake script of rule summary_table: convergence and sweeps per run and criterion."""

import sys

from backprop86.analysis.collect import read_runs
from backprop86.analysis.output import write_formats
from backprop86.analysis.summary import summarise

sys.stderr = open(snakemake.log[0], "w")  # errors land in the rule's log

table = summarise(read_runs(snakemake.input.runs), snakemake.params.meta)
write_formats(table, dict(snakemake.output.items()))
print(f"{len(table)} rows", file=sys.stderr)
