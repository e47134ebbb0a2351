"""The paper-comparison report: the claims ledger, measured from the pipeline's tables,
judged by a closed set of verdict rules, written as ``results/report/report.md``.

One job per module:

* :mod:`.ledger`: load and check the claims ledger (``backprop86/data/claims.yaml``);
* :mod:`.references`: check that every run, column and figure it names exists;
* :mod:`.measure`: the statistics a claim may name, from the tables;
* :mod:`.rules`: the verdict rules;
* :mod:`.assess`: claims to verdicts, ablations to comparisons;
* :mod:`.markdown`, :mod:`.outputs`, :mod:`.provenance`: what the report says;
* :mod:`.build` (``backprop86 report``): all of it, for the pipeline;
* :mod:`.reproduce` (``backprop86 what-it-takes``): what it takes to reproduce the
  claims the printed recipe misses, from the grids.
"""

from .ledger import Ledger, load_ledger
from .rules import VERDICTS

__all__ = ["Ledger", "VERDICTS", "load_ledger"]
