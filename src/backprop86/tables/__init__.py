"""After training: the chunks gathered into the runs table (:mod:`.collect`), summarised
(:mod:`.summary`, :mod:`.structure`, :mod:`.timings`) with the statistics of :mod:`.stats`,
the grids' tables (:mod:`.grids`), the figures' tables (:mod:`.figure_data`, with the
example nets of :mod:`.examples`, the error curves of :mod:`.curves` and the forward passes
of :mod:`.probes`), and every column documented (:mod:`.columns`). Nothing here trains."""
