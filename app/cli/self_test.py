"""`plaza --self-test`: check, in the running build, what a frozen build most often loses.

One line per check, `PASS name (n ms)` (with a note after a colon where there is something to say) or
`FAIL name: reason`, then a closing line; the exit code is 1 when any check failed. Nothing leaves this machine:
the WebRTC check gathers host candidates only (no STUN server, no remote candidate, so no connectivity check), and
the keyring check reads no entry (a read may ask the user to unlock the keyring).

The Qt checks run in a child process (`plaza --self-test=qt,translations`): a Qt platform plugin that cannot load
aborts the process, and the report must still say so. Naming checks (`--self-test=opus,webrtc`) runs just those, in
this process; benchmarks/package.py times `--self-test=qt` as the cold start to a shown window.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from app import __version__

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
CHILD_TIMEOUT_S = 60.0


class CheckFailed(Exception):
    """A check's verdict; the message is the reason on its FAIL line."""


@dataclass(frozen=True)
class Outcome:
    name: str
    ok: bool
    ms: float
    text: str  # the note of a PASS, the reason of a FAIL

    def line(self) -> str:
        if not self.ok:
            return f"FAIL {self.name}: {self.text}"
        return f"PASS {self.name} ({self.ms:.0f} ms)" + (f": {self.text}" if self.text else "")


def _one_line(text: str, limit: int = 400) -> str:
    """One line; a long message keeps its start and its end (where e.g. numpy says what the real error was)."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else f"{flat[:120]} … {flat[-(limit - 123):]}"


def run_check(name: str, check: Callable[[], str]) -> Outcome:
    """Run one check: its note, or why it failed (any exception: an import error is the typical frozen-build loss)."""
    started = time.perf_counter()
    try:
        note = check()
    except CheckFailed as exc:
        return Outcome(name, False, (time.perf_counter() - started) * 1000, _one_line(str(exc)))
    except Exception as exc:
        return Outcome(name, False, (time.perf_counter() - started) * 1000,
                       _one_line(f"{type(exc).__name__}: {exc}"))
    return Outcome(name, True, (time.perf_counter() - started) * 1000, _one_line(note))


# ------------------------------------------------------------------------------------------------ the checks
def check_qt() -> str:
    from app.ui.self_check import check_qt as qt

    return qt()


def check_translations() -> str:
    from app.ui.self_check import check_translations as translations

    return translations()


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Send file descriptor 2 to `path` (PortAudio's ALSA probing writes there on a machine without sound)."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(path, "wb") as sink:
        os.dup2(sink.fileno(), 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def check_audio() -> str:
    """PortAudio loads (through sounddevice) and reports its version; no output device is a note, not a failure."""
    with tempfile.TemporaryDirectory(prefix="plaza-self-test-") as tmp:
        log = Path(tmp) / "stderr"
        try:
            with _stderr_to(log):
                import sounddevice

                _, version = sounddevice.get_portaudio_version()
                from app.media.output import list_output_devices

                outputs = list_output_devices()
        except OSError as exc:  # sounddevice raises OSError when libportaudio cannot be loaded
            raise CheckFailed(f"PortAudio did not load: {exc}") from None
    if not outputs:
        return f"{version}; no output device (a room plays with one; `plaza listen --no-audio-device` without)"
    default = next((d.name for d in outputs if d.is_default), outputs[0].name)
    return f"{version}; {len(outputs)} output device(s), default {default!r}"


def check_opus() -> str:
    """libopus through opuslib: encode 20 ms frames with in-band FEC, decode them the way the listener does, and
    rebuild a "lost" frame from the next one's FEC data."""
    import numpy as np
    import opuslib
    import opuslib.api.ctl
    import opuslib.api.encoder
    from opuslib.api.info import get_version_string

    from app.media import CHANNELS, FRAME_SAMPLES, SAMPLE_RATE
    from app.media.opus import OpusStreamDecoder, has_lbrr

    encoder = opuslib.Encoder(SAMPLE_RATE, CHANNELS, opuslib.APPLICATION_VOIP)
    # opuslib 3.0.1's `inband_fec` setter drops its value; call the ctl directly.
    opuslib.api.encoder.encoder_ctl(encoder.encoder_state, opuslib.api.ctl.set_inband_fec, 1)
    encoder.packet_loss_perc = 20
    encoder.bitrate = 32000  # SILK/hybrid: in-band FEC exists only there
    frames = 6
    t = np.arange(FRAME_SAMPLES * frames) / SAMPLE_RATE
    voice = np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    pcm = np.repeat((voice * 8000).astype(np.int16)[:, None], CHANNELS, axis=1)
    packets = [encoder.encode(pcm[i * FRAME_SAMPLES:(i + 1) * FRAME_SAMPLES].tobytes(), FRAME_SAMPLES)
               for i in range(frames)]
    decoder = OpusStreamDecoder()
    decoded = [decoder.decode(p) for p in packets[:-2]]
    recovered = decoder.recover(packets[-1])  # packets[-2] "lost": rebuilt from the last one's FEC data (or PLC)
    last = decoder.decode(packets[-1])
    for what, frame in (("decode", decoded[0]), ("FEC decode", recovered), ("decode after FEC", last)):
        if frame.shape != (FRAME_SAMPLES, CHANNELS):
            raise CheckFailed(f"{what} gave {frame.shape} samples, expected {(FRAME_SAMPLES, CHANNELS)}")
    if not np.any(last):
        raise CheckFailed("decoded silence from a non-silent frame")
    version = get_version_string()
    version_text = version.decode() if isinstance(version, bytes) else str(version)
    fec = "with FEC data" if has_lbrr(packets[-1]) else "no FEC data in the packet: concealed"
    return f"{version_text}; {frames} frames, one rebuilt {fec}"


