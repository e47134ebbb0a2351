"""Snakemake script of the figure rules: draw one figure from its tables
(backprop86.figures) as PNG and PDF."""

import sys

from backprop86.figures.__main__ import draw

sys.stderr = open(snakemake.log[0], "w")  # errors land in the rule's log

written = draw(snakemake.params.name, dict(snakemake.input.items()), snakemake.output.png,
               snakemake.params.task)
print("wrote " + ", ".join(map(str, written)), file=sys.stderr)
