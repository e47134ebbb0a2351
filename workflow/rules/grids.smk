# Named parameter grids (config key grids): every point is a run trained by train_chunk;
# each grid's tables go to results/tables/grids/NAME/, and the report's section "What it
# takes to reproduce" (results/report/what_it_takes.md) searches them. Not part of rule
# all: `snakemake --cores all grids` trains and writes them. Include after common.smk,
# train.smk and diagnosis.smk; its input functions are in common.smk.
WHAT_IT_TAKES = "results/report/what_it_takes.md"


rule grid_tables:
    input:
        plan=plan_input(),
        chunks=grid_chunk_files,
    output:
        runs=f"{GRID_DIR}/runs.csv",
        summary=report(
            f"{GRID_DIR}/summary.csv",
            caption="../report/grid_summary.rst",
            category="Grids",
        ),
        structure=f"{GRID_DIR}/structure.csv",
    log:
        "logs/grids/{grid}.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        fingerprint=lambda wildcards: grid_fingerprint(PLAN.grid(wildcards.grid)),
        out=lambda wildcards, output: os.path.dirname(output.runs),
    shell:
        "backprop86 grid-tables --plan {input.plan} --grid {wildcards.grid}"
        " --out {params.out} {input.chunks} 2> {log}"


rule what_it_takes:
    input:
        plan=plan_input(),
        tables=grid_targets(),
        diagnosis=DIAGNOSIS_TABLE or [],
        figure=f"{DIAGNOSIS_FIGURE}.png" if DIAGNOSIS_FIGURE else [],
    output:
        report(
            WHAT_IT_TAKES,
            caption="../report/grid_what_it_takes.rst",
            category="Report",
        ),
    log:
        "logs/report/what_it_takes.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        fingerprint=fingerprint_of([grid_fingerprint(g) for g in PLAN.grids]),
        grids=lambda wildcards, input: os.path.dirname(os.path.dirname(input.tables[0])),
        diagnosis=lambda wildcards, input: (
            f"--diagnosis {input.diagnosis} --figure {input.figure}"
            if input.diagnosis
            else ""
        ),
    shell:
        "backprop86 what-it-takes --plan {input.plan} --grids {params.grids}"
        " {params.diagnosis} --out {output} 2> {log}"


# The one command for the grids: snakemake --cores all grids
rule grids:
    input:
        grid_targets(),
        WHAT_IT_TAKES if PLAN.grids else [],
