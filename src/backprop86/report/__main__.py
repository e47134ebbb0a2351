"""Write the report from the tables: ``results/report/report.md`` and its tables.

Command line (the pipeline's ``report`` rule)::

    python -m backprop86.report --tables results/tables --config-json CONFIG \
        --out results/report

``CONFIG`` is the pipeline's config as JSON (for the runs' settings and the provenance);
the pipeline checked it when it started, so ``--schema`` (check it again) is optional.
Figures of ``figures/<task>/`` that exist are shown beside their claims.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..analysis.plan import make_plan
from ..analysis.schema import load_schema
from ..atomic import write_table, write_text
from ..errors import ConfigError
from .build import build_report, read_tables


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backprop86.report",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--tables", required=True, help="folder of the pipeline's tables")
    parser.add_argument("--config-json", required=True, help="the pipeline's config as JSON")
    parser.add_argument("--schema", help="check the config against this JSON schema first")
    parser.add_argument("--out", required=True, help="folder to write the report to")
    parser.add_argument("--ledger", help="a claims ledger other than the package's")
    parser.add_argument("--root", default=".", help="the workflow folder (figures, git)")
    args = parser.parse_args(argv)
    try:
        config = json.loads(args.config_json)
        # An empty schema accepts any config: the pipeline validated it already.
        plan = make_plan(config, load_schema(args.schema) if args.schema else {})
        tables = read_tables(Path(args.tables))
        files = build_report(tables, plan, config, Path(args.out), Path(args.root),
                             args.ledger)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path, content in files.items():
        if isinstance(content, str):
            write_text(path, content)
        else:
            write_table(content, path)
    print(f"wrote {len(files)} files to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
