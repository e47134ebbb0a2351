# The paper-comparison report: the papers' printed nets run forward into a table, then
# results/report/ from the tables, the claims ledger (backprop86/data/claims.yaml) and
# the figures. Include after common.smk, aggregate.smk and figures.smk; rule all asks
# for REPORT_TARGETS.
from backprop86.figures import figure_stem
from backprop86.report.build import ABLATIONS, CLAIMS, REPORT, TASK_CLAIMS
from backprop86.report.ledger import default_path, load_ledger
from backprop86.tables.probes import printed_nets_fingerprint
from backprop86.tasks import TASKS

LEDGER = load_ledger()
REPORT_DIR = "results/report"
PAPER_WEIGHTS = "results/tables/paper_weights.csv"
REPORT_TARGETS = [PAPER_WEIGHTS, f"{REPORT_DIR}/{REPORT}"]
# The PNG of every figure a claim shows, for the tasks this config trains (the others
# are not drawn).
REPORT_FIGURES = sorted(
    {
        f"{figure_stem(name, c.task)}.png"
        for c in LEDGER.claims
        for name in c.figures
        if c.task in PLAN.tasks
    }
)
# The report's files, each marked for the HTML report: the Markdown report and the tidy
# tables under Report, each task's claims beside its figures.
REPORT_OUTPUTS = {
    "md": report(
        f"{REPORT_DIR}/{REPORT}", caption="../report/report_md.rst", category="Report"
    ),
    "claims": report(
        f"{REPORT_DIR}/{CLAIMS}",
        caption="../report/report_claims.rst",
        category="Report",
    ),
    "ablations": report(
        f"{REPORT_DIR}/{ABLATIONS}",
        caption="../report/report_ablations.rst",
        category="Report",
    ),
    **{
        f"claims_{task}": report(
            f"{REPORT_DIR}/{TASK_CLAIMS.format(task=task)}",
            caption="../report/report_task_claims.rst",
            category=TASKS[task].title,
            subcategory="Claims",
        )
        for task in LEDGER.tasks()
    },
}


rule paper_weights_table:
    output:
        report(
            PAPER_WEIGHTS,
            caption="../report/report_paper_weights.rst",
            category="Tables",
        ),
    log:
        "logs/tables/paper_weights.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        fingerprint=printed_nets_fingerprint(),
    shell:
        "backprop86 paper-weights --out {output} 2> {log}"


rule report:
    input:
        plan=plan_input(),
        runs="results/tables/runs.csv",
        summary="results/tables/summary.csv",
        structure="results/tables/structure.csv",
        timings="results/tables/timings.csv",
        paper_weights=PAPER_WEIGHTS,
        ledger=str(default_path()),
        figures=REPORT_FIGURES,
    output:
        **REPORT_OUTPUTS,
    log:
        "logs/report/report.log",
    conda:
        "../envs/backprop86.yaml"
    # The runs' settings (what each ablation changes) and the provenance come from the
    # plan: a change to it reruns the report.
    params:
        fingerprint=PLAN.fingerprint(),
        tables=lambda wildcards, input: os.path.dirname(input.runs),
        out=lambda wildcards, output: os.path.dirname(output.md),
    shell:
        "backprop86 report --plan {input.plan} --tables {params.tables}"
        " --out {params.out} 2> {log}"
