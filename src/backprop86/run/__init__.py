"""The top of the house: training a task variant by name (:mod:`.experiment`, the only
place that chooses a backend), the per-layer diagnosis (:mod:`.diagnostics`) and the
``backprop86`` command (:mod:`.cli`)."""
