"""Citizen digital-skills sessions run by schools: join codes, participants, live results."""
