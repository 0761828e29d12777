#!/usr/bin/env python3
"""Adds per second from Python: one call per item, the batch of datetimes
(`add_many`), and the batch over NumPy int64 arrays (`add_many_epoch`), on the
workload of sla_compare.py (Berlin business hours, 2000 items). Medians of
several runs, printed as JSON.

    pip install numpy ticketry-*.whl   # release wheel
    python benches/python/calendar_epoch.py [--runs 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time

import numpy as np

from ticketry import Calendar

CAL = {
    "timezone": "Europe/Berlin",
    "weekly": {d: [["09:00", "12:00"], ["13:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-12-25", "2026-12-26"],
}
N = 2000
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
STARTS = [T0 + dt.timedelta(seconds=i * 15768) for i in range(N)]
HOURS = [dt.timedelta(hours=1 + (i * 37) % 80) for i in range(N)]


def rate(f, items: int, runs: int) -> float:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        reps = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 0.3:
            f()
            reps += 1
        out.append(reps * items / (time.perf_counter() - t0))
    return statistics.median(out)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=7)
    a = p.parse_args()
    cal = Calendar.from_json(CAL)
    starts = np.array([int(s.timestamp() * 1_000_000) for s in STARTS], dtype=np.int64)
    durations = np.array([int(h.total_seconds() * 1_000_000) for h in HOURS], dtype=np.int64)
    out = np.empty(N, dtype=np.int64)
    # The three forms agree.
    cal.add_many_epoch(starts, durations, out)
    many = cal.add_many(list(zip(STARTS, HOURS)))
    assert [int(d.timestamp() * 1_000_000) for d in many] == out.tolist()
    pairs = list(zip(STARTS, HOURS))
    result = {
        "one_call_per_item": round(rate(lambda: [cal.add(s, h) for s, h in pairs], N, a.runs)),
        "add_many_datetimes": round(rate(lambda: cal.add_many(pairs), N, a.runs)),
        "add_many_epoch_numpy": round(rate(lambda: cal.add_many_epoch(starts, durations, out), N, a.runs)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
