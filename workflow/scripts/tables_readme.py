"""Snakemake script of rule tables_readme: document every column of results/tables/."""

import sys

from backprop86.analysis.columns import tables_readme
from backprop86.atomic import write_text
from backprop86.tasks import TASKS

sys.stderr = open(snakemake.log[0], "w")  # errors land in the rule's log

scores = {task: TASKS[task].score_columns for task in snakemake.params.tasks}
write_text(snakemake.output[0], tables_readme(scores, parquet=snakemake.params.parquet))
