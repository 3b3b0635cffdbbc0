"""The chaos soak's results, its table and its verdict (pure: tests/benchmarks/test_chaos_plan.py checks them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from benchmarks.chaos_cast import STOP_CODES, Actor
from benchmarks.chaos_plan import JOIN_S, Fault

SAMPLE_S = 0.5  # the swarm's --json interval: a return is seen up to this late


@dataclass
class FaultResult:
    fault: Fault
    affected: int  # swarm listeners on the faulted node when it began (the origin: all)
    bound_s: float  # the policy's bound for every listener to be back (benchmarks/chaos_plan.back_bound)
    back: dict[int, float]  # listener index -> seconds from the fault's start until it was back
    listeners: int
    state_s: float | None  # seconds from the fault's end (a kill: the restart) until the room state was as before
    #                       (listener's view); None: not within the timeout
    before: dict[str, Any]
    after: dict[str, Any]
    restarted_after: float | None = None
    controller_failures: int = 0
    swarm_rss_mib: float | None = None  # after the fault: the memory's course over the run

    @property
    def all_back_s(self) -> float | None:
        return max(self.back.values()) if len(self.back) >= self.listeners else None

    @property
    def back_ok(self) -> bool:
        return self.all_back_s is not None and self.all_back_s <= self.bound_s + SAMPLE_S

    @property
    def state_ok(self) -> bool:
        return self.state_s is not None

    def line(self) -> str:
        back = "NOT ALL" if self.all_back_s is None else f"{self.all_back_s:.1f} s"
        state = "NOT RESTORED" if self.state_s is None else f"{self.state_s:.1f} s"
        return (f"{self.fault.describe()}: {self.affected} affected, all back {back} (bound {self.bound_s:.1f} s), "
                f"state as before {state} after the fault's end")


@dataclass
class Soak:
    seed: int
    listeners: int
    minutes: float
    rss_growth_limit: float  # percent
    baseline_at: float = 0.0  # the end of the warm-up
    settled_at: float | None = None  # the end of the first round of faults (--settle-faults): the check's start
    end_at: float = 0.0
    faults: list[FaultResult] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    janus_crashes: list[str] = field(default_factory=list)
    rss: dict[str, tuple[float | None, float | None, float | None]] = field(default_factory=dict)  # start, end, peak
    settled_rss: dict[str, float | None] = field(default_factory=dict)  # at settled_at
    stop_codes: dict[str, int | None] = field(default_factory=dict)
    swarm_live_at_end: int = 0
    swarm_summary: dict[str, Any] | None = None
    error: str | None = None
    wall_s: float = 0.0  # the whole run, set-up and tear-down included

    def collect_rss(self, actors: list[Actor]) -> None:
        for actor in actors:
            if actor.measured:
                peak = max((mib for _, mib in actor.rss), default=None)
                self.rss[actor.name] = (actor.rss_around(self.baseline_at), actor.rss_around(self.end_at), peak)
                if self.settled_at is not None:
                    self.settled_rss[actor.name] = actor.rss_around(self.settled_at)

    def growth(self, name: str) -> float | None:
        """From the end of the warm-up to the end."""
        start, end, _ = self.rss[name]
        return _percent(start, end)

    def checked_growth(self, name: str) -> float | None:
        """What the check limits: from the end of the first round of faults when there was one (the allocators'
        high-water mark of every fault kind is reached there), else from the end of the warm-up."""
        if self.settled_at is None:
            return self.growth(name)
        return _percent(self.settled_rss.get(name), self.rss[name][1])


def _percent(start: float | None, end: float | None) -> float | None:
    return None if not start or end is None else 100.0 * (end - start) / start


def verdict(soak: Soak) -> list[str]:
    """Every failed check, in words ([] = passed)."""
    failures = []
    if soak.error:
        failures.append(f"the soak could not run to its end: {soak.error}")
    failures += [f"crash: {c}" for c in soak.crashes + soak.janus_crashes]
    failures += [f"{name} exited with {code} when stopped (a crash in its tear-down, or it would not leave)"
                 for name, code in soak.stop_codes.items() if code not in STOP_CODES]
    if not soak.faults and not soak.error:
        failures.append("no fault ran")
    since = "the warm-up" if soak.settled_at is None else "the first round of faults"
    for name in soak.rss:
        growth = soak.checked_growth(name)
        if growth is None:
            failures.append(f"{name}: no RSS measured")
        elif growth >= soak.rss_growth_limit:
            failures.append(f"{name}: RSS grew {growth:.1f} % since {since} (limit {soak.rss_growth_limit:g} %)")
    for i, r in enumerate(soak.faults, start=1):
        if not r.back_ok:
            late = "not every listener came back" if r.all_back_s is None else f"back after {r.all_back_s:.1f} s"
            failures.append(f"fault {i} ({r.fault.describe()}): {late}, bound {r.bound_s:.1f} s "
                            f"(+{SAMPLE_S:g} s sampling)")
        if not r.state_ok:
            failures.append(f"fault {i} ({r.fault.describe()}): room state {r.after} after it, {r.before} before")
    if soak.faults and soak.swarm_live_at_end < soak.listeners:
        failures.append(f"only {soak.swarm_live_at_end} of {soak.listeners} swarm listeners live at the end")
    return failures


def render(soak: Soak, *, markdown: bool = False) -> str:
    rows = [["#", "fault", "affected", "all back (s)", "median back (s)", "bound (s)",
             "state as before (s after its end)", "swarm RSS after (MiB)"]]
    for i, r in enumerate(soak.faults, start=1):
        backs = sorted(r.back.values())
        median = f"{backs[len(backs) // 2]:.1f}" if backs else "-"
        rows.append([str(i), r.fault.describe(), f"{r.affected}/{r.listeners}",
                     "NOT ALL" if r.all_back_s is None else f"{r.all_back_s:.1f}", median, f"{r.bound_s:.1f}",
                     "NO" if r.state_s is None else f"{r.state_s:.1f}", _mib(r.swarm_rss_mib)])
    mem = [["process", "RSS start (MiB)", "after the first round (MiB)", "RSS end (MiB)", "peak (MiB)",
            "growth from the start", "growth from the first round (checked)"]]
    for name, (start, end, peak) in soak.rss.items():
        growth, checked = soak.growth(name), soak.checked_growth(name) if soak.settled_at is not None else None
        mem.append([name, _mib(start), _mib(soak.settled_rss.get(name)), _mib(end), _mib(peak),
                    "-" if growth is None else f"{growth:+.1f} %", "-" if checked is None else f"{checked:+.1f} %"])
    head = (f"chaos soak: seed {soak.seed}, {soak.listeners} listeners, {soak.minutes:g} min of chaos, "
            f"{len(soak.faults)} faults, {soak.wall_s:.0f} s in all; bounds: benchmarks/chaos_plan.py (join allowance "
            f"{JOIN_S:g} s)")
    out = [head, _table(rows, markdown), "", _table(mem, markdown), ""]
    out.append(f"crashes: {len(soak.crashes) + len(soak.janus_crashes)}"
               + "".join(f"\n  {c}" for c in soak.crashes + soak.janus_crashes))
    out.append(f"exit codes when stopped: {', '.join(f'{k} {v}' for k, v in soak.stop_codes.items())}")
    if soak.swarm_summary is not None:
        results = soak.swarm_summary.get("results", [])
        out.append(f"swarm: {soak.swarm_summary.get('joined')} joined, "
                   f"{sum(r['reconnects'] for r in results)} reconnects, "
                   f"{sum(r['audible_gaps'] for r in results)} audible gaps "
                   f"({sum(r['audible_gap_ms'] for r in results):.0f} ms), "
                   f"{sum(r['packets_lost'] for r in results)} packets lost; "
                   f"{soak.swarm_live_at_end} live at the end")
    return "\n".join(out)


def _mib(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _table(rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)
