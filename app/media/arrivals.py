"""What the playout knows of one incoming RTP stream, and the arrival statistics it keeps (jitter, clock drift)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from app.media import SAMPLE_RATE


@dataclass
class Stream:
    """One sender's packets (an SSRC, or the same SSRC after a reconnect) placed on the playout's timeline."""

    sid: int
    ssrc: int
    seq: int  # highest extended sequence number
    ts: int  # highest extended timestamp
    origin: int  # timeline position = origin + extended timestamp
    floor: int  # positions below this belong to what came before
    low: int  # lowest position received
    first_seq: int
    unique: int = 0
    arrival: float = 0.0
    transit: float | None = None
    seen: dict[int, int] = field(default_factory=dict)  # extended seq -> extended timestamp, recent ones


def unwrap(value: int, ref: int, bits: int) -> int:
    """`value` (mod 2**bits) extended to the integer nearest `ref`."""
    half = 1 << (bits - 1)
    return ref + (value - ref + half) % (1 << bits) - half


class ArrivalClock:
    """RFC 3550 interarrival jitter, and the sender's clock drift from the lowest transit time of each second."""

    def __init__(self) -> None:
        self.jitter = 0.0  # samples
        self.drift_ppm = 0.0
        self._bins: deque[tuple[int, float, float]] = deque(maxlen=120)  # (second, arrival, min transit)

    def restart(self) -> None:
        """A new stream: its transit times are on another base."""
        self._bins.clear()

    def arrived(self, st: Stream, ext_ts: int, arrival: float) -> None:
        transit = arrival * SAMPLE_RATE - ext_ts
        if st.transit is not None:
            self.jitter += (abs(transit - st.transit) - self.jitter) / 16
        st.transit = transit
        second, delay = int(arrival), transit / SAMPLE_RATE
        if self._bins and self._bins[-1][0] == second:
            if delay < self._bins[-1][2]:
                self._bins[-1] = (second, arrival, delay)
            return
        self._bins.append((second, arrival, delay))
        if len(self._bins) >= 10:
            x = np.array([b[1] for b in self._bins])
            y = np.array([b[2] for b in self._bins])
            x -= x.mean()
            self.drift_ppm = float(-(x @ (y - y.mean())) / (x @ x) * 1e6)
