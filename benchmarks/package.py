"""The Linux package's numbers: build time, sizes, cold start to a shown window, the self-test's run time.

    sudo .venv/bin/python -m benchmarks.package [--runs 5] [--compression xz] [--no-naive] [--markdown FILE]

Needs root (dpkg -i / -P) and Xvfb; purges an installed `plaza` package first and at the end. Steps:
1. `bash packaging/linux/build-deb.sh` in a fresh work folder (every build is cold: nothing reused), with its phase
   times (PyInstaller, staging + strip, library check, dpkg-deb's compression);
2. the .deb's size; `dpkg -i`; the installed size (`du` of /opt/plaza, and Installed-Size of everything);
3. start to window: `/usr/bin/plaza --self-test=qt` under Xvfb (xcb) from an empty folder with a clean environment;
   the Qt check shows the real main window and reports when it was exposed and painted, counted from the process's
   start (the kernel's start time in /proc/self/stat: bootloader, Python, imports, QApplication, window). The first
   run follows the install (files in the page cache; the page cache is dropped first when /proc/sys/vm/drop_caches
   is writable, and the table says which); then `--runs` more, median and max;
4. `/usr/bin/plaza --self-test` (offscreen) wall time, `--runs` times;
5. for comparison, the naive onedir: the same entry point, resources and hidden imports, PyInstaller's defaults
   (no exclusions, every Qt plugin and translation, system libraries copied, nothing stripped): its `du`.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAIVE_SPEC = """
from pathlib import Path
root = Path({root!r})
a = Analysis([str(root / "app" / "__main__.py")], pathex=[str(root)],
             datas=[(str(root / "resources"), "app/resources")],
             hiddenimports=["aiortc.codecs.opus", "sounddevice", "opuslib"], excludes=["tkinter"])
