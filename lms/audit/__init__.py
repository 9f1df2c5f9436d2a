"""Audit log: who changed what, when. Append-only."""
