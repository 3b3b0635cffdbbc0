"""Plaza: a desktop client for live audio rooms served by Janus."""

__version__ = "0.1.0"
