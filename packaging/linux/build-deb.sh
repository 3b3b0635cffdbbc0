#!/usr/bin/env bash
# Build dist/plaza_<version>_<arch>.deb (Debian 12): the PyInstaller onedir of packaging/plaza.spec in /opt/plaza,
# /usr/bin/plaza (a symlink), a .desktop entry that opens plaza:// and plaza+ws:// links, hicolor icons.
#   bash packaging/linux/build-deb.sh          # after `bash .ci/setup` (PyInstaller comes from requirements/lock.txt)
# Every build starts from a fresh work folder (a temp dir, removed afterwards): nothing is reused between builds.
# Environment: PYTHON (default .venv/bin/python), OUT_DIR (default dist), KEEP_WORK=1 keeps the work folder,
# DEB_COMPRESSION (default xz, Debian's; `zstd` is ~60x faster and 35 % bigger, for CI) and DEB_LEVEL.
# The version is app/__init__.py's __version__, the one place it is written.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
OUT_DIR=${OUT_DIR:-$ROOT/dist}
HERE=$ROOT/packaging/linux
SECONDS=0
phase() { echo "== build-deb: $1 [at ${SECONDS} s]"; }  # benchmarks/package.py reads the times

version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' app/__init__.py)
[ -n "$version" ] || { echo "build-deb: no __version__ in app/__init__.py" >&2; exit 1; }
arch=$(dpkg --print-architecture)
"$PYTHON" -c "import PyInstaller" 2>/dev/null || {
  echo "build-deb: $PYTHON has no PyInstaller; install the lock: bash .ci/setup" >&2; exit 1; }
for tool in dpkg-deb readelf strip ldconfig; do
  command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (apt-get install binutils dpkg)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/plaza-deb.XXXXXX)
if [ "${KEEP_WORK:-0}" = 1 ]; then echo "build-deb: work folder $work (kept)"; else trap 'rm -rf "$work"' EXIT; fi

phase translations
"$PYTHON" -m app.ui.i18n >/dev/null
phase "PyInstaller (packaging/plaza.spec)"
if ! "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN --workpath "$work/build" \
    --distpath "$work/dist" packaging/plaza.spec >"$work/pyinstaller.log" 2>&1; then
  tail -40 "$work/pyinstaller.log" >&2; echo "build-deb: PyInstaller failed" >&2; exit 1
fi
grep -E "WARNING|ERROR" "$work/pyinstaller.log" >&2 || true

phase "staging, strip, icons"
stage=$work/root
install -d -m 0755 "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" "$stage/usr/share/doc/plaza" \
  "$stage/usr/share/icons/hicolor/scalable/apps" "$stage/DEBIAN"
cp -a "$work/dist/plaza" "$stage/opt/plaza"
# Strip the shared libraries (debug symbols are most of libpython and of the av/cryptography extensions), except
# the wheels' vendored libraries in *.libs/: patchelf rewrote their layout and strip breaks them ("ELF load
# command address/offset not page-aligned"). Never the executable: its Python archive is appended to it.
find "$stage/opt/plaza/_internal" -type f -name '*.so*' -not -path '*.libs/*' -print0 \
  | xargs -0 strip --strip-unneeded
dangling=$(find "$stage/opt/plaza" -xtype l)
[ -z "$dangling" ] || { echo "build-deb: dangling symlinks in the bundle: $dangling" >&2; exit 1; }
ln -s /opt/plaza/plaza "$stage/usr/bin/plaza"
install -m 0644 "$HERE/plaza.desktop" "$stage/usr/share/applications/plaza.desktop"
install -m 0644 resources/icons/plaza.svg "$stage/usr/share/icons/hicolor/scalable/apps/plaza.svg"
QT_QPA_PLATFORM=offscreen "$PYTHON" "$HERE/render_icons.py" resources/icons/plaza.svg "$stage/usr/share/icons/hicolor"
cat > "$stage/usr/share/doc/plaza/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: plaza

Files: *
License: GPL-3.0-or-later
 On Debian systems the full text is in /usr/share/common-licenses/GPL-3.
 /opt/plaza/_internal holds Python, Qt (PySide6) and the Python packages Plaza uses, each under its own license.
EOF
chmod -R u+rwX,go+rX,go-w "$stage"

phase "control, library check"
installed_kib=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_kib/" "$HERE/control.in" \
  > "$stage/DEBIAN/control"
install -m 0755 "$HERE/postinst" "$HERE/postrm" "$stage/DEBIAN/"
"$PYTHON" "$HERE/check_libs.py" "$stage/opt/plaza" "$stage/DEBIAN/control"

phase "dpkg-deb (${DEB_COMPRESSION:-xz})"
mkdir -p "$OUT_DIR"
deb="$OUT_DIR/plaza_${version}_${arch}.deb"
level=${DEB_LEVEL:+-z$DEB_LEVEL}
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" ${level} --build "$stage" "$deb" >/dev/null
echo "build-deb: $deb ($(du -h "$deb" | cut -f1); installs $((installed_kib / 1024)) MiB) in ${SECONDS} s"
