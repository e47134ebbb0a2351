# From the tables to figures/<task>/<name>.png and .pdf. Rule figure_data opens the chunk
# records once and writes figure-ready tables; every figure rule reads only those and
# results/tables/runs.csv, and draws with the package (backprop86.figures).
from backprop86.figures import FIGURES, figure_stem, figures_for
from backprop86.tables.figure_data import TABLES as FIGURE_TABLES
from backprop86.tasks import TASKS

FIGURE_DATA = "results/tables/figure_data/{name}.csv"
# (figure, task) of every figure the configured runs call for, and their files.
FIGURE_JOBS = figures_for(PLAN.tasks)
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
    params:
        out=lambda wildcards, output: os.path.dirname(output[0]),
    shell:
        "backprop86 figure-data --runs {input.runs} --out {params.out} {input.records}"
        " 2> {log}"


# One rule per figure and task, so that each figure has its own caption in the report.
for fig_name, fig_task in FIGURE_JOBS:

    rule:
        name:
            f"figure_{fig_task}_{FIGURES[fig_name].file}"
        input:
            runs="results/tables/runs.csv",
            data=[
                FIGURE_DATA.format(name=t)
                for t in FIGURES[fig_name].tables
                if t != "runs"
            ],
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
            data=lambda wildcards, input: os.path.dirname(input.data[0]),
            stem=lambda wildcards, output: os.path.splitext(output.png)[0],
        shell:
            "backprop86 figure {params.name} --task {params.task} --runs {input.runs}"
            " --data {params.data} --out {params.stem} 2> {log}"
