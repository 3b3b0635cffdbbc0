#!/usr/bin/env bash
# Build Plaza.app and dist/plaza-VERSION-macos-ARCH.dmg on macOS (14 or later; Apple silicon on the macos-14 runner).
#
#   bash packaging/macos/build-dmg.sh
#
# Needs: the Python environment set up from the lock (PyInstaller included), Xcode's command line tools (iconutil,
# codesign, hdiutil, ditto: all part of macOS), and libopus (`brew install opus`). PYTHON overrides the interpreter
# (default: .venv/bin/python if present, else python3).
# Steps: translations -> icon (.iconset -> .icns) -> PyInstaller (packaging/plaza.spec's darwin block makes
# dist/Plaza.app) -> ad-hoc signature -> .dmg with an /Applications link. Notarization is out of scope: the ad-hoc
# signature lets the app start on the machine that built it; on other Macs Gatekeeper asks the user to allow it
# (right-click > Open) because it is not signed with a Developer ID.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(uname -s)" != Darwin ]; then
  echo "build-dmg.sh: this builds the macOS app and must run on macOS" >&2
  exit 2
fi
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi

VERSION=$("$PYTHON" -c 'import app; print(app.__version__)')
ARCH=$(uname -m)
DMG="dist/plaza-${VERSION}-macos-${ARCH}.dmg"

# libopus: opuslib finds it with ctypes.util.find_library("opus"), and PyInstaller bundles what that call finds
# at build time. Homebrew's lib directory is not on dyld's default search path, so add it for this build.
if command -v brew >/dev/null 2>&1; then
  BREW_LIB="$(brew --prefix)/lib"
  # (Setting the variable replaces dyld's default fallback list, so that list is kept after it.)
  export DYLD_FALLBACK_LIBRARY_PATH="${BREW_LIB}:${DYLD_FALLBACK_LIBRARY_PATH:-$HOME/lib:/usr/local/lib:/usr/lib}"
fi
if ! "$PYTHON" -c 'import ctypes.util, sys; sys.exit(ctypes.util.find_library("opus") is None)'; then
  echo "build-dmg.sh: libopus not found (brew install opus); the app could not decode audio" >&2
  exit 1
fi

echo "== translations"
"$PYTHON" -m app.ui.i18n >/dev/null

echo "== icon"
rm -rf build/icons
"$PYTHON" packaging/make_icons.py --iconset build/icons/plaza.iconset >/dev/null
iconutil -c icns build/icons/plaza.iconset -o build/icons/plaza.icns

echo "== PyInstaller"
rm -rf dist/Plaza.app
"$PYTHON" -m PyInstaller --noconfirm packaging/plaza.spec
test -x dist/Plaza.app/Contents/MacOS/plaza
if [ -z "$(find dist/Plaza.app -name 'libopus*.dylib' -print -quit)" ]; then
  echo "build-dmg.sh: libopus was not bundled into Plaza.app" >&2
  exit 1
fi

echo "== ad-hoc signature"
# PyInstaller signs each binary ad hoc; sealing the whole bundle again after BUNDLE keeps its signature valid.
codesign --force --deep --sign - dist/Plaza.app
codesign --verify --deep --strict dist/Plaza.app

echo "== disk image"
STAGE=build/dmg
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
ditto dist/Plaza.app "$STAGE/Plaza.app"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "Plaza ${VERSION}" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
echo "$DMG"
