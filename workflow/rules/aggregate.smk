# From the chunks to the tables of results/tables/ (see results/tables/README.md).


rule runs_table:
    input:
        runs=chunk_files(f"{CHUNK}/runs.csv"),
    output:
        **table_outputs("runs"),
    log:
        "logs/tables/runs.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        order=run_order(),
    script:
        "../scripts/runs_table.py"


rule summary_table:
    input:
        runs="results/tables/runs.csv",
    output:
        **table_outputs("summary"),
    log:
        "logs/tables/summary.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        meta=PLAN.run_meta(),
    script:
        "../scripts/summary_table.py"


rule structure_table:
    input:
        runs="results/tables/runs.csv",
    output:
        **table_outputs("structure"),
    log:
        "logs/tables/structure.log",
    conda:
        "../envs/backprop86.yaml"
    script:
        "../scripts/structure_table.py"


rule timings_table:
    input:
        benchmarks=chunk_files(BENCHMARK),
    output:
        **table_outputs("timings"),
    log:
        "logs/tables/timings.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        chunks=PLAN.chunk_meta(),
    script:
        "../scripts/timings_table.py"


rule tables_readme:
    output:
        "results/tables/README.md",
    log:
        "logs/tables/readme.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        tasks=sorted({r.task for r in PLAN.runs}),
        parquet=PLAN.parquet,
    script:
        "../scripts/tables_readme.py"
