"""Bootstrap pieces of app.ui.app: the QApplication setup and `plaza demo`'s room description."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication

from app.cli import build_parser, local_room_from_args
from app.ui.app import create_application, local_room_from_serve_args
from app.ui.icons import app_icon, icon_path

pytestmark = pytest.mark.gui


def test_application_identity_and_quit_policy() -> None:
    app = create_application()
    assert QCoreApplication.organizationName() == "Plaza"
    assert QCoreApplication.applicationName() == "Plaza"
    assert not app.quitOnLastWindowClosed()  # we quit after async cleanup
    assert icon_path().is_file()
    assert not app_icon().isNull()
    assert not app.windowIcon().isNull()
    assert app_icon().pixmap(32, 32).width() == 32  # the SVG renders


@pytest.mark.parametrize("argv", [
    ["demo"],
    ["demo", "--room", "9", "--title", "Lab", "--host", "198.18.0.1", "--port", "8190", "--speaker", "none",
     "--netns", "plz-srv", "--ice-interface", "plz-veth-s"],
    ["demo", "--speaker", "tone:440"],
])
def test_demo_room_matches_the_cli_mapping(argv: list[str]) -> None:
    """app.ui may not import app.cli (layers contract), so it mirrors local_room_from_args: keep them equal."""
    args = build_parser().parse_args(argv)
    ours, theirs = local_room_from_serve_args(args), local_room_from_args(args)
    assert replace(ours.config, secrets=theirs.config.secrets) == theirs.config  # secrets are random per room
    assert ours.prefix == theirs.prefix
    assert ours.speaker_spec == theirs.speaker_spec
