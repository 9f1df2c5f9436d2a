"""Year-end emulation scoring: a province's policy turns course results into indicators."""
