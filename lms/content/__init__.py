"""Courses as files: loading and checking course folders, rendering lessons, syncing to the DB."""
