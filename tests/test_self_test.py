"""`plaza --self-test`: one line per check, any failure makes the exit code non-zero, a crashing or hanging Qt
check process is reported as FAILs, and the real checks pass from the source tree."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap

import pytest

from app.cli import main as plaza_main
from app.cli import self_test, with_default_command
from app.cli.self_test import CheckFailed, Outcome, run_in_child, run_self_test

PASS_LINE = re.compile(r"^PASS (\S+) \((\d+) ms\)(: .+)?$")
FAIL_LINE = re.compile(r"^FAIL (\S+): (.+)$")


def _ok() -> str:
    return ""


def _ok_with_note() -> str:
    return "fine,\n on two lines"


def _fails() -> str:
    raise CheckFailed("the library is missing")


def _import_error() -> str:
    raise ImportError("No module named 'opuslib'")


def _run(checks: dict[str, object]) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = run_self_test(list(checks), out, isolate_qt=False, checks=checks)  # type: ignore[arg-type]
    return code, out.getvalue().splitlines()


def test_all_passing_exits_0_with_one_line_per_check() -> None:
    code, lines = _run({"first": _ok, "second": _ok_with_note})
    assert code == 0
    assert lines[0].startswith("plaza ") and "self-test" in lines[0]
    first, second = PASS_LINE.match(lines[1]), PASS_LINE.match(lines[2])
    assert first and first.group(1) == "first" and first.group(3) is None
    assert second and second.group(1) == "second" and second.group(3) == ": fine, on two lines"
    assert lines[3] == "self-test passed: all 2 checks"
    assert len(lines) == 4


def test_one_failing_check_makes_the_exit_non_zero_and_the_others_still_run() -> None:
    code, lines = _run({"good": _ok, "broken": _fails, "missing": _import_error, "after": _ok})
    assert code == 1
    assert PASS_LINE.match(lines[1]) and PASS_LINE.match(lines[4])
    assert FAIL_LINE.match(lines[2]).groups() == ("broken", "the library is missing")  # type: ignore[union-attr]
    assert lines[3] == "FAIL missing: ImportError: No module named 'opuslib'"
    assert lines[5] == "self-test FAILED: 2 of 4 checks (broken, missing)"


def test_a_long_reason_keeps_its_start_and_its_end() -> None:
    def numpy_like() -> str:
        raise ImportError("IMPORTANT: PLEASE READ THIS " + "advice " * 200 + "Original error was: libfoo.so")

    code, lines = _run({"numpy": numpy_like})
    assert code == 1
    assert lines[1].startswith("FAIL numpy: ImportError: IMPORTANT")
    assert lines[1].endswith("Original error was: libfoo.so") and len(lines[1]) < 450


def test_the_closing_line_is_not_a_test_runner_summary() -> None:
    """CI reads 'N passed, N failed' lines as a test runner's result: the self-test must not print one."""
    for checks in ({"a": _ok}, {"a": _fails}):
        _, lines = _run(checks)
        assert not re.search(r"\d+ passed, \d+ failed", lines[-1])


def test_unknown_check_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert self_test.main("opus,nonsense") == 2
    assert "nonsense" in capsys.readouterr().err


def test_self_test_is_a_top_level_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert plaza_main(["--self-test=janus-config"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert PASS_LINE.match(lines[1]) and lines[1].startswith("PASS janus-config")


def _fake_child(body: str) -> list[str]:
    """A stand-in for `plaza`: run_in_child appends --self-test=NAMES, which the script ignores."""
    return [sys.executable, "-c", textwrap.dedent(body)]


def test_child_lines_are_relayed() -> None:
    out = io.StringIO()
    child = _fake_child("""
        print("plaza 0.0 self-test (fake)")
        print("PASS qt (12 ms): xcb")
        print("FAIL translations: plaza_es.qm is missing")
    """)
    outcomes = run_in_child(["qt", "translations"], out, child)
    assert [(o.name, o.ok) for o in outcomes] == [("qt", True), ("translations", False)]
    assert out.getvalue().splitlines()[:2] == ["PASS qt (12 ms): xcb", "FAIL translations: plaza_es.qm is missing"]


def test_a_crashing_qt_process_fails_its_checks_with_what_it_said() -> None:
    out = io.StringIO()
    child = _fake_child("""
        import os, signal, sys
        print("PASS qt (5 ms): offscreen", flush=True)
        print('qt.qpa.plugin: Could not load the Qt platform plugin "xcb"', file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGABRT)
    """)
    outcomes = run_in_child(["qt", "translations"], out, child)
    assert outcomes[0] == Outcome("qt", True, 5.0, "offscreen")
    assert not outcomes[1].ok and "killed by signal 6" in outcomes[1].text
    assert "Could not load the Qt platform plugin" in outcomes[1].text
    assert "FAIL translations: the check process killed by signal 6" in out.getvalue()


def test_a_hanging_qt_process_fails_after_the_timeout() -> None:
    out = io.StringIO()
    outcomes = run_in_child(["qt"], out, _fake_child("import time; time.sleep(30)"), timeout=1.0)
    assert not outcomes[0].ok and "did not finish within 1 s" in outcomes[0].text


def test_whole_self_test_runs_qt_in_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_child(names: list[str], out: io.StringIO, command: object = None) -> list[Outcome]:
        calls.append(list(names))
        return [Outcome(n, True, 1.0, "") for n in names]

    monkeypatch.setattr(self_test, "run_in_child", fake_child)
    out = io.StringIO()
    checks = {"qt": _fails, "translations": _fails, "audio": _ok}
    assert run_self_test(list(checks), out, isolate_qt=True, checks=checks) == 0  # type: ignore[arg-type]
    assert calls == [["qt", "translations"]]


def test_a_room_link_alone_opens_the_window() -> None:
    """The .desktop entry runs `plaza %u`: a plaza:// link as the only argument means `plaza window LINK`."""
    assert with_default_command(["plaza://rooms.example.org/7"]) == ["window", "plaza://rooms.example.org/7"]
    assert with_default_command(["plaza+ws://127.0.0.1:8188/1234"])[0] == "window"
    assert with_default_command(["listen", "plaza://h/1"]) == ["listen", "plaza://h/1"]
    assert with_default_command(["https://example.org/1"]) == ["https://example.org/1"]
    assert with_default_command([]) == []


def test_the_real_self_test_passes_from_the_source_tree() -> None:
    """Every check for real, the Qt ones in their own process (offscreen: tests/conftest.py sets it)."""
    result = subprocess.run([sys.executable, "-m", "app", "--self-test"], capture_output=True, text=True,
                            timeout=120)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    names = [m.group(1) for line in lines if (m := PASS_LINE.match(line))]
    assert names == list(self_test.CHECKS)
    assert lines[-1] == f"self-test passed: all {len(self_test.CHECKS)} checks"


def test_janus_config_renders_without_janus_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Janus is only recommended by the package: its absence is a note, the templates are still checked."""
    import app.local.janus_config as janus_config

    def no_janus() -> None:
        raise FileNotFoundError("Janus plugins folder not found")

    monkeypatch.setattr(janus_config, "janus_lib_dir", no_janus)
    assert self_test.check_janus_config() == (
        "5 files; Janus is not installed (only `plaza serve` and `plaza demo` need it)")
