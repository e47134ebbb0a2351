# Reproduce Rumelhart, Hinton & Williams (1986): resolve the config into a plan, train
# every configured run in chunks of seeds, gather and summarise them in results/tables/,
# draw the figures and write the report. See config/README.md and docs/architecture.md.
from snakemake.utils import min_version

min_version("9.0")


# A config file given with --configfile replaces this one instead of extending it, so
# every config file (config/test.yaml too) is complete on its own; --config KEY=VALUE
# still changes single keys of whichever file is in use.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


# Stops here, with one line naming the key, if the config is wrong in any way; else
# writes results/plan.json, which every job reads, when the plan has changed.
PLAN = validated_plan(config)


include: "workflow/rules/train.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/diagnosis.smk"
include: "workflow/rules/grids.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        final_targets(),
        FIGURE_TARGETS,
        REPORT_TARGETS,
        DIAGNOSIS_TARGETS,
