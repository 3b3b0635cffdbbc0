"""Translations: build the .qm files from the .ts sources in git, choose the language, switch it live.

The .ts files (resources/i18n/plaza_<lang>.ts) are the source of truth and are reviewed in git; the compiled
.qm files are build output (gitignored). Build them with:

    python -m app.ui.i18n            # lrelease: .ts -> .qm
    python -m app.ui.i18n update     # lupdate: re-extract strings from app/ui into the .ts files

English is the source language, but it has a translation too: plural forms only (plaza_en.ts, made with
lupdate -pluralonly), because a source string such as "{count} listener(s)" needs its "one" and "other" forms.

Installing a QTranslator makes Qt post QEvent.LanguageChange to every widget; the views retranslate on it,
so a language picked from the menu applies at once, without rebuilding the window.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTranslator

from app.local.janus_config import resources_dir

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
# Shown in their own language (never translated), so a user lost in a foreign UI can find theirs.
LANGUAGES: dict[str, str] = {"en": "English", "id": "Bahasa Indonesia", "es": "Español"}
FULL_TRANSLATIONS = tuple(code for code in LANGUAGES if code != SOURCE_LANGUAGE)
PLURALS_ONLY = (SOURCE_LANGUAGE,)  # the source language's .ts holds only the plural forms of its own strings
TRANSLATED = FULL_TRANSLATIONS + PLURALS_ONLY  # every language with a .ts file


class TranslationToolError(RuntimeError):
    """lrelease/lupdate is missing or failed; the message says which and why."""


def i18n_dir() -> Path:
    return resources_dir() / "i18n"


def ts_path(code: str, directory: Path | None = None) -> Path:
    return (directory or i18n_dir()) / f"plaza_{code}.ts"


def qm_path(code: str, directory: Path | None = None) -> Path:
    return (directory or i18n_dir()) / f"plaza_{code}.qm"


def find_tool(name: str) -> str:
    """Path of Qt's `lrelease`/`lupdate` as shipped with PySide6 (next to python first, then PATH)."""
    exe = ".exe" if sys.platform == "win32" else ""
    candidates = [Path(sys.executable).parent / f"pyside6-{name}{exe}"]
    found = shutil.which(f"pyside6-{name}")
    if found:
        candidates.append(Path(found))
    try:
        import PySide6

        candidates.append(Path(PySide6.__file__).parent / f"{name}{exe}")
    except ImportError:  # pragma: no cover - PySide6 is a dependency
        pass
    plain = shutil.which(name)
    if plain:
        candidates.append(Path(plain))
    for candidate in candidates:
        if candidate.is_file():
            return str(candidate)
    raise TranslationToolError(f"cannot find pyside6-{name} (install PySide6-Essentials)")


def _run(cmd: Sequence[str]) -> None:
    result = subprocess.run(list(cmd), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TranslationToolError(f"{Path(cmd[0]).name} failed ({result.returncode}): "
                                   f"{(result.stderr or result.stdout).strip()}")


def build_translations(directory: Path | None = None) -> list[Path]:
    """Compile every plaza_*.ts in `directory` (default resources/i18n) to .qm; returns the .qm paths."""
    directory = directory or i18n_dir()
    sources = sorted(directory.glob("plaza_*.ts"))
    if not sources:
        raise TranslationToolError(f"no plaza_*.ts files in {directory}")
    tool = find_tool("lrelease")
    built = []
    for ts in sources:
        qm = ts.with_suffix(".qm")
        _run([tool, "-silent", str(ts), "-qm", str(qm)])
        built.append(qm)
    return built


def ui_sources() -> list[Path]:
    return sorted(Path(__file__).resolve().parent.glob("*.py"))


def update_sources(directory: Path | None = None, codes: Sequence[str] = TRANSLATED) -> list[Path]:
    """Re-extract the UI strings into the .ts files (existing translations are kept, vanished ones dropped)."""
    tool = find_tool("lupdate")
    paths = [ts_path(code, directory) for code in codes]
    for ts, code in zip(paths, codes, strict=True):
        plurals_only = ["-pluralonly"] if code in PLURALS_ONLY else []
        _run([tool, "-silent", "-no-obsolete", *plurals_only, "-locations", "none", "-source-language",
              SOURCE_LANGUAGE, "-target-language", code, *map(str, ui_sources()), "-ts", str(ts)])
    return paths


def system_language(ui_languages: Sequence[str] | None = None) -> str:
    """The first of the system's UI languages that Plaza has, else English."""
    for name in ui_languages if ui_languages is not None else QLocale.system().uiLanguages():
        code = name.replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return SOURCE_LANGUAGE


def resolve_language(setting: str) -> str:
    """Setting "" (or an unknown code) follows the system; a known code wins."""
    return setting if setting in LANGUAGES else system_language()


class Translations:
    """Owns the installed QTranslators and swaps them when the language changes."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or i18n_dir()
        self.language = SOURCE_LANGUAGE
        self._installed: list[QTranslator] = []

    def _load(self, app: QCoreApplication, code: str) -> QTranslator | None:
        translator = QTranslator(app)
        path = qm_path(code, self.directory)
        if translator.load(str(path)):
            return translator
        what = "plural forms" if code in PLURALS_ONLY else "translation"
        log.warning("no compiled %s %s (run: python -m app.ui.i18n); %s", what, path,
                    "counts read \"listener(s)\"" if code == SOURCE_LANGUAGE else "using English")
        return None

    def apply(self, setting: str) -> str:
        """Switch to `setting` ("" = system); returns the language now in effect."""
        app = QCoreApplication.instance()
        if app is None:
            raise RuntimeError("create the QApplication before installing translations")
        code = resolve_language(setting)
        translators: list[QTranslator] = []
        plaza = self._load(app, code)
        if plaza is None and code != SOURCE_LANGUAGE:
            code = SOURCE_LANGUAGE
            plaza = self._load(app, code)
        if plaza is not None:
            translators.append(plaza)
        if plaza is not None and code != SOURCE_LANGUAGE:
            qt_own = QTranslator(app)  # Qt's own strings (context menus, standard buttons), if shipped
            if qt_own.load(f"qtbase_{code}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
                translators.append(qt_own)
        for old in self._installed:
            QCoreApplication.removeTranslator(old)
        for new in translators:
            QCoreApplication.installTranslator(new)
        self._installed = translators
        self.language = code
        # Deliver the LanguageChange events now, so callers (and tests) see retranslated widgets on return.
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LanguageChange)
        return code


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "build"
    try:
        if command == "build":
            paths = build_translations()
        elif command == "update":
            paths = update_sources()
        else:
            print("usage: python -m app.ui.i18n [build|update]", file=sys.stderr)
            return 2
    except TranslationToolError as exc:
        print(f"plaza i18n: {exc}", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
