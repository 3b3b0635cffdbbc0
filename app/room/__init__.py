"""Rooms: joining a room's feed, its status model, and (later) state, controller and reconnect."""