# A Streaming mountpoint's offer as Janus sends it to a listener (no candidates: trickled later), for the answer path.
JANUS_OFFER = "\r\n".join([
    "v=0",
    "o=- 1733000000000001 1 IN IP4 127.0.0.1",
    "s=Plaza self-test",
    "t=0 0",
    "a=group:BUNDLE a",
    "a=ice-options:trickle",
    "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
    "a=extmap-allow-mixed",
    "a=msid-semantic: WMS *",
    "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "c=IN IP4 127.0.0.1",
    "a=sendonly",
    "a=mid:a",
    "a=rtcp-mux",
    "a=ice-ufrag:Pl4z",
    "a=ice-pwd:" + "p" * 24,
    "a=ice-options:trickle",
    "a=setup:actpass",
    "a=rtpmap:111 opus/48000/2",
    "a=fmtp:111 useinbandfec=1",
    "a=msid:janus janusa",
    "a=ssrc:1234567 cname:janus",
    "",
])


async def _webrtc() -> str:
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
    from aiortc.sdp import SessionDescription

    parsed = SessionDescription.parse(JANUS_OFFER)
    if [m.kind for m in parsed.media] != ["audio"] or parsed.media[0].rtp.codecs[0].mimeType != "audio/opus":
        raise CheckFailed("the canned Janus offer did not parse to one Opus audio stream")
    config = RTCConfiguration(iceServers=[])  # no STUN server: nothing is sent anywhere
    # The listener's path: Janus offers, we answer (createAnswer neither gathers nor connects).
    answerer = RTCPeerConnection(config)
    offerer = RTCPeerConnection(config)
    try:
        await answerer.setRemoteDescription(RTCSessionDescription(JANUS_OFFER, "offer"))
        answer = SessionDescription.parse((await answerer.createAnswer()).sdp)
        media = answer.media[0]
        if media.direction != "recvonly" or media.rtp.codecs[0].mimeType != "audio/opus":
            raise CheckFailed(f"the answer to a Janus offer is {media.direction} {media.rtp.codecs[0].mimeType}")
        if media.dtls is None or not media.dtls.fingerprints:  # DTLS certificate made (cryptography, OpenSSL)
            raise CheckFailed("the answer has no DTLS fingerprint")
        # Our own offer: a recvonly audio transceiver; setLocalDescription gathers host candidates (binds local
        # UDP sockets; with no remote description nothing is ever sent).
        offerer.addTransceiver("audio", direction="recvonly")
        await offerer.setLocalDescription(await offerer.createOffer())
        own = SessionDescription.parse(offerer.localDescription.sdp)
        codecs = {c.mimeType for c in own.media[0].rtp.codecs}
        if own.media[0].direction != "recvonly" or "audio/opus" not in codecs:
            raise CheckFailed(f"our offer is {own.media[0].direction} with {sorted(codecs)}")
        candidates = len(own.media[0].ice_candidates)
    finally:
        await answerer.close()
        await offerer.close()
    import aiortc

    return f"aiortc {aiortc.__version__}; answer and offer parsed, {candidates} host candidate(s)"


