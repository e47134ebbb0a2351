# One job trains one chunk of a run's seeds with the package's command line, from the
# run's settings in the plan. A network's result depends only on its seed, so the
# chunking never changes the numbers.


rule train_chunk:
    input:
        plan=plan_input(),
    output:
        runs=f"{CHUNK}/runs.csv",
        records=f"{CHUNK}/records.npz",
    log:
        "logs/train/{task}/{variant}/chunk-{chunk}.log",
    benchmark:
        BENCHMARK
    wildcard_constraints:
        **planned_chunks(),
    conda:
        "../envs/backprop86.yaml"
    # numpy on one core: Snakemake sets OMP/OpenBLAS/MKL threads to this, so N cores run
    # N chunks at once instead of fighting over BLAS threads.
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        fingerprint=run_fingerprint,
        out=lambda wildcards, output: os.path.dirname(output.runs),
    # Progress (seeds done) goes to the terminal and to the log.
    shell:
        "backprop86 train-chunk --plan {input.plan} --run {wildcards.task}/{wildcards.variant}"
        " --chunk {wildcards.chunk} --expect {params.fingerprint} --out {params.out}"
        " 2>&1 | tee {log}"
