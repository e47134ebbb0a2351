"""Before training: the config checked against its schema and through the package
(:mod:`.schema`, :mod:`.plan`), its grids expanded (:mod:`.grids`), and the one setup of a
task variant (:mod:`.setup`) that everything after it starts from."""
