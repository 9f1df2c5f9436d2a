"""Administration: units, accounts, role grants, password resets and the audit log."""
