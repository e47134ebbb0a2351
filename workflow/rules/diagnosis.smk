# Per-layer diagnostics of one task variant (config key diagnosis): its arms trained with
# the trainer's observer into results/tables/diagnosis/TASK.csv, drawn as
# figures/TASK/diagnosis.png and .pdf (backprop86.run.diagnostics,
# backprop86.figures.diagnosis). Include after common.smk; DIAGNOSIS_TARGETS lists its
# files (empty without a diagnosis).
DIAGNOSIS = PLAN.diagnosis
DIAGNOSIS_TABLE = (
    f"results/tables/diagnosis/{DIAGNOSIS.task}.csv" if DIAGNOSIS else None
)
DIAGNOSIS_FIGURE = f"figures/{DIAGNOSIS.task}/diagnosis" if DIAGNOSIS else None
DIAGNOSIS_TARGETS = (
    [DIAGNOSIS_TABLE, f"{DIAGNOSIS_FIGURE}.png", f"{DIAGNOSIS_FIGURE}.pdf"]
    if DIAGNOSIS
    else []
)

if DIAGNOSIS:

    rule diagnosis:
        input:
            plan=plan_input(),
        output:
            report(
                DIAGNOSIS_TABLE,
                caption="../report/diagnosis_table.rst",
                category="Diagnosis",
            ),
        log:
            f"logs/diagnosis/{DIAGNOSIS.task}.log",
        benchmark:
            f"results/benchmarks/diagnosis/{DIAGNOSIS.task}.tsv"
        conda:
            "../envs/backprop86.yaml"
        threads: 1
        # Only the diagnosis of the plan: a change elsewhere does not rerun it.
        params:
            fingerprint=DIAGNOSIS.fingerprint(),
        shell:
            "backprop86 diagnose --plan {input.plan} --out {output} 2> {log}"

    rule diagnosis_figure:
        input:
            DIAGNOSIS_TABLE,
        output:
            png=report(
                f"{DIAGNOSIS_FIGURE}.png",
                caption="../report/diagnosis.rst",
                category="Diagnosis",
            ),
            pdf=f"{DIAGNOSIS_FIGURE}.pdf",
        log:
            f"logs/{DIAGNOSIS_FIGURE}.log",
        conda:
            "../envs/backprop86.yaml"
        params:
            stem=lambda wildcards, output: os.path.splitext(output.png)[0],
        shell:
            "backprop86 diagnosis-figure {input} --out {params.stem} 2> {log}"
