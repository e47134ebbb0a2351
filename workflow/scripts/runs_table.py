"""Snakemake script of rule runs_table: gather the chunks into the runs table."""

import sys

from backprop86.analysis.collect import collect_runs, write_runs

sys.stderr = open(snakemake.log[0], "w")  # errors land in the rule's log

runs = collect_runs(snakemake.input.runs, order=[tuple(p) for p in snakemake.params.order])
write_runs(runs, snakemake.output.csv, snakemake.output.get("parquet"))
print(f"{len(runs)} rows from {len(snakemake.input.runs)} chunks", file=sys.stderr)
