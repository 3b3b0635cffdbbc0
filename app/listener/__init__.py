"""The audience client: feed connection, reconnect supervisor and failover, room channel, state and status models.

It never imports app.controller and never touches a secret (import-linter contracts in pyproject.toml).
"""
