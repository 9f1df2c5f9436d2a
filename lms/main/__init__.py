"""The home page each official lands on, and the health check."""
