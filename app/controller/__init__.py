"""The room controller, a separate program that holds a room's secrets: it polls the stage and the feed's viewer
count, announces coalesced room state on the channel, and carries out host actions. Only this package touches the
OS keyring (import-linter contracts in pyproject.toml).
"""
