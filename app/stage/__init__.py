"""Speakers: the stage connection (microphone up, mix-minus down) and the session that goes on and off stage."""
