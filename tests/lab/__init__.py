"""The network-namespace lab: Janus in one namespace, the client in another (ICE cannot use loopback)."""
