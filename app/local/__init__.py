"""A local room: Janus from the Debian package with Plaza's reference config, plus a demo speaker."""
