"""Check that every shared library the bundle links against is in the bundle or in a declared Debian dependency.

packaging/plaza.spec leaves the system's libraries out of the bundle on Linux, so the package's Depends must name
each one's package: this finds every NEEDED entry of every ELF file under BUNDLE, resolves the ones the bundle does
not carry with `ldconfig -p`, asks dpkg which package owns each, and fails naming any package the control file's
Depends does not list (like dpkg-shlibdeps, libc6 included), or when `libc6 (>= V)` is older than the newest
GLIBC_ symbol version a bundled file asks for.
Libraries loaded with dlopen (PortAudio, libopus through ctypes) are not NEEDED entries: Depends lists them by hand
and `plaza --self-test` checks them.

Usage: python check_libs.py BUNDLE CONTROL
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path


def elf_files(root: Path) -> list[Path]:
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    found.append(path)
    return found


def needed(paths: list[Path]) -> dict[Path, list[str]]:
    """NEEDED entries per file (readelf, many files per call)."""
    result: dict[Path, list[str]] = {}
    for start in range(0, len(paths), 100):
        chunk = paths[start:start + 100]
        out = subprocess.run(["readelf", "-d", "--wide", *map(str, chunk)], capture_output=True, text=True,
                             check=False).stdout
        current: Path | None = chunk[0] if len(chunk) == 1 else None
        for line in out.splitlines():
            header = re.match(r"^File: (.+)$", line)
            if header:
                current = Path(header.group(1))
                continue
            lib = re.search(r"\(NEEDED\)\s+Shared library: \[(.+)\]", line)
            if lib and current is not None:
                result.setdefault(current, []).append(lib.group(1))
    return result


def system_libraries() -> dict[str, str]:
    """soname -> path, for this machine's 64-bit libraries (ldconfig's cache)."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    libs: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"^\s+(\S+) \(([^)]*)\) => (\S+)$", line)
        if m and ("x86-64" in m.group(2) or "64bit" in m.group(2)):
            libs.setdefault(m.group(1), m.group(3))
    return libs


def owners(paths: set[str]) -> dict[str, str]:
    """path -> Debian package owning it (trying the /usr-merged twin of each path too)."""
    candidates: dict[str, str] = {}
    for p in paths:
        for variant in {p, str(Path(p).resolve())}:
            candidates[variant] = p
            twin = variant.removeprefix("/usr") if variant.startswith("/usr/lib") else "/usr" + variant
            candidates[twin] = p
    out = subprocess.run(["dpkg-query", "-S", *sorted(candidates)], capture_output=True, text=True,
                         check=False).stdout
    result: dict[str, str] = {}
    for line in out.splitlines():
        package, _, path = line.partition(": ")
        if path in candidates and "," not in package:
            result.setdefault(candidates[path], package.split(":")[0])
    return result


def newest_glibc(paths: list[Path]) -> tuple[int, ...]:
    """The newest GLIBC_x.y symbol version any of `paths` requires."""
    newest: tuple[int, ...] = (0,)
    for start in range(0, len(paths), 100):
        out = subprocess.run(["readelf", "-V", "--wide", *map(str, paths[start:start + 100])], capture_output=True,
                             text=True, check=False).stdout
        for version in re.findall(r"Name: GLIBC_(\d+(?:\.\d+)+)", out):
            newest = max(newest, tuple(int(x) for x in version.split(".")))
    return newest


def declared_depends(control: Path) -> dict[str, str]:
    """Package -> its version constraint ("" if none), from the control file's Depends."""
    text = control.read_text()
    m = re.search(r"^Depends:(.*(?:\n[ \t].*)*)", text, re.MULTILINE)
    if not m:
        return {}
    names = {}
    for item in m.group(1).replace("\n", " ").split(","):
        for alternative in item.split("|"):
            dep = re.match(r"\s*([a-z0-9][a-z0-9+.-]+)\s*(?:\(([^)]*)\))?", alternative)
            if dep:
                names[dep.group(1)] = (dep.group(2) or "").strip()
    return names


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    bundle, control = Path(argv[0]), Path(argv[1])
    files = elf_files(bundle)
    carried = {p.name for p in bundle.rglob("*")}
    system = system_libraries()
    users: dict[str, list[Path]] = defaultdict(list)
    for path, libs in needed(files).items():
        for lib in libs:
            if lib not in carried:
                users[lib].append(path)
    unresolved = sorted(lib for lib in users if lib not in system)
    paths = {system[lib] for lib in users if lib in system}
    owner = owners(paths)
    unowned = sorted(lib for lib in users if lib in system and system[lib] not in owner)
    packages = {owner[system[lib]] for lib in users if lib in system and system[lib] in owner}
    depends = declared_depends(control)
    missing = sorted(packages - set(depends))
    problems = []
    glibc = newest_glibc(files)
    libc6 = re.fullmatch(r">=\s*(\d+(?:\.\d+)+)(?:-.*)?", depends.get("libc6", ""))
    declared_glibc = tuple(int(x) for x in libc6.group(1).split(".")) if libc6 else (0,)
    if declared_glibc < glibc:
        problems.append(f"bundled files need glibc {'.'.join(map(str, glibc))}: Depends must say "
                        f"libc6 (>= {'.'.join(map(str, glibc))}), it says {depends.get('libc6') or 'nothing'}")
    for lib in unresolved:
        problems.append(f"{lib} (needed by {users[lib][0].relative_to(bundle)}) is neither in the bundle nor on "
                        "this system")
    for lib in unowned:
        problems.append(f"{lib} ({system[lib]}) belongs to no Debian package")
    for package in missing:
        libs = sorted(lib for lib in users if lib in system and owner.get(system[lib]) == package)
        problems.append(f"{package} (for {', '.join(libs)}) is not in Depends")
    for problem in problems:
        print(f"check_libs: {problem}", file=sys.stderr)
    verdict = "all declared" if not problems else f"{len(problems)} problem(s)"
    print(f"check_libs: {len(files)} ELF files link {len(users)} system libraries from {len(packages)} packages, "
          f"glibc >= {'.'.join(map(str, glibc))}: {verdict}")
    unused = sorted(set(depends) - packages - {"libportaudio2", "libopus0"})
    if unused:
        print(f"check_libs: declared but not linked by any bundled file (loaded at run time, or for Qt's plugins' "
              f"own needs): {', '.join(unused)}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
