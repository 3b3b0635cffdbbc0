"""What the outage-masking playout counts, defined once: the cushion fills it, the listener reports it, the
terminal (`--stats`) and the window's connection details show it. Times in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PlayoutStats:
    """The playout's counters (a live object inside the playout; `CushionPlayout.stats()` gives a copy)."""

    # decoded and undecoded audio ahead of the output, not counting holes > 100 ms
    cushion_ms: float = 0.0
    # the cushion the playout is growing or shrinking towards
    target_ms: float = 0.0
    # how long an outage the listener would not hear right now: the cushion plus 100 ms of concealment (0 while
    # not playing)
    protection_ms: float = 0.0
    # missing content the listener did not hear as a gap: frames concealed in place (FEC or PLC, including the
    # first 100 ms of a drain and corrupt payloads) plus holes skipped by a splice while playing
    masked_gap_ms: float = 0.0
    # output time, after first audio and while not muted, that was not the room at full level: the fade to
    # comfort noise and the noise itself (the fade-in on return counts as the room)
    audible_gap_ms: float = 0.0
    # how many such gaps began: a drain that outlasted the concealment (a `plaza swarm` summary counts them)
    audible_gaps: int = 0
    # content positions jumped over without being played: skipped holes, the part of an outage not yet concealed
    # when playing restarts after a drain, trims of a buffer more than 2 s above the target; across a reconnect
    # (a new stream) estimated from arrival times: the time between the old stream's last packet and the new
    # stream's first, less one frame (the content was live, so that much was said meanwhile)
    content_skipped_ms: float = 0.0
    # PLC calls for missing or corrupt frames, including the drain's fade; splice tails excluded
    concealed_frames: int = 0
    # frames rebuilt from the FEC data in the packet after them (only when it has LBRR data; otherwise libopus
    # conceals and the frame counts as concealed)
    fec_recoveries: int = 0
    # sender clock rate − ours, least squares over the lowest transit time of each second (last 120 s)
    drift_ppm: float = 0.0
    # every push
    packets_received: int = 0
    # expected from the sequence numbers − distinct received (a late packet is not lost)
    packets_lost: int = 0
    # behind the playhead, an old SSRC's while the new one is alive, or the one packet held back to confirm a
    # timestamp jump
    late_packets: int = 0
    # same sequence number and timestamp again
    duplicate_packets: int = 0
    # RFC 3550 interarrival jitter
    jitter_ms: float = 0.0
    # audio the stretch looked at while growing or shrinking the cushion, per class of signal
    # (app.media.stretch.Kind), and how much it added (+) or removed (−) in each: the stretch rate per class
    quiet_ms: float = 0.0
    quiet_stretch_ms: float = 0.0
    periodic_ms: float = 0.0
    periodic_stretch_ms: float = 0.0
    other_ms: float = 0.0
    other_stretch_ms: float = 0.0
    onset_ms: float = 0.0
    onset_stretch_ms: float = 0.0  # always 0: onsets are never edited
