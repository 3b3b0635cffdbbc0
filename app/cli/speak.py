"""`plaza speak`: a headless speaker for bots, load tests and automation.

It joins the room as a listener, raises its hand, takes the invite the controller whispers (a host picks it, or a
room served with `plaza serve --invite-hands` invites every raised hand), goes on stage, unmutes (unless
`--stay-muted`) and talks from `--input FILE` (looped) or `--input-device N`, playing the stage's mix-minus.
At the end (`--duration`, Ctrl-C, or the room ends) it steps down, so its pass is used up.

Exit codes as `plaza listen`, plus 6: the stage refused us (a used, expired or revoked pass) or no invite came
within `--invite-timeout`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import TYPE_CHECKING

from app.cli import (
    EXIT_AUDIO,
    EXIT_INTERRUPTED,
    EXIT_JOIN_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    _fail,
    _link_or_fail,
    _stop_event,
    print_devices,
)
from app.cli.listen import _status_line, state_line

if TYPE_CHECKING:  # the CLI imports media lazily (startup time)
    from app.media.feedback import FeedbackVerdict

EXIT_NOT_ON_STAGE = 6


def feedback_text(verdict: FeedbackVerdict, music: bool = True) -> str:
    """Why the guard muted us and what to do: our loudspeaker fed back, or (the howl was not in what we play)
    something else near the microphone plays it back — then, not in music mode (`music` False), that a performance
    on headphones wants --music (a choir's or an instrument's swell can look like a howl)."""
    advice = ("use headphones or turn the loudspeaker down" if verdict.played
              else "something else near it plays it back (another device playing the room, or the system's "
              "microphone monitoring): turn that down or use headphones")
    if not music and not verdict.played:  # music mode would mute a howl in what we play all the same
        advice += "; singing or playing music on headphones? use --music"
    return f"feedback (howling at {verdict.frequency_hz:.0f} Hz): the microphone is muted; {advice}"

def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sp = sub.add_parser("speak", help="go on stage headless: raise a hand, accept the invite, talk from a file or "
                                      "a microphone")
    sp.add_argument("link", help="room link, e.g. plaza://HOST:PORT/ROOM")
    src = sp.add_mutually_exclusive_group()
    src.add_argument("--input", metavar="FILE", help="audio file to say, on a loop")
    src.add_argument("--input-device", type=int, metavar="N", help="microphone device index (see --list-devices)")
    sp.add_argument("--name", default="Plaza speaker", help="display name on stage")
    sp.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    sp.add_argument("--stay-muted", action="store_true", help="stay muted once on stage")
    sp.add_argument("--no-echo-control", action="store_true",
                    help="microphone: no echo cancellation, noise suppression or gain control")
    sp.add_argument("--music", action="store_true",
                    help="music mode, for performing on headphones (with a microphone: a file has no feedback "
                         "guard): mute for feedback only when the howl is in what this speaker plays (or loud), so "
                         "instruments and choirs are not muted by mistake; a loop through another device is then "
                         "caught late or not at all")
    sp.add_argument("--invite-timeout", type=float, default=60.0, metavar="S",
                    help="give up if no invite came within S seconds (default 60)")
    out = sp.add_mutually_exclusive_group()
    out.add_argument("--output-device", type=int, metavar="N", help="output device index")
    out.add_argument("--no-audio-device", action="store_true", help="play on the system clock, no sound card")
    sp.add_argument("--record", metavar="FILE.wav", help="write what this speaker hears to a WAV file")
    sp.add_argument("--show-state", action="store_true", help="print a line per room state change")
    sp.add_argument("--list-devices", action="store_true", help="print the input devices and exit")


def list_input_devices() -> int:
    from app.media.capture import list_input_devices as devices

    return print_devices(devices(), "no microphones found (is PortAudio installed? try --input FILE)")


async def speak(args: argparse.Namespace) -> int:
    from app.janus.errors import JanusError
    from app.listener.listen import ListenSession
    from app.media.capture import CaptureError, DeviceSource, FileSource, MicSource, MicTrack
    from app.media.echo import EchoControl
    from app.media.feedback import FeedbackGuard
    from app.media.output import AudioOutputError
    from app.room.errors import RoomError
    from app.stage.speaker import Role, SpeakerSession

    link = _link_or_fail(args.link)
    if link is None:
        return EXIT_USAGE
    source: MicSource
    try:
        source = FileSource(args.input) if args.input else DeviceSource(args.input_device)
    except ValueError as exc:
        _fail(exc)
        return EXIT_USAGE
    listen = ListenSession(link, use_device=not args.no_audio_device, device=args.output_device,
                           record=args.record, fall_back_to_clock=False, display=args.name)
    echo = None
    if args.input is None and not args.no_echo_control:  # a file has no room to echo in
        echo = EchoControl()
        if not echo.available():
            print(f"plaza: echo cancellation unavailable: {echo.reason()}; use headphones", file=sys.stderr)
    guard = FeedbackGuard(music=args.music) if args.input is None else None  # a file cannot feed back
    speaker = SpeakerSession(listen, MicTrack(source), display=args.name, auto_accept=True,
                             start_muted=args.stay_muted, echo=echo, guard=guard)
    speaker.feedback.connect(lambda verdict: _fail(feedback_text(verdict, args.music)))
    stop = _stop_event()
    done = asyncio.Event()
    on_stage = asyncio.Event()
    listen.status.changed.connect(lambda change: print(_status_line(change), flush=True))
    if args.show_state:
        listen.state.changed.connect(lambda state, change: print(state_line(state), flush=True))

    def on_role(role: Role) -> None:
        muted = " (muted)" if role == Role.SPEAKER and speaker.muted else ""
        print(f"stage: {role.value}{muted}", flush=True)
        if role == Role.SPEAKER:
            on_stage.set()
        elif role == Role.LISTENER and (on_stage.is_set() or speaker.error):
            done.set()  # stepped down, demoted, or refused

    speaker.changed.connect(on_role)
    try:
        try:
            await source.start()  # a microphone that cannot open fails here, before we join or anyone invites us
            await speaker.start()
        except (RoomError, JanusError) as exc:
            _fail(exc)
            return EXIT_JOIN_FAILED
        except (AudioOutputError, CaptureError, OSError) as exc:
            _fail(exc)
            return EXIT_AUDIO
        speaker.listen.set_hand_raised(True)
        waiters = [asyncio.ensure_future(e.wait()) for e in (stop, done)]
        invited = asyncio.ensure_future(on_stage.wait())
        try:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(args.invite_timeout):
                    await asyncio.wait([invited, *waiters], return_when=asyncio.FIRST_COMPLETED)
            if not on_stage.is_set() and not stop.is_set():
                _fail(speaker.error or f"no invitation to the stage within {args.invite_timeout:g} s "
                                       "(a host must invite this speaker, or serve the room with --invite-hands)")
                return EXIT_NOT_ON_STAGE
            remaining = None if args.duration is None else max(0.0, args.duration)
            await asyncio.wait(waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in (*waiters, invited):
                w.cancel()
        if speaker.error and not stop.is_set():
            _fail(speaker.error)
            return EXIT_NOT_ON_STAGE
        return EXIT_INTERRUPTED if stop.is_set() else EXIT_OK
    finally:
        await speaker.close()
