# One job trains one chunk of a run's seeds with the package's command line. A network's
# result depends only on its seed, so the chunking never changes the numbers.


rule train_chunk:
    output:
        runs=f"{CHUNK}/runs.csv",
        records=f"{CHUNK}/records.npz",
    log:
        "logs/train/{task}/{variant}/chunk-{chunk}.log",
    benchmark:
        BENCHMARK
    conda:
        "../envs/backprop86.yaml"
    # numpy on one core: Snakemake sets OMP/OpenBLAS/MKL threads to this, so N cores run
    # N chunks at once instead of fighting over BLAS threads.
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        variant=lambda wildcards: chunk_run(wildcards).variant,
        seeds=train_seeds,
        sets=train_sets,
        backend=PLAN.backend,
        out=lambda wildcards, output: os.path.dirname(output.runs),
    # Progress (seeds done) goes to the terminal and to the log. A hard kill can leave a
    # temporary file of the atomic writes behind: it is cleared first.
    shell:
        "rm -f {params.out}/.*.tmp; "
        "backprop86 train {wildcards.task} --variant {params.variant}"
        " --label {wildcards.variant} --seeds {params.seeds} {params.sets}"
        " --backend {params.backend} --out {params.out} 2>&1 | tee {log}"
