"""`plaza speak`'s message when its feedback guard mutes it: the advice follows where the howl went through."""

from __future__ import annotations

from app.cli.speak import feedback_text
from app.media.feedback import FeedbackVerdict


def test_a_howl_through_our_loudspeaker_asks_for_headphones_or_a_lower_loudspeaker() -> None:
    text = feedback_text(FeedbackVerdict(2012.4, "growing pure tone", -20.0, 30.0))
    assert text == ("feedback (howling at 2012 Hz): the microphone is muted; use headphones or turn the "
                    "loudspeaker down")


def test_a_howl_not_in_what_we_play_names_another_device() -> None:
    text = feedback_text(FeedbackVerdict(880.0, "growing pure tone", -2.0, 30.0, played=False))
    assert "880 Hz" in text and "something else near it plays it back" in text and "loudspeaker" not in text


def test_outside_music_mode_the_message_points_a_performer_to_it() -> None:
    verdict = FeedbackVerdict(440.0, "growing pure tone", -12.0, 30.0, played=False)
    assert feedback_text(verdict, music=False).endswith("; singing or playing music on headphones? use --music")
    assert "--music" not in feedback_text(verdict, music=True)
    # A howl in what we play: music mode would mute it as well, so it is not offered.
    assert "--music" not in feedback_text(FeedbackVerdict(440.0, "growing pure tone", -12.0, 30.0), music=False)


def test_music_mode_is_a_flag_off_by_default() -> None:
    from app.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["speak", "plaza://h:1/2", "--music"]).music is True
    assert parser.parse_args(["speak", "plaza://h:1/2"]).music is False
