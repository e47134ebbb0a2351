"""What the pipeline does around training: check the config and cut it into jobs
(:mod:`.plan`, :mod:`.schema`), gather the chunks into one runs table (:mod:`.collect`),
summarise it (:mod:`.summary`, :mod:`.structure`, :mod:`.timings`) with the statistics of
:mod:`.stats`, and write the tables (:mod:`.output`). Every table column is documented in
:mod:`.columns`.

The Snakemake rules call these functions; the workflow holds no statistics of its own.
"""
