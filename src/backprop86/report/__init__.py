"""The paper-comparison report: the claims ledger, measured from the pipeline's tables,
judged by a closed set of verdict rules, written as ``results/report/report.md``.

One job per module:

* :mod:`.ledger`: load and check the claims ledger (``backprop86/data/claims.yaml``);
* :mod:`.references`: check that every run, column and figure it names exists;
* :mod:`.paper_weights`: the papers' printed nets run forward (a table of the pipeline);
* :mod:`.measure`: the statistics a claim may name, from the tables;
* :mod:`.rules`: the verdict rules;
* :mod:`.assess`: claims to verdicts, ablations to comparisons;
* :mod:`.markdown`, :mod:`.outputs`, :mod:`.provenance`: what the report says;
* :mod:`.build`, ``python -m backprop86.report``: all of it, for the pipeline.
"""

from .ledger import Ledger, load_ledger
from .rules import VERDICTS

__all__ = ["Ledger", "VERDICTS", "load_ledger"]
