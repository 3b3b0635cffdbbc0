"""The lab's clustered-fault schedule, offline, for many listeners: tests/support/fault_schedule.py (which says how
it models the lab) run for `--seeds` listeners, with a table of who would fail the lab test and why.

Run: .venv/bin/python -m benchmarks.fault_schedule [--seeds 40] [--first 0] [--join FROM TO]
"""

from __future__ import annotations

import argparse

import numpy as np

from app.media.sources import decode_file
from tests.conftest import DEMO_AUDIO
from tests.support.fault_schedule import encoded_loop, listen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--join", type=float, nargs=2, default=(0.0, 18.0), metavar=("FROM", "TO"),
                        help="seconds into the demo loop where listeners join (the lab test's: about 1 to 2.5)")
    args = parser.parse_args()
    payloads, source = encoded_loop(), decode_file(str(DEMO_AUDIO))
    listeners = [listen(s, payloads, source, tuple(args.join)) for s in range(args.first, args.first + args.seeds)]
    failed = [x for x in listeners if x.failed]
    for x in failed:
        print(f"seed {x.seed}: {x.heard.describe()}; drained gap {x.gap_ms:.0f} ms")
    clicks = sum(1 for x in listeners if x.heard.clicks or x.heard.onset_clicks)
    sags = sum(1 for x in listeners if x.longest_ms > 10 or x.heard.audible_ms > 30)
    print()
    print("| listeners | would fail the lab test | with clicks | sag > 10 ms or > 30 ms in all | drained gaps "
          "| concealed / FEC frames (median) |")
    print("|---|---|---|---|---|---|")
    print(f"| {len(listeners)} | {len(failed)} | {clicks} | {sags} | {sum(1 for x in listeners if x.gap_ms > 0)} "
          f"| {int(np.median([x.concealed for x in listeners]))} / {int(np.median([x.fec for x in listeners]))} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