def check_webrtc() -> str:
    return asyncio.run(_webrtc())


def check_keyring() -> str:
    from app.controller.secret_store import keyring_status

    status = keyring_status()
    if not status.registered:
        raise CheckFailed("keyring knows no backend (its package metadata, with the entry points, is missing)")
    if status.missing_modules:
        raise CheckFailed(f"{status.backend}: cannot import {', '.join(status.missing_modules)} "
                          "(the system keyring's backend needs it)")
    return status.backend + (f"; {status.note}" if status.note else "")


def check_janus_config() -> str:
    """The Janus config templates ship and render (with a stand-in plugins folder when Janus is not installed)."""
    from app.local.janus_config import TEMPLATES, LocalRoomConfig, janus_lib_dir, render

    try:
        lib = janus_lib_dir()
        where = f"Janus plugins in {lib}"
    except FileNotFoundError:
        lib = Path("/usr/lib/janus")
        where = "Janus is not installed (only `plaza serve` and `plaza demo` need it)"
    config = LocalRoomConfig(room_id=4321, ws_port=18188)
    with tempfile.TemporaryDirectory(prefix="plaza-self-test-") as tmp:
        folder = Path(tmp) / "janus"
        render(config, folder, lib)
        for name in TEMPLATES:
            path = folder / name
            if not path.is_file() or path.stat().st_size == 0:
                raise CheckFailed(f"{name} was not rendered")
            if os.name == "posix" and path.stat().st_mode & 0o077:  # (Windows reports no such bits)
                raise CheckFailed(f"{name} is readable by others ({oct(path.stat().st_mode & 0o777)})")
        expected = {
            "janus.transport.websockets.jcfg": "ws_port = 18188",
            "janus.plugin.audiobridge.jcfg": config.secrets.stage,
            "janus.plugin.streaming.jcfg": "id = 4321",
            "janus.plugin.textroom.jcfg": "room-4321",
        }
        for name, text in expected.items():
            if text not in (folder / name).read_text():
                raise CheckFailed(f"{name} lacks its rendered values")
    return f"{len(TEMPLATES)} files; {where}"


CHECKS: dict[str, Callable[[], str]] = {
    "qt": check_qt,
    "translations": check_translations,
    "audio": check_audio,
    "opus": check_opus,
    "webrtc": check_webrtc,
    "keyring": check_keyring,
    "janus-config": check_janus_config,
}
QT_CHECKS = ("qt", "translations")  # in a child process when the whole self-test runs


