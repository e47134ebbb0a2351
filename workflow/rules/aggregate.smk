# From the chunks to the tables of results/tables/ (see results/tables/README.md). A
# table job reruns when its inputs change or when what it reads of the plan does.


rule runs_table:
    input:
        plan=plan_input(),
        runs=chunk_files(f"{CHUNK}/runs.csv"),
    output:
        **table_outputs("runs"),
    log:
        "logs/tables/runs.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        fingerprint=fingerprint_of([r.name for r in PLAN.runs]),
        parquet=parquet_option,
    shell:
        "backprop86 table runs {input.runs} --plan {input.plan} --out {output.csv}"
        " {params.parquet} 2> {log}"


rule summary_table:
    input:
        plan=plan_input(),
        runs="results/tables/runs.csv",
    output:
        **table_outputs("summary"),
    log:
        "logs/tables/summary.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        fingerprint=fingerprint_of(PLAN.run_meta()),
        parquet=parquet_option,
    shell:
        "backprop86 table summary {input.runs} --plan {input.plan} --out {output.csv}"
        " {params.parquet} 2> {log}"


rule structure_table:
    input:
        plan=plan_input(),
        runs="results/tables/runs.csv",
    output:
        **table_outputs("structure"),
    log:
        "logs/tables/structure.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        parquet=parquet_option,
    shell:
        "backprop86 table structure {input.runs} --plan {input.plan} --out {output.csv}"
        " {params.parquet} 2> {log}"


rule timings_table:
    input:
        plan=plan_input(),
        benchmarks=chunk_files(BENCHMARK),
    output:
        **table_outputs("timings"),
    log:
        "logs/tables/timings.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        fingerprint=fingerprint_of(PLAN.chunk_meta()),
        parquet=parquet_option,
    shell:
        "backprop86 table timings {input.benchmarks} --plan {input.plan} --out {output.csv}"
        " {params.parquet} 2> {log}"


rule tables_readme:
    input:
        plan=plan_input(),
    output:
        "results/tables/README.md",
    log:
        "logs/tables/readme.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        fingerprint=fingerprint_of([PLAN.tasks, PLAN.parquet]),
    shell:
        "backprop86 table readme --plan {input.plan} --out {output} 2> {log}"
