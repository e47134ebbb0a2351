"""Snakemake script of rule timings_table: the training jobs' benchmark files as a table."""

import sys

from backprop86.analysis.output import write_formats
from backprop86.analysis.timings import timings_table

sys.stderr = open(snakemake.log[0], "w")  # errors land in the rule's log

table = timings_table(snakemake.input.benchmarks, snakemake.params.chunks)
write_formats(table, dict(snakemake.output.items()))
print(f"{len(table)} jobs, {table['wall_s'].sum():.1f} s in all", file=sys.stderr)
