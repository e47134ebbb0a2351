# From the tables to figures/<task>/<name>.png and .pdf. Rule figure_data opens the chunk
# records once and writes figure-ready tables; every figure rule reads only those and
# results/tables/runs.csv, and draws with the package (backprop86.figures).
from backprop86.analysis.figure_data import TABLES as FIGURE_TABLES
from backprop86.figures import FIGURES, figure_stem, figures_for
from backprop86.tasks import TASKS

FIGURE_DATA = "results/tables/figure_data/{name}.csv"
# (figure, task) of every figure the configured runs call for, and their files.
FIGURE_JOBS = figures_for(r.task for r in PLAN.runs)
FIGURE_TARGETS = [
    f"{figure_stem(name, task)}.{suffix}"
    for name, task in FIGURE_JOBS
    for suffix in ("png", "pdf")
]


rule figure_data:
    input:
        runs="results/tables/runs.csv",
        records=chunk_files(f"{CHUNK}/records.npz"),
    output:
        **{name: FIGURE_DATA.format(name=name) for name in FIGURE_TABLES},
    log:
        "logs/figures/figure_data.log",
    conda:
        "../envs/backprop86.yaml"
    script:
        "../scripts/figures_data.py"


# One rule per figure and task, so that each figure has its own caption in the report.
for fig_name, fig_task in FIGURE_JOBS:

    rule:
        name:
            f"figure_{fig_task}_{FIGURES[fig_name].file}"
        input:
            **{
                t: (
                    "results/tables/runs.csv"
                    if t == "runs"
                    else FIGURE_DATA.format(name=t)
                )
                for t in FIGURES[fig_name].tables
            },
        output:
            png=report(
                f"{figure_stem(fig_name, fig_task)}.png",
                caption=f"../report/fig_{fig_name}.rst",
                category=TASKS[fig_task].title,
                subcategory=FIGURES[fig_name].section,
            ),
            pdf=f"{figure_stem(fig_name, fig_task)}.pdf",
        log:
            f"logs/{figure_stem(fig_name, fig_task)}.log",
        conda:
            "../envs/backprop86.yaml"
        params:
            name=fig_name,
            task=fig_task,
        script:
            "../scripts/figures_draw.py"
