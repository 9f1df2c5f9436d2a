"""xAPI 1.0.3 learning records: statements queued in the database, delivered to an LRS."""
