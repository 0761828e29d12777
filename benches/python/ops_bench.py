#!/usr/bin/env python3
"""Calls per second of ``open_ticket`` + ``reply`` from Python (memory backend),
blocking and asyncio, as the median of several runs.

Written against the API that both the hand-written binding (before the
operation table) and the generated one accept, so the same script measures
either wheel (issue: "speed does not regress"):

    pip install ticketry-*.whl          # a release build: maturin build --release
    python benches/python/ops_bench.py [--iterations 20000] [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from ticketry import Helpdesk


def setup(name: str):  # type: ignore[no-untyped-def]
    desk = Helpdesk.in_memory()
    ws = desk.workspace(desk.create_workspace(name, name))
    ws.put_customer("c1", "Customer")
    ws.put_agent("a1", "Agent")
    return ws


def blocking(n: int, run: int) -> float:
    ws = setup(f"sync-{run}")
    t0 = time.perf_counter()
    for _ in range(n):
        t = ws.open_ticket("c1", "Cannot log in", "It says 403")
        ws.reply(t, "a1", "Try again")
    return 2 * n / (time.perf_counter() - t0)


def asynchronous(n: int, run: int) -> float:
    ws = setup(f"async-{run}")

    async def go() -> float:
        t0 = time.perf_counter()
        for _ in range(n):
            t = await ws.open_ticket_async("c1", "Cannot log in", "It says 403")
            await ws.reply_async(t, "a1", "Try again")
        return 2 * n / (time.perf_counter() - t0)

    return asyncio.run(go())


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--iterations", type=int, default=20000)
    p.add_argument("--runs", type=int, default=5)
    a = p.parse_args()
    out = {}
    for name, f in (("python_sync", blocking), ("python_asyncio", asynchronous)):
        rates = [f(a.iterations, r) for r in range(a.runs)]
        out[name] = round(statistics.median(rates))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
