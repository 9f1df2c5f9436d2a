"""Officials (the users), their role grants, sign-in and the single authorisation helper."""
