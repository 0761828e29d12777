#!/usr/bin/env python3
"""SLA calendar throughput from Python: Ticketry vs pandas vs businesstimedelta.

The workload is the Rust `sla` benchmark's (benches/lib.rs, module `sla_workload`),
regenerated here from the same integer formulas:

* calendar: Europe/Berlin, Monday-Friday 09:00-12:00 and 13:00-17:00, the German
  national holidays of 2026 and 2027;
* 2000 items, i = 0..1999: start_i = 2026-01-01T00:00:00Z + i * 15768 s;
  add: start_i + (1 + (i * 37 mod 80)) business hours;
  between: start_i .. start_i + ((i * 13) mod 31) days + ((i * 7) mod 24) hours.

Measured in one process, each as operations (items) per second:

* Ticketry, one call per item (`Calendar.add`, `Calendar.between`) and the batch
  forms (`add_many`, `between_many`, one call for all 2000);
* pandas `CustomBusinessHour` (`start + n * cbh` on Europe/Berlin timestamps); pandas
  has no business-duration ("between") operation, so only `add` is measured;
* businesstimedelta (`start + BusinessTimeDelta(rules, hours=n)`, `rules.difference`).

Each library's results are checked against Ticketry's item by item (agreement is
printed), and Ticketry's checksums are printed for comparison with the Rust bench.

Usage (release build of the wheel; bench-only deps):
    pip install pandas businesstimedelta  ticketry-*.whl   # wheel: maturin build --release
    python benches/python/sla_compare.py [--seconds 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import time
from typing import Callable, List, Optional, Sequence, Tuple

from ticketry import Calendar

N = 2000
START_UNIX = 1_767_225_600  # 2026-01-01T00:00:00Z
STEP_SECS = 15_768  # 365 days / 2000
UTC = dt.timezone.utc

HOLIDAYS = [
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14",
    "2026-05-25", "2026-10-03", "2026-12-25", "2026-12-26",
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-06",
    "2027-05-17", "2027-10-03", "2027-12-25", "2027-12-26",
]  # fmt: skip
DAY = [["09:00", "12:00"], ["13:00", "17:00"]]
CALENDAR = {
    "timezone": "Europe/Berlin",
    "weekly": {d: DAY for d in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": HOLIDAYS,
}


def at(unix: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, UTC)


def start(i: int) -> dt.datetime:
    return at(START_UNIX + i * STEP_SECS)


def hours(i: int) -> int:
    return 1 + (i * 37) % 80


def end(i: int) -> dt.datetime:
    return at(START_UNIX + i * STEP_SECS + (i * 13 % 31) * 86_400 + (i * 7 % 24) * 3_600)


ADDS = [(start(i), dt.timedelta(hours=hours(i))) for i in range(N)]
RANGES = [(start(i), end(i)) for i in range(N)]


def measure(fn: Callable[[], object], seconds: float) -> float:
    """Items per second: the median of repeated full passes over the 2000 items."""
    fn()  # warm up
    rates: List[float] = []
    deadline = time.perf_counter() + seconds
    gc.disable()
    try:
        while time.perf_counter() < deadline or len(rates) < 3:
            t0 = time.perf_counter()
            fn()
            rates.append(N / (time.perf_counter() - t0))
    finally:
        gc.enable()
    return statistics.median(rates)


def agreement(ours: Sequence[object], theirs: Sequence[object]) -> str:
    same = sum(1 for a, b in zip(ours, theirs) if a == b)
    return f"{same}/{len(ours)} agree with Ticketry"


def ticketry_cases(cal: Calendar) -> List[Tuple[str, str, Callable[[], object]]]:
    add, between = cal.add, cal.between
    return [
        ("add", "Ticketry add (one call per item)", lambda: [add(s, d) for s, d in ADDS]),
        ("add", "Ticketry add_many (one batch call)", lambda: cal.add_many(ADDS)),
        ("between", "Ticketry between (one call per item)", lambda: [between(a, b) for a, b in RANGES]),
        ("between", "Ticketry between_many (one batch call)", lambda: cal.between_many(RANGES)),
    ]


def pandas_cases(
    due: List[dt.datetime], due_next_opening: List[dt.datetime]
) -> Tuple[List[Tuple[str, str, Callable[[], object]]], List[str]]:
    try:
        import pandas as pd
    except ImportError:
        return [], ["pandas: not installed (pip install pandas)"]
    cbh = pd.offsets.CustomBusinessHour(
        start=[d[0] for d in DAY], end=[d[1] for d in DAY], weekmask="Mon Tue Wed Thu Fri", holidays=HOLIDAYS
    )
    starts = [pd.Timestamp(s).tz_convert("Europe/Berlin") for s, _ in ADDS]
    ns = [int(d / dt.timedelta(hours=1)) for _, d in ADDS]

    def add() -> List[object]:
        return [s + n * cbh for s, n in zip(starts, ns)]

    got = [t.tz_convert("UTC").to_pydatetime() for t in add()]
    notes = [
        f"pandas {pd.__version__} CustomBusinessHour add: {agreement(due, got)}; "
        f"{agreement(due_next_opening, got)} with boundary=next_opening (pandas moves a due "
        "instant landing on a closing time to the next opening); between: no such operation"
    ]
    return [("add", f"pandas {pd.__version__} CustomBusinessHour add", add)], notes


def businesstimedelta_cases(
    due: List[dt.datetime], spans: List[dt.timedelta]
) -> Tuple[List[Tuple[str, str, Callable[[], object]]], List[str]]:
    try:
        import businesstimedelta as btd
        import pytz
    except ImportError:
        return [], ["businesstimedelta: not installed (pip install businesstimedelta)"]
    berlin = pytz.timezone("Europe/Berlin")
    workday = btd.WorkDayRule(start_time=dt.time(9), end_time=dt.time(17), working_days=[0, 1, 2, 3, 4], tz=berlin)
    lunch = btd.LunchTimeRule(start_time=dt.time(12), end_time=dt.time(13), working_days=[0, 1, 2, 3, 4], tz=berlin)
    holidays = btd.HolidayRule([dt.date.fromisoformat(h) for h in HOLIDAYS], tz=berlin)
    rules = btd.Rules([workday, lunch, holidays])
    deltas = [btd.BusinessTimeDelta(rules, hours=int(d / dt.timedelta(hours=1))) for _, d in ADDS]
    starts = [s for s, _ in ADDS]

    def add() -> List[object]:
        return [s + d for s, d in zip(starts, deltas)]

    def between() -> List[object]:
        return [rules.difference(a, b) for a, b in RANGES]

    def as_timedelta(b: object) -> Optional[dt.timedelta]:
        return dt.timedelta(hours=b.hours, seconds=b.seconds)  # type: ignore[attr-defined]

    got_add = [t.astimezone(UTC) for t in add()]
    got_between = [as_timedelta(b) for b in between()]
    notes = [f"businesstimedelta add: {agreement(due, got_add)}; between: {agreement(spans, got_between)}"]
    return [
        ("add", "businesstimedelta add", add),
        ("between", "businesstimedelta between (Rules.difference)", between),
    ], notes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent measuring each case")
    args = parser.parse_args()

    t0 = time.perf_counter()
    cal = Calendar.from_json(CALENDAR)
    compile_ms = (time.perf_counter() - t0) * 1000
    due = cal.add_many(ADDS)
    spans = cal.between_many(RANGES)
    assert due == [cal.add(s, d) for s, d in ADDS] and spans == [cal.between(a, b) for a, b in RANGES]
    due_sum = sum(int(d.timestamp()) for d in due)
    between_sum = sum(int(s.total_seconds()) for s in spans)
    print(f"workload: {N} items; calendar compiled in {compile_ms:.2f} ms, memory_bytes = {cal.memory_bytes()}")
    print(f"checksums (same as the Rust bench): sum(due unix s) = {due_sum}, sum(between s) = {between_sum}")

    cases = ticketry_cases(cal)
    notes: List[str] = []
    due_next_opening = Calendar.from_json({**CALENDAR, "boundary": "next_opening"}).add_many(ADDS)
    for extra, more in (pandas_cases(due, due_next_opening), businesstimedelta_cases(due, spans)):
        cases += extra
        notes += more
    for n in notes:
        print(n)

    results = [(op, name, measure(fn, args.seconds)) for op, name, fn in cases]
    best = {
        op: max(rate for o, n, rate in results if o == op and n.startswith("Ticketry") and "one call" in n)
        for op in ("add", "between")
    }
    batch = {
        op: max(rate for o, n, rate in results if o == op and n.startswith("Ticketry") and "batch" in n)
        for op in ("add", "between")
    }
    print()
    print(f"{'case':52} {'ops/s':>14}  {'Ticketry single ÷ this':>22}  {'Ticketry batch ÷ this':>21}")
    for op, name, rate in results:
        print(f"{name:52} {rate:14,.0f}  {best[op] / rate:21.1f}x  {batch[op] / rate:20.1f}x")


if __name__ == "__main__":
    main()
