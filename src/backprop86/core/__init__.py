"""The backprop core: networks, the passes, the error, the rule, the criteria, the random
streams, the reference trainer and the records. It knows nothing of tasks, backends,
tables or the pipeline, and imports nothing of the project but its errors and atomic
writes."""
