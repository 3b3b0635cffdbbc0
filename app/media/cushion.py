"""The outage-masking playout ("cushion"): RTP Opus packets in, exactly the samples the device asks for out.

The network side `push_packet()`s Opus RTP packets with their arrival time; the output side `pull(n)`s on its own
clock. No clock is read here. Packets wait undecoded on a timeline of content positions (samples; one stream's
RTP timestamp plus an offset); `pull` decodes in order at the playhead, about one 20 ms frame per 20 ms:
- a present packet is decoded; a corrupt one is concealed and counted as a concealed frame;
- a hole of ≤ 100 ms with later content buffered is concealed in place: its last frame from the FEC data of the
  packet after it (when it has any), the others by concealment (app.media.conceal: periodic audio repeats its
  last pitch period at full level, other audio gets libopus's PLC); a longer hole is skipped: a continuation tail
  cross-fades into the content after it, merged in phase (the same splice joins a new stream, whose fresh decoder
  first decodes two frames unheard, and a trim of surplus content);
- with nothing buffered (drained): concealment for 100 ms, then a 50 ms fade to comfort noise (−60 dBFS); when
  packets return, playing restarts once `refill_ms` is buffered (`start_ms` only governs the very first start),
  fading in over 20 ms.
The buffered level is steered to `cushion_target_ms` by pitch-preserving stretch at a rate per class of signal
(app.media.stretch): slow while below the target (from 40 ms under it), fast while more than 40 ms above it.

Counters: `counters`, an `app.media.counters.PlayoutStats`, which says what each one means.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from app.events import Event
from app.media import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE
from app.media.arrivals import ArrivalClock, Stream, unwrap
from app.media.conceal import Concealer, align, continues
from app.media.counters import PlayoutStats
from app.media.opus import OpusDecodeError, OpusStreamDecoder, has_lbrr
from app.media.stretch import Kind, TimeStretcher
from app.media.timeline import MAX_CONCEAL, Timeline

log = logging.getLogger(__name__)

MS = SAMPLE_RATE // 1000  # samples per millisecond
FADE_OUT, FADE_IN, SPLICE = 50 * MS, 20 * MS, 10 * MS
NOISE_RMS = 32768 * 10 ** (-60 / 20)
ABOVE = 40 * MS  # play fast only this far above the target (jitter must not make it hunt)
BELOW = 40 * MS  # and grow again only this far under it
JUMP = 10 * SAMPLE_RATE  # an RTP timestamp this far ahead starts a new stream
LEAD = SAMPLE_RATE // 400  # 2.5 ms of queued audio bent into a repetition that starts after it
PREROLL = 2  # frames a fresh decoder decodes unheard when the content after them is already here
REORDER = 3 * FRAME_SAMPLES  # room left before a stream's first packet for earlier ones arriving late


# The smallest target: a speaker's stage monitor (app.stage) plays at conversational latency with ~100 ms; below
# 60 ms the fresh decoder's pre-roll (2 frames) and one 20 ms device block leave nothing to ride out jitter.
MIN_CUSHION_MS = 60.0


class CushionPlayout:
    """Jitter buffer, Opus FEC/PLC, pitch-preserving cushion control and seamless splices behind `pull(n)`."""

    def __init__(self, *, cushion_ms: float = 1500.0, start_ms: float = 60.0, max_stretch: float = 0.05,
                 decoder_factory: Callable[[], OpusStreamDecoder] = OpusStreamDecoder,
                 refill_ms: float = 60.0) -> None:
        self._lock = threading.Lock()
        self._factory = decoder_factory
        self._start = int(start_ms * MS)
        self._refill = int(min(refill_ms, start_ms) * MS)
        self._max_stretch = max_stretch
        self._target = 0
        # every block handed to the output (after volume and mute): the recorder, tests; on the device's thread
        self.played: Event[[np.ndarray]] = Event("playout blocks")
        self.volume = 1.0
        self.muted = False
        self.first_audio: Event[[]] = Event("first audio")  # once per room: the first audible block, device thread
        self._first_sent = False
        self._clear()
        self.cushion_target_ms = cushion_ms  # clamped to MIN_CUSHION_MS..5000 ms

    def _clear(self) -> None:
        self.counters = PlayoutStats(target_ms=self._target / MS)
        self._timeline = Timeline()  # undecoded packets, all at or after the playhead
        self._stream: Stream | None = None
        self._sids = 0
        self._retired: deque[int] = deque(maxlen=4)
        self._reanchor = False
        self._probe: tuple[int, int] | None = None  # (ssrc, seq) of an unconfirmed timestamp jump
        self._lost_closed = 0
        self._arrivals = ArrivalClock()
        self._last_arrival: float | None = None
        self._q = np.zeros((0, CHANNELS), np.float32)  # decoded, not yet pulled
        self._head = 0  # next content position to decode
        self._playing = False
        self._ever = False  # real audio was produced (comfort noise instead of silence from now on)
        self._gain, self._gain_target = 0.0, 1.0
        self._tail: np.ndarray | None = None  # PLC tail to cross-fade into the next content
        self._drained = 0  # samples concealed since the buffer ran dry
        self._dec: OpusStreamDecoder | None = None
        self._dec_sid = -1
        self._preroll = 0  # frames of a fresh decoder still to decode unheard
        self._growing = True  # growing the cushion towards the target (until it gets there)
        self._failed = False
        self._smooth: float | None = None
        self._stretcher = TimeStretcher(self._max_stretch)
        self._concealer = Concealer()
        self._rng = np.random.default_rng(0)

    # ---------------------------------------------------------------- settings and state
    @property
    def cushion_target_ms(self) -> float:
        return self._target / MS

    @cushion_target_ms.setter
    def cushion_target_ms(self, value: float) -> None:
        with self._lock:
            self._target = int(min(5000.0, max(MIN_CUSHION_MS, float(value))) * MS)
            self.counters.target_ms = self._target / MS

    @property
    def buffered_ms(self) -> float:
        with self._lock:
            return (len(self._q) + self._ahead()) / MS

    @property
    def last_arrival(self) -> float | None:
        """Arrival time of the newest packet (for a media watchdog)."""
        return self._last_arrival

    def stats(self) -> PlayoutStats:
        """A consistent copy of the counters."""
        with self._lock:
            return replace(self.counters)

    def reset(self) -> None:
        """Forget streams, packets, audio and counters (leaving the room). Volume, mute, taps and callbacks stay."""
        with self._lock:
            self._clear()

    def reanchor(self) -> None:
        """A new connection: its first packet starts a new stream, even with the same SSRC."""
        with self._lock:
            self._reanchor = True
            self._retired.clear()

    # ---------------------------------------------------------------- network side
    def push_packet(self, ssrc: int, seq: int, timestamp: int, payload: bytes, arrival: float) -> None:
        """One Opus RTP packet (48 kHz timestamps) that arrived at `arrival` (seconds, monotonic)."""
        with self._lock:
            c = self.counters
            c.packets_received += 1
            self._last_arrival = arrival
            st = self._stream
            if ssrc in self._retired and st is not None and st.ssrc != ssrc and arrival - st.arrival < 0.5:
                c.late_packets += 1  # the old connection's stragglers while the new one is alive
                return
            if st is None or st.ssrc != ssrc or self._reanchor:
                st = self._new_stream(ssrc, seq, timestamp, arrival)
            ext_ts, ext_seq = unwrap(timestamp, st.ts, 32), unwrap(seq, st.seq, 16)
            if st.seen.get(ext_seq) == ext_ts:
                c.duplicate_packets += 1
                return
            if ext_ts - st.ts > JUMP or st.ts - ext_ts > self._target + 3 * SAMPLE_RATE:
                probe, self._probe = self._probe, (ssrc, seq)
                if probe is None or probe[0] != ssrc or not 0 < (seq - probe[1]) % 65536 < 10:
                    c.late_packets += 1  # one packet is no evidence that the sender really jumped
                    return
                st = self._new_stream(ssrc, seq, timestamp, arrival)
                ext_ts, ext_seq = timestamp, seq
            self._probe = None
            st.seen[ext_seq] = ext_ts
            if len(st.seen) > 4096:
                st.seen = {s: t for s, t in st.seen.items() if s > ext_seq - 2048}
            st.unique += 1
            st.seq, st.ts = max(st.seq, ext_seq), max(st.ts, ext_ts)
            st.first_seq = min(st.first_seq, ext_seq)
            c.packets_lost = self._lost_closed + max(0, st.seq - st.first_seq + 1 - st.unique)
            st.arrival = arrival
            self._arrivals.arrived(st, ext_ts, arrival)
            c.jitter_ms, c.drift_ppm = self._arrivals.jitter / MS, self._arrivals.drift_ppm
            pos = st.origin + ext_ts
            if pos < max(self._head, st.floor) or pos in self._timeline:
                c.late_packets += 1
                return
            st.low = min(st.low, pos)
            self._timeline.add(pos, st.sid, payload)
            limit = self._target + 2 * SAMPLE_RATE
            if self._timeline.last - self._head > limit and self._ahead() > limit:
                self._trim()

    def _new_stream(self, ssrc: int, seq: int, timestamp: int, arrival: float) -> Stream:
        old = self._stream
        if old is not None:
            self._lost_closed += max(0, old.seq - old.first_seq + 1 - old.unique)
            # A live stream: what was said between the old stream's last packet and this one never reached us.
            self.counters.content_skipped_ms += max(0.0, (arrival - old.arrival) * 1000.0 - FRAME_SAMPLES / MS)
            if old.ssrc != ssrc:
                self._retired.append(old.ssrc)
        self._reanchor = False
        self._arrivals.restart()
        line = self._timeline
        if self._playing or line:  # follow what is buffered, seamlessly
            floor = anchor = max(line.last + FRAME_SAMPLES if line else 0, self._head)
        else:  # waiting: leave room for packets sent before this one that arrive after it
            floor, anchor = self._head, self._head + REORDER
        self._sids += 1
        self._stream = Stream(self._sids, ssrc, seq, timestamp, anchor - timestamp, floor, anchor, seq)
        return self._stream

    # ---------------------------------------------------------------- the timeline
    def _ahead(self) -> int:
        """Undecoded content ahead of the playhead, counting holes that will be concealed, not those skipped."""
        return self._timeline.ahead(self._head, self._playing)

    def _skip_to(self, pos: int, masked: bool) -> None:
        """Jump the playhead over content that will not be played; the next content is spliced on."""
        skipped = max(0, pos - self._head) / MS
        self.counters.content_skipped_ms += skipped
        if masked:
            self.counters.masked_gap_ms += skipped
        self._splice_tail()
        self._head = pos
        self._timeline.drop_before(pos)

    def catch_up(self) -> None:
        """Drop what is buffered beyond the target: a feed that was received but not played (a speaker on stage)
        returns at the cushion's depth, not behind it."""
        with self._lock:
            if self._timeline and self._ahead() > self._target:
                self._trim()

    def _trim(self) -> None:
        """Far more buffered than wanted (a burst, a stalled output): drop the oldest, keep the target."""
        line = self._timeline
        newest = line.at_or_after(line.last + FRAME_SAMPLES - self._target)
        self._skip_to(line.last if newest is None else newest, masked=False)

    def _splice_tail(self) -> None:
        if self._tail is None and self._playing and self._gain > 0:
            self._lead_in()
            self._tail = self._concealer.tail(SPLICE)

    def _lead_in(self) -> None:
        """Bend the end of the queue into the period about to be repeated (see Concealer.lead_in)."""
        m = min(len(self._q), LEAD)
        if m:
            self._q[len(self._q) - m :] = self._concealer.lead_in(self._q[len(self._q) - m :])

    # ---------------------------------------------------------------- output side
    def pull(self, n: int) -> np.ndarray:
        """Exactly `n` samples (int16, shape (n, CHANNELS)) after volume and mute; never raises."""
        n, first = max(0, int(n)), False
        try:
            with self._lock:
                block = self._render(n)
                first, self._first_sent = self._ever and not self._first_sent, self._first_sent or self._ever
            gain = 0.0 if self.muted else min(1.0, max(0.0, float(self.volume)))
            out = np.clip(np.rint(block * gain), -32768, 32767).astype(np.int16)
        except Exception:
            log.log(logging.DEBUG if self._failed else logging.ERROR, "playout failed; playing silence", exc_info=True)
            self._failed, out = True, np.zeros((n, CHANNELS), np.int16)
        self.played.emit(out)
        if first:
            self.first_audio.emit()
        return out

    def _render(self, n: int) -> np.ndarray:
        while len(self._q) < n + (FRAME_SAMPLES if self._playing else 0):
            self._step(n)
        block, self._q = self._q[:n], self._q[n:]
        c = self.counters
        c.cushion_ms = (len(self._q) + self._ahead()) / MS
        c.protection_ms = c.cushion_ms + MAX_CONCEAL / MS if self._playing and self._gain_target > 0 else 0.0
        return block

    def _noise(self, k: int) -> np.ndarray:
        return (self._rng.standard_normal((k, CHANNELS)) * NOISE_RMS).astype(np.float32)

    def _step(self, n: int) -> None:
        """Append at least one sample to the queue."""
        c = self.counters
        if not self._playing and not self._start_playing(n):  # waiting: silence before first audio, then noise
            k = n - len(self._q)
            self._q = np.concatenate((self._q, self._noise(k) if self._ever else np.zeros((k, CHANNELS), np.float32)))
            c.audible_gap_ms += k / MS if self._ever and not self.muted else 0.0
            return
        line = self._timeline
        packet = line.take(self._head)
        if packet is not None:
            if packet[0] != self._dec_sid:  # a new stream: a fresh decoder, spliced onto what was played
                self._splice_tail()
                self._dec, self._dec_sid, self._preroll, self._concealer.easing = self._factory(), packet[0], PREROLL, 0
            self._gain_target, self._drained = 1.0, 0
            try:
                pcm = self._decoder().decode(packet[1])
            except OpusDecodeError:  # corrupt: conceal it like a loss
                return self._conceal(FRAME_SAMPLES, masked=True)
            if self._preroll > 0 and self._head + len(pcm) in line and self._ahead() >= 4 * FRAME_SAMPLES:
                # A fresh decoder's first frames are wrong (its energy prediction has no past: −5 dB error in the
                # first frame, −17 dB in the second): decode them unheard, as Ogg Opus pre-roll does after a seek,
                # if ≥ 3 frames follow (`_ahead()` counts this one): a 60 ms start keeps 60 ms, 100 ms pre-rolls 2.
                self._preroll -= 1
                self._head += len(pcm)
                line.drop_before(self._head)  # (packets stamped closer than their frames: overrun, as in _emit)
                self.counters.content_skipped_ms += len(pcm) / MS if self._ever else 0.0  # joining: no loss
                return None
            self._preroll = 0
            return self._emit(pcm, real=True, content=True)
        if not line:  # drained: PLC for 100 ms, then fade to comfort noise and wait
            self._drained += FRAME_SAMPLES
            if self._drained > MAX_CONCEAL:
                self._gain_target = 0.0
                c.audible_gap_ms += 0.0 if self.muted else FRAME_SAMPLES / MS
                c.audible_gaps += not self.muted and self._drained <= MAX_CONCEAL + FRAME_SAMPLES  # its first frame
            self._conceal(FRAME_SAMPLES, masked=self._drained <= MAX_CONCEAL)
            if self._gain <= 0.0:
                self._playing, self._drained = False, 0
            return
        hole = line.first - self._head
        if hole > MAX_CONCEAL or hole < 120:  # too long to conceal (or not a whole Opus frame): splice over it
            return self._skip_to(line.first, masked=self._gain_target > 0)
        size, (sid, data) = min(hole, FRAME_SAMPLES) // 120 * 120, line.first_packet()
        self._gain_target = 1.0
        # The frame just before a packet: from its FEC data, if it carries any (SILK codes LBRR only for frames its
        # VAD calls speech; without it libopus would do its own PLC, which sags on a tone: ours does not).
        if hole <= FRAME_SAMPLES and sid == self._dec_sid and has_lbrr(data):
            try:
                pcm = self._decoder().recover(data, size)
                c.fec_recoveries += 1
                c.masked_gap_ms += size / MS
                return self._emit(pcm, real=False, content=True)
            except OpusDecodeError:
                pass
        self._conceal(size, masked=True)

    def _decoder(self) -> OpusStreamDecoder:
        if self._dec is None:
            self._dec = self._factory()
        return self._dec

    def _conceal(self, size: int, masked: bool) -> None:
        self.counters.concealed_frames += 1
        self.counters.masked_gap_ms += size / MS if masked else 0.0
        if self._concealer.repeats():  # libopus's PLC goes on from the decoded end, which must stay as it was
            self._lead_in()
        repeated = self._concealer.conceal(size)
        if repeated is None:  # not periodic: libopus's PLC (good on speech), and the decoder knows of the loss
            self._emit(self._decoder().conceal(size), real=False)
            return
        self._emit(repeated, real=False)
        self._tail = self._concealer.tail(SPLICE)  # what comes next is merged onto the repeated period

    def _start_playing(self, n: int) -> bool:
        """Start (again) once `start_ms` is buffered, or the pull's block and a frame if the output pulls more."""
        start = self._refill if self._ever else self._start
        line = self._timeline
        if line.span() < max(start, n + FRAME_SAMPLES):
            return False
        first = line.first
        low = self._stream.low if self._stream is not None else first
        self.counters.content_skipped_ms += max(0, first - max(self._head, low)) / MS
        self._head, self._playing, self._tail = first, True, None
        self._gain_target, self._drained, self._smooth = 1.0, 0, None
        return True

    def _emit(self, pcm: np.ndarray, real: bool, content: bool = False) -> None:
        """Queue audio at the playhead: splice, fade and stretch it as needed.

        `real`: decoded from a packet that arrived; `content`: decoded (arrived, or rebuilt from FEC), not made up.
        """
        self._head += len(pcm)
        self._timeline.drop_before(self._head)
        x = pcm.astype(np.float32)
        spliced = self._tail is not None
        if self._tail is not None and content:  # start the content where it continues the concealment (NetEQ's merge)
            skip = align(self._tail, x)
            x = x[skip:]
            self.counters.content_skipped_ms += skip / MS
            self._concealer.easing *= continues(self._tail, x)  # a new sound (an onset) keeps its level
        x = self._concealer.ease(x) if content else x  # libopus resumes loud after a loss it was not told of
        if self._tail is not None:
            k = min(len(self._tail), len(x))
            w = np.linspace(0.0, 1.0, k + 2, dtype=np.float32)[1:-1, None]
            x[:k] = self._tail[:k] * (1 - w) + x[:k] * w
            self._tail = None
        if self._gain != self._gain_target:
            step = 1.0 / FADE_IN if self._gain_target > self._gain else -1.0 / FADE_OUT
            g = np.clip(self._gain + step * np.arange(1, len(x) + 1, dtype=np.float32), 0.0, 1.0)[:, None]
            x = x * g + self._noise(len(x)) * (1 - g)
            self._gain = float(g[-1, 0])
        self._ever = self._ever or real
        self._concealer.played(x, content)
        if not real or spliced or self._gain < 1.0:
            self._q = np.concatenate((self._q, x))
            return
        level = float(len(self._q) + self._ahead())
        self._smooth = level if self._smooth is None else self._smooth + 0.1 * (level - self._smooth)
        # Grow from BELOW under the target up to it, then rest: a level hovering just under the target would keep
        # the stretch analysing every frame for a few ms a second (py-spy: 17 % of the window's CPU).
        if self._smooth < self._target - BELOW:
            self._growing = True
        elif self._smooth >= self._target:
            self._growing = False
        direction = 1 if self._growing else -1 if self._smooth > self._target + ABOVE else 0
        # The cushion where it should be, most frames: nothing to stretch and no counter changes, so skip the
        # stretcher's region copy and the counters' update (benchmarks.playout_cost, steady state: 275 → 227 µs a
        # frame; a swarm listener's pull and decode were ~60 % of its CPU).
        if direction == 0:
            self._q = np.concatenate((self._q, x))
            return
        keep = max(0, len(self._q) - FRAME_SAMPLES)
        region = np.concatenate((self._q[keep:], x))
        self._q = np.concatenate((self._q[:keep], self._stretcher.process(region, len(x), direction)))
        for kind in (Kind.QUIET, Kind.PERIODIC, Kind.OTHER, Kind.ONSET):
            setattr(self.counters, f"{kind.value}_ms", self._stretcher.seen[kind] / MS)
            setattr(self.counters, f"{kind.value}_stretch_ms", self._stretcher.stretched[kind] / MS)
