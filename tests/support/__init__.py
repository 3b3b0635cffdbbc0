"""Test and benchmark support that the installed app does not carry: audio analysis, an RTP tone source, tracks."""
