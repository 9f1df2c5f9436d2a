"""Read-only JSON API for Home Affairs systems, authenticated by per-unit API tokens."""
