# The config resolved once into results/plan.json: every run, grid point and diagnosis
# arm with its settings resolved and checked (`backprop86 plan`). Every later job reads
# it; none parses settings from strings. It is rewritten when the config, or a default
# of the package, changes what is planned (the fingerprint).


rule plan:
    input:
        schema=SCHEMA,
    output:
        PLAN_FILE,
    log:
        "logs/plan.log",
    conda:
        "../envs/backprop86.yaml"
    params:
        config=json.dumps(config),
        fingerprint=PLAN.fingerprint(),
    shell:
        "backprop86 plan --config-json {params.config:q} --schema {input.schema}"
        " --out {output} 2> {log}"
