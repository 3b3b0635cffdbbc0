"""The audience graph's data as CSV, for a spreadsheet after the night (the window's Export, `plaza host … audience`).

One row per point; the time twice: local ISO 8601 with its UTC offset (readable, unambiguous) and unix seconds
(for scripts). An unknown listener count is an empty cell, not 0: zero listeners is a different story.
"""

from __future__ import annotations

import csv
import datetime
from typing import TextIO

from app.room.stage_protocol import AudienceReport

HEADER = ("time", "unix_time", "listeners", "joins", "leaves", "reconnects")


def local_time(unix: float) -> str:
    return datetime.datetime.fromtimestamp(unix).astimezone().isoformat(timespec="seconds")


def write_audience_csv(report: AudienceReport, out: TextIO) -> int:
    """Write the header and one row per point to `out` (opened with newline=""); returns the rows written.
    Raises OSError from `out`."""
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for p in report.points:
        unix = int(p.at) if float(p.at).is_integer() else p.at
        writer.writerow((local_time(p.at), unix, "" if p.listeners is None else p.listeners, p.joins, p.leaves,
                         p.reconnects))
    return len(report.points)
