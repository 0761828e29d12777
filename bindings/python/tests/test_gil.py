"""Calls release the GIL: another Python thread keeps running during a long call."""

from __future__ import annotations

import sys
import threading
import time
from datetime import date, datetime, timedelta, timezone

from ticketry import Calendar, Helpdesk

CFG = {"timezone": "Europe/Berlin", "weekly": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}


class Spinner:
    """Counts in a Python thread; the count only moves while this thread holds the GIL."""

    def __init__(self, yielding: bool = False) -> None:
        self.count = 0
        self._yielding = yielding
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.count += 1
            if self._yielding:
                time.sleep(0)  # releases the GIL

    def __enter__(self) -> "Spinner":
        self._thread.start()
        time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_a_python_thread_runs_during_a_long_calendar_call() -> None:
    # No precomputed window: every call walks day by day, so this batch takes a while.
    cal = Calendar.with_window(CFG, date(2026, 1, 1), 0)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    ranges = [(start, start + timedelta(days=3650))] * 20_000
    with Spinner() as spin:
        before = spin.count
        t0 = time.perf_counter()
        out = cal.between_many(ranges)
        elapsed = time.perf_counter() - t0
        during = spin.count - before
    assert len(out) == 20_000
    # With the GIL held for the whole call the spinner could not have counted at all.
    assert during > 1000, f"the spinner counted {during} times in {elapsed:.3f}s"


def test_a_python_thread_runs_during_a_long_single_call() -> None:
    cal = Calendar.with_window(CFG, date(2026, 1, 1), 0)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    # No forced GIL switches during the test: the spinner (which yields the
    # GIL after each count) can then only count while a call released it.
    # Were the GIL held, `moved` would be exactly 0.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(30.0)
    try:
        moved = 0
        with Spinner(yielding=True) as spin:
            for _ in range(20):
                before = spin.count
                cal.between(start, start + timedelta(days=36500))
                moved += spin.count > before
    finally:
        sys.setswitchinterval(interval)
    assert moved > 0, "the spinner never counted during a call"


def test_blocking_operations_from_many_threads() -> None:
    h = Helpdesk.in_memory()
    d = h.workspace(h.create_workspace("Threads", "threads"))
    d.put_customer(1, "A")
    errors: list = []

    def work() -> None:
        try:
            for _ in range(25):
                d.open_ticket(1, "s", "b")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(t.seq for t in d.iter_tickets(limit=500)) == list(range(1, 201))


def test_ctrl_c_interrupts_a_call_waiting_on_a_silent_server() -> None:
    import _thread
    import signal
    import socket

    import pytest

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    # A process started in the background by a shell ignores SIGINT, and
    # then interrupt_main() does nothing: handle it as an interactive one.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Timer(0.3, _thread.interrupt_main).start()
        with pytest.raises(KeyboardInterrupt):
            Helpdesk.connect(f"postgres://nobody@127.0.0.1:{port}/nothing", acquire_timeout=timedelta(seconds=60))
    finally:
        signal.signal(signal.SIGINT, previous)
    # The interrupt came while the call still waited: its connection is
    # still open (the call would have closed it on giving up).
    conn, _ = server.accept()
    conn.setblocking(False)
    try:
        while conn.recv(65536):
            pass
        still_open = False
    except BlockingIOError:
        still_open = True
    finally:
        conn.close()
        server.close()
    assert still_open