# ------------------------------------------------------------------------------------------------ orchestration
def self_command() -> list[str]:
    """How to start this build of plaza again."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "app"]


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    if not getattr(sys, "frozen", False):  # the child imports the same `app` as this process
        import app

        root = str(Path(app.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env


_LINE = re.compile(r"^(PASS|FAIL) ([\w-]+)(?: \((\d+) ms\))?(?:: (.*))?$")


def run_in_child(names: Sequence[str], out: TextIO, command: Sequence[str] | None = None,
                 timeout: float = CHILD_TIMEOUT_S) -> list[Outcome]:
    """Run `names` in a fresh `plaza --self-test=NAMES`, relay its lines, and turn a crash or hang into FAILs."""
    cmd = [*(command or self_command()), f"--self-test={','.join(names)}"]
    started = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout,
                              env=_child_env(), stdin=subprocess.DEVNULL, check=False)
        stdout, stderr, code = done.stdout, done.stderr, done.returncode
        ended = (f"killed by signal {-code}" if code < 0 else f"exited with code {code}")
    except subprocess.TimeoutExpired as exc:
        stdout = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        ended = f"did not finish within {timeout:.0f} s"
    except OSError as exc:
        stdout, stderr, ended = "", "", f"could not start ({exc})"
    ms = (time.perf_counter() - started) * 1000
    outcomes: dict[str, Outcome] = {}
    for line in stdout.splitlines():
        m = _LINE.match(line)
        if m and m.group(2) in names and m.group(2) not in outcomes:
            out.write(line + "\n")
            out.flush()
            name = m.group(2)
            outcomes[name] = Outcome(name, m.group(1) == "PASS", float(m.group(3) or 0), m.group(4) or "")
    if any(not o.ok for o in outcomes.values()) or len(outcomes) < len(names):
        if stderr.strip():  # what Qt said before it failed or died (e.g. which platform plugin did not load)
            out.write(stderr if stderr.endswith("\n") else stderr + "\n")
    missing = [n for n in names if n not in outcomes]
    last = _one_line(stderr.strip().splitlines()[-1]) if stderr.strip() else "no error output"
    result = []
    for name in names:
        if name in outcomes:
            result.append(outcomes[name])
        else:
            outcome = Outcome(name, False, ms, f"the check process {ended} before reporting it ({last})"
                              if name == missing[0] else f"not run: the check process {ended}")
            out.write(outcome.line() + "\n")
            result.append(outcome)
    return result


def run_self_test(names: Sequence[str], out: TextIO, *, isolate_qt: bool,
                  checks: dict[str, Callable[[], str]] | None = None,
                  child_command: Sequence[str] | None = None) -> int:
    """Run the named checks, one line each, then the closing line; the exit code."""
    table = checks if checks is not None else CHECKS
    where = f"frozen build in {Path(sys.executable).parent}" if getattr(sys, "frozen", False) else \
        f"Python {sys.version.split()[0]}, {sys.executable}"
    out.write(f"plaza {__version__} self-test ({where})\n")
    out.flush()
    outcomes: list[Outcome] = []
    in_child = [n for n in names if n in QT_CHECKS] if isolate_qt else []
    if in_child:
        outcomes += run_in_child(in_child, out, child_command)
    for name in names:
        if name in in_child:
            continue
        outcome = run_check(name, table[name])
        out.write(outcome.line() + "\n")
        out.flush()
        outcomes.append(outcome)
    failed = [o.name for o in outcomes if not o.ok]
    if failed:
        out.write(f"self-test FAILED: {len(failed)} of {len(outcomes)} checks ({', '.join(failed)})\n")
    else:
        out.write(f"self-test passed: all {len(outcomes)} check{'s' if len(outcomes) != 1 else ''}\n")
    out.flush()
    return EXIT_FAILED if failed else EXIT_OK


def main(selection: str, out: TextIO | None = None) -> int:
    """`plaza --self-test` (selection "all": every check, Qt isolated) or `--self-test=NAME,…` (those, here)."""
    out = out or sys.stdout
    if selection == "all":
        return run_self_test(list(CHECKS), out, isolate_qt=True)
    names = [n.strip() for n in selection.split(",") if n.strip()]
    unknown = [n for n in names if n not in CHECKS]
    if unknown or not names:
        print(f"plaza: unknown self-test check(s) {', '.join(unknown) or '(none given)'}; "
              f"choose from {', '.join(CHECKS)}", file=sys.stderr)
        return EXIT_USAGE
    return run_self_test(names, out, isolate_qt=False)
