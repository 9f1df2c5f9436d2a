"""Completion certificates: issued on completion, signed PDFs, public verification, and the e-signature lab."""
