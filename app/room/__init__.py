"""What the listener client and the room controller share: the room-channel protocol, room errors, backoff."""
