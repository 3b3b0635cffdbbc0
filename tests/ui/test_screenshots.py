"""docs/screenshots/make_screenshots.py keeps working: every screenshot is written and shows a real window.

The script renders the real MainWindow; run here offscreen on the suite's qasync loop (the committed PNGs are made
under Xvfb). It lives outside the app and the tests, so it is loaded from its path.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest
from PySide6.QtGui import QImage

from tests.ui import helpers

pytestmark = pytest.mark.gui

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "make_screenshots.py"


def load_script() -> ModuleType:
    return helpers.load_script(SCRIPT, "plaza_make_screenshots")


def distinct_colours(image: QImage, step: int = 5) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


async def test_every_screenshot_is_written_in_every_language(tmp_path: Path) -> None:
    shots = load_script()
    written = await shots.make_screenshots(tmp_path)
    expected = shots.expected_files()
    assert len(expected) == 12  # 4 views × en, id, es
    assert sorted(p.name for p in written) == sorted(expected)
    for name in expected:
        image = QImage(str(tmp_path / name))
        assert not image.isNull(), name
        assert image.width() >= 500 and image.height() >= 400, (name, image.size())
        assert distinct_colours(image) > 20, f"{name} is (nearly) one colour"


async def test_each_language_renders_differently(tmp_path: Path) -> None:
    """The language switch reaches the window: the same view differs between English and Spanish."""
    shots = load_script()
    await shots.make_screenshots(tmp_path, ("en", "es"))
    for view in shots.SHOTS:
        english = QImage(str(tmp_path / f"{view}-en.png"))
        spanish = QImage(str(tmp_path / f"{view}-es.png"))
        assert english != spanish, f"{view}: the Spanish screenshot is the English one"
