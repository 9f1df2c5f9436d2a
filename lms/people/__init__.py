"""The people directory: officials in the reader's unit subtree (managers, HR, admins)."""