pyz = PYZ(a.pure)
exe = EXE(pyz, a.scripts, [], exclude_binaries=True, name="plaza", console=True)
coll = COLLECT(exe, a.binaries, a.datas, name="plaza")
"""
WINDOW_RE = re.compile(r"window shown (\d+) ms after the process started")


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 1048576:.0f} MiB"


def du_bytes(path: Path) -> int:
    return int(subprocess.run(["du", "-sb", str(path)], capture_output=True, text=True, check=True).stdout.split()[0])


def purge() -> None:
    if subprocess.run(["dpkg-query", "-W", "plaza"], capture_output=True, check=False).returncode == 0:
        subprocess.run(["dpkg", "-P", "plaza"], capture_output=True, check=True)


def clean_env(**extra: str) -> dict[str, str]:
    return {"HOME": tempfile.gettempdir(), "PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", **extra}


def build(python: str, out: Path, compression: str) -> tuple[float, dict[str, float], Path]:
    env = dict(os.environ, OUT_DIR=str(out), PYTHON=python, DEB_COMPRESSION=compression)
    started = time.monotonic()
    done = subprocess.run(["bash", "packaging/linux/build-deb.sh"], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)
    total = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"build-deb.sh failed:\n{done.stdout}\n{done.stderr}")
    marks = [(m.group(1), int(m.group(2))) for m in re.finditer(r"^== build-deb: (.+) \[at (\d+) s\]$",
                                                                   done.stdout, re.MULTILINE)]
    phases = {}
    for (name, at), (_, following) in zip(marks, [*marks[1:], ("end", round(total))], strict=True):
        phases[name] = following - at
    return total, phases, next(out.glob("plaza_*.deb"))


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def window_start_ms(display: str, cwd: Path) -> float:
    done = subprocess.run(["/usr/bin/plaza", "--self-test=qt"], cwd=cwd, env=clean_env(DISPLAY=display),
                          capture_output=True, text=True, timeout=120, check=False)
    m = WINDOW_RE.search(done.stdout)
    if done.returncode != 0 or not m:
        sys.exit(f"plaza --self-test=qt failed:\n{done.stdout}\n{done.stderr}")
    return float(m.group(1))


def self_test_s(cwd: Path) -> float:
    started = time.monotonic()
    done = subprocess.run(["/usr/bin/plaza", "--self-test"], cwd=cwd, env=clean_env(QT_QPA_PLATFORM="offscreen"),
                          capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        sys.exit(f"plaza --self-test failed:\n{done.stdout}\n{done.stderr}")
    return time.monotonic() - started


def naive_size(python: str, work: Path) -> int:
    work.mkdir(parents=True, exist_ok=True)
    spec = work / "naive.spec"
    spec.write_text(NAIVE_SPEC.format(root=str(ROOT)))
    subprocess.run([python, "-m", "app.ui.i18n"], cwd=ROOT, capture_output=True, check=True)
    done = subprocess.run([python, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR", "--workpath",
                           str(work / "build"), "--distpath", str(work / "dist"), str(spec)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"naive PyInstaller build failed:\n{done.stderr[-3000:]}")
    return du_bytes(work / "dist" / "plaza")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.package", description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="warm start-to-window and self-test runs (default 5)")
    parser.add_argument("--compression", default="xz", help="dpkg-deb compression (default xz, as released)")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive onedir build")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"), help="the build's Python")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("benchmarks.package needs root (dpkg -i / -P)")
    if not shutil.which("Xvfb"):
        sys.exit("benchmarks.package needs Xvfb (apt-get install xvfb)")

    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="plaza-bench-") as tmp:
        work = Path(tmp)
        empty = work / "cwd"
        empty.mkdir()
        os.chmod(tmp, 0o755)
        purge()
        total, phases, deb = build(args.python, work / "out", args.compression)
        rows.append(("build, cold (fresh work folder)", f"{total:.0f} s"))
        for name, seconds in phases.items():
            rows.append((f"  of which {name}", f"{seconds} s"))
        rows.append((f".deb ({args.compression})", mib(deb.stat().st_size)))
        subprocess.run(["dpkg", "-i", str(deb)], capture_output=True, check=True)
        try:
            rows.append(("installed: du -sh /opt/plaza", mib(du_bytes(Path("/opt/plaza")))))
            installed_kib = subprocess.run(["dpkg-query", "-W", "-f", "${Installed-Size}", "plaza"],
                                           capture_output=True, text=True, check=True).stdout
            rows.append(("installed: Installed-Size (all files)", mib(int(installed_kib) * 1024)))
            display = ":77"
            xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                socket = Path("/tmp/.X11-unix/X" + display.lstrip(":"))
                deadline = time.monotonic() + 10.0
                while not socket.exists():  # Xvfb is up once its socket is there
                    if time.monotonic() > deadline or xvfb.poll() is not None:
                        raise SystemExit("Xvfb did not start")
                    time.sleep(0.05)
                dropped = drop_caches()
                first = window_start_ms(display, empty)
                warm = [window_start_ms(display, empty) for _ in range(args.runs)]
            finally:
                xvfb.terminate()
                xvfb.wait(10)
            what = "page cache dropped" if dropped else "right after dpkg -i, files in the page cache"
            rows.append((f"start to window shown (xcb, Xvfb), first run ({what})", f"{first:.0f} ms"))
            rows.append((f"start to window shown, warm (median / max of {args.runs})",
                         f"{statistics.median(warm):.0f} / {max(warm):.0f} ms"))
            tests = [self_test_s(empty) for _ in range(args.runs)]
            rows.append((f"plaza --self-test, offscreen (median / max of {args.runs})",
                         f"{statistics.median(tests):.1f} / {max(tests):.1f} s"))
        finally:
            purge()
        if not args.no_naive:
            rows.append(("naive onedir for comparison: du", mib(naive_size(args.python, work / "naive"))))

    width = max(len(k) for k, _ in rows)
    print(f"{'measure':<{width}}  value")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if args.markdown:
        lines = ["| measure | value |", "| --- | --- |", *(f"| {k.strip()} | {v} |" for k, v in rows)]
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
