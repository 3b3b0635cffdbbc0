"""Listener media: RTP/frames in, a playout stage, an audio output driven by its own clock, a recorder.

The playout stage sits between the network and the device: the network pushes decoded frames whenever they
arrive; the output pulls exactly as many samples as its clock consumes. Everything here is plain Python.
"""

SAMPLE_RATE = 48000
CHANNELS = 2
FRAME_SAMPLES = 960  # 20 ms at 48 kHz
