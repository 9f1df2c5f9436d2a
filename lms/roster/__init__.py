"""Roster import: officials (and their units) from the CSV or XLSX files HR offices keep."""
