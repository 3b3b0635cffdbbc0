#!/usr/bin/env bash
# The package's smoke test (.ci/test runs it; needs root): build the .deb (or take the one given), install it with
# dpkg, run the installed plaza from outside the repository with a clean environment (--version, --self-test
# offscreen, the Qt check again on X11 under Xvfb), check the desktop entry and the plaza:// handler, then remove
# and purge it and check nothing is left. A plaza package already installed is purged first (and at the end).
#   bash packaging/linux/smoke-deb.sh [dist/plaza_VERSION_ARCH.deb]
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then exec sudo -E bash "$0" "$@"; fi
SECONDS=0
say() { echo "smoke-deb: $*"; }
fail() { echo "smoke-deb: FAILED: $*" >&2; exit 1; }

purge_plaza() {
  if dpkg-query -W plaza >/dev/null 2>&1; then dpkg -P plaza >/dev/null; fi
}
scratch=$(mktemp -d /tmp/plaza-smoke.XXXXXX)
chmod 0755 "$scratch"
trap 'purge_plaza || true; rm -rf "$scratch"' EXIT

deb=${1:-}
if [ -z "$deb" ]; then
  # zstd: the package's content is what is tested here; xz (the default) spends ~3 minutes compressing it.
  DEB_COMPRESSION=${DEB_COMPRESSION:-zstd} OUT_DIR="$scratch/out" bash packaging/linux/build-deb.sh
  deb=$(ls "$scratch"/out/plaza_*.deb)
fi
[ -f "$deb" ] || fail "no package $deb"
version=$(dpkg-deb -f "$deb" Version)

if dpkg-query -W plaza >/dev/null 2>&1; then
  say "purging the plaza package already installed ($(dpkg-query -W -f '${Version} ${Status}' plaza))"
  purge_plaza
fi

# Its dependencies must already be there (.ci/setup installs them): dpkg -i does not fetch anything.
missing=()
while read -r package; do
  [ -n "$package" ] || continue
  status=$(dpkg-query -W -f '${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$package")
done < <(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g')
[ ${#missing[@]} = 0 ] || fail "Depends not installed: ${missing[*]} (add them to APT_PACKAGES in .ci/setup)"

say "dpkg -i $(basename "$deb")"
dpkg -i "$deb" >/dev/null || fail "dpkg -i failed"
[ -x /opt/plaza/plaza ] || fail "/opt/plaza/plaza is missing"
[ "$(readlink /usr/bin/plaza)" = /opt/plaza/plaza ] || fail "/usr/bin/plaza does not point to /opt/plaza/plaza"
for f in /usr/share/applications/plaza.desktop /usr/share/icons/hicolor/scalable/apps/plaza.svg \
         /usr/share/icons/hicolor/48x48/apps/plaza.png /usr/share/icons/hicolor/256x256/apps/plaza.png; do
  [ -f "$f" ] || fail "$f is missing"
done

# The installed program only: a clean environment, no PYTHONPATH or virtualenv, run from an empty folder.
installed() {
  (cd "$scratch" && env -i HOME="$scratch" PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@")
}
got=$(installed /usr/bin/plaza --version) || fail "plaza --version exited non-zero"
[ "$got" = "plaza $version" ] || fail "plaza --version says '$got', the package is $version"
say "plaza --version: $got"
installed QT_QPA_PLATFORM=offscreen /usr/bin/plaza --self-test || fail "plaza --self-test (offscreen)"
if command -v xvfb-run >/dev/null; then
  say "the Qt check on X11 (xcb, under Xvfb)"
  installed xvfb-run -a -s "-screen 0 1280x800x24" /usr/bin/plaza --self-test=qt \
    || fail "plaza --self-test=qt under Xvfb"
fi
installed /usr/bin/plaza listen --help >/dev/null || fail "plaza listen --help"

if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate /usr/share/applications/plaza.desktop || fail "the .desktop entry is not valid"
  say "plaza.desktop is valid"
fi
if command -v update-desktop-database >/dev/null; then  # postinst ran it: the link handler is registered
  grep -q "^x-scheme-handler/plaza=.*plaza.desktop" /usr/share/applications/mimeinfo.cache \
    || fail "plaza:// is not registered in mimeinfo.cache"
  grep -q "^x-scheme-handler/plaza+ws=.*plaza.desktop" /usr/share/applications/mimeinfo.cache \
    || fail "plaza+ws:// is not registered in mimeinfo.cache"
  say "plaza:// and plaza+ws:// open with plaza.desktop"
fi

dpkg -r plaza >/dev/null || fail "dpkg -r plaza"
for gone in /opt/plaza /usr/bin/plaza /usr/share/applications/plaza.desktop; do
  [ ! -e "$gone" ] && [ ! -L "$gone" ] || fail "$gone is still there after dpkg -r"
done
if [ -f /usr/share/applications/mimeinfo.cache ] && grep -q "plaza.desktop" /usr/share/applications/mimeinfo.cache
then fail "mimeinfo.cache still names plaza.desktop after dpkg -r"
fi
dpkg -P plaza >/dev/null || fail "dpkg -P plaza"
! dpkg-query -W plaza >/dev/null 2>&1 || fail "dpkg still knows plaza after dpkg -P"
say "OK: installed, self-tested, removed and purged in ${SECONDS} s"
